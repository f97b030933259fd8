using System.Buffers;
using System.Text;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Center.Tests.Ingest;

/// <summary>One Mosquitto for the class.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>Center instances against a real Mosquitto, storing into real PostgreSQL and SQLite.</summary>
[Collection("postgres")]
public sealed class CenterIngestTests(PostgresFixture postgres, BrokerFixture broker) : IClassFixture<BrokerFixture>, IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-center-ingest-").FullName;
    private readonly string _group = "g" + Guid.NewGuid().ToString("N")[..8];

    private CenterOptions Options(string id, CenterStoreKind kind, string connection) => new()
    {
        Mqtt = new MqttClientOptions { Port = broker.Broker.AnonymousPort, ClientId = id + "-" + _group, CleanStart = true },
        ShareGroup = _group,
        Store = kind,
        StoreConnection = connection,
        Durable = false,
        StoreAttempts = 2,
    };

    private async Task<MqttClient> PublisherAsync()
    {
        var client = new MqttClient(new MqttClientOptions { Port = broker.Broker.AnonymousPort, ClientId = "pub-" + Guid.NewGuid().ToString("N")[..8] });
        await client.ConnectAsync();
        return client;
    }

    private static byte[] Json(TelemetryBatch batch) => TelemetryDecoderTests.Json(batch);

    /// <summary>Completes when <paramref name="count"/> messages matching the predicate were handled by any of the instances.</summary>
    private static Task WhenHandled(int count, Func<CenterMessage, bool> match, params CenterIngest[] centers)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        foreach (var c in centers)
        {
            c.Handled += m =>
            {
                if (match(m) && Interlocked.Increment(ref seen) == count) tcs.TrySetResult();
            };
        }
        return tcs.Task.WaitAsync(Guard);
    }

    [Fact]
    public async Task TwoInstancesSharingOneSubscriptionIngestEveryBatchExactlyOnce()
    {
        var cs = await postgres.NewDatabaseAsync();
        await using var a = new CenterIngest(Options("a", CenterStoreKind.Postgres, cs), new PostgresCenterStore(cs));
        await using var b = new CenterIngest(Options("b", CenterStoreKind.Postgres, cs), new PostgresCenterStore(cs));
        await Task.WhenAll(a.StartAsync(default), b.StartAsync(default));
        const int perGateway = 150;
        var done = WhenHandled(2 * perGateway, m => m.Batch is not null, a, b);
        await using var pub = await PublisherAsync();
        for (var seq = 1; seq <= perGateway; seq++)
        {
            foreach (var gw in new[] { "gw-01", "gw-02" })
                await pub.PublishAsync($"sfe/v1/plant1/{gw}/telemetry", Json(TelemetryDecoderTests.SampleBatch(seq, gateway: gw)));
        }
        await done;
        var counts = await a.Store.CountAsync(default);
        Assert.Equal((300L, 1500L, 0L), (counts.Batches, counts.Samples, counts.DeadLetters));
        // the broker split the load: both instances stored some
        Assert.True(a.Metrics.Gateways.Sum(g => g.Batches) > 0 && b.Metrics.Gateways.Sum(g => g.Batches) > 0,
            $"a stored {a.Metrics.Gateways.Sum(g => g.Batches)}, b stored {b.Metrics.Gateways.Sum(g => g.Batches)}");
        Assert.Equal(300, a.Metrics.Gateways.Sum(g => g.Batches) + b.Metrics.Gateways.Sum(g => g.Batches));
    }

    [Fact]
    public async Task AGatewayThatReplaysAfterAnOutageProducesNoDuplicateRows()
    {
        var path = Path.Combine(_dir, "replay.db");
        await using var center = new CenterIngest(Options("r", CenterStoreKind.Sqlite, path), new SqliteCenterStore(path, durable: false));
        await center.StartAsync(default);
        var done = WhenHandled(40 + 21 + 10, m => m.Batch is not null, center);
        await using var pub = await PublisherAsync();
        for (var seq = 1; seq <= 40; seq++) await pub.PublishAsync("sfe/v1/plant1/gw-01/telemetry", Json(TelemetryDecoderTests.SampleBatch(seq)));
        // the link dropped before the PUBACKs of 20..40 reached the outbox: it sends them again, marked replayed
        for (var seq = 20; seq <= 40; seq++) await pub.PublishAsync("sfe/v1/plant1/gw-01/telemetry", Json(TelemetryDecoderTests.SampleBatch(seq, replayed: true)));
        for (var seq = 41; seq <= 50; seq++) await pub.PublishAsync("sfe/v1/plant1/gw-01/telemetry", Json(TelemetryDecoderTests.SampleBatch(seq)));
        await done;
        var counts = await center.Store.CountAsync(default);
        Assert.Equal((50L, 250L), (counts.Batches, counts.Samples));
        var health = Assert.Single(center.Metrics.Gateways);
        Assert.Equal((50L, 21L, 0L), (health.Batches, health.Duplicates, health.SequenceGaps));
        var status = Assert.Single(await center.Store.ReadGatewayStatusAsync(default));
        Assert.Equal((1L, 50L, 0L), (status.MinSequence, status.MaxSequence, status.Gaps));
    }

    [Fact]
    public async Task MalformedPayloadsLandInTheDeadLetterTableAndIngestGoesOn()
    {
        var cs = await postgres.NewDatabaseAsync();
        await using var center = new CenterIngest(Options("d", CenterStoreKind.Postgres, cs), new PostgresCenterStore(cs));
        await center.StartAsync(default);
        var good = Json(TelemetryDecoderTests.SampleBatch(1));
        byte[][] bad =
        [
            Encoding.UTF8.GetBytes("not json at all"),
            good[..(good.Length / 2)],
            Encoding.UTF8.GetBytes("{\"v\":1,\"gatewayId\":\"gw-01\",\"samples\":[]}"),
            Json(TelemetryDecoderTests.SampleBatch(2, gateway: "gw-99")),
            Encoding.UTF8.GetBytes("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":3,\"samples\":[{\"tag\":\"a\\u0000b\",\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"q\":0}]}"),
        ];
        var deadDone = WhenHandled(bad.Length, m => m.DeadLetter is not null, center);
        var goodDone = WhenHandled(1, m => m.Batch is not null, center);
        await using var pub = await PublisherAsync();
        foreach (var p in bad) await pub.PublishAsync("sfe/v1/plant1/gw-01/telemetry", p);
        await pub.PublishAsync("sfe/v1/plant1/gw-01/telemetry", good);
        await Task.WhenAll(deadDone, goodDone);
        var dead = await center.Store.ReadDeadLettersAsync(10, default);
        Assert.Equal(bad.Length, dead.Count);
        Assert.Contains(dead, d => d.Reason.Contains("malformed JSON", StringComparison.Ordinal));
        Assert.Contains(dead, d => d.Reason.Contains("missing 'seq'", StringComparison.Ordinal));
        Assert.Contains(dead, d => d.Reason.Contains("does not match the topic's gateway", StringComparison.Ordinal));
        Assert.Contains(dead, d => d.Reason.Contains("store rejected", StringComparison.Ordinal)); // PostgreSQL text cannot hold NUL
        Assert.Contains(dead, d => d.Payload.AsSpan().SequenceEqual(bad[0]));
        var counts = await center.Store.CountAsync(default);
        Assert.Equal((1L, 5L), (counts.Batches, counts.Samples));
    }

    [Fact]
    public async Task IngestsSparkplugBirthDataAndDeathThroughTheBroker()
    {
        var path = Path.Combine(_dir, "spb.db");
        await using var center = new CenterIngest(Options("s", CenterStoreKind.Sqlite, path), new SqliteCenterStore(path, durable: false));
        await center.StartAsync(default);
        var done = WhenHandled(1, m => m.Batch is not null, center);
        var deathDone = WhenHandled(1, m => m.State is { Online: false }, center);
        var enc = new SparkplugEncoder(4);
        var batch = TelemetryDecoderTests.SampleBatch(9);
        enc.Register(batch);
        var birth = new ArrayBufferWriter<byte>();
        enc.EncodeBirth(TelemetryDecoderTests.T0, "gw-01", birth);
        var data = new ArrayBufferWriter<byte>();
        enc.EncodeData(batch, data);
        await using var pub = await PublisherAsync();
        await pub.PublishAsync("spBv1.0/plant1/NBIRTH/gw-01", birth.WrittenMemory.ToArray());
        await pub.PublishAsync("spBv1.0/plant1/NDATA/gw-01", data.WrittenMemory.ToArray());
        await pub.PublishAsync("spBv1.0/plant1/NDEATH/gw-01", SparkplugEncoder.EncodeDeath(4, TelemetryDecoderTests.T0.AddMinutes(1)));
        await Task.WhenAll(done, deathDone);
        var counts = await center.Store.CountAsync(default);
        Assert.Equal((1L, 5L, 2L), (counts.Batches, counts.Samples, counts.States));
        var status = Assert.Single(await center.Store.ReadGatewayStatusAsync(default));
        Assert.NotNull(status.LastBirthMicros);
        Assert.NotNull(status.LastDeathMicros);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
