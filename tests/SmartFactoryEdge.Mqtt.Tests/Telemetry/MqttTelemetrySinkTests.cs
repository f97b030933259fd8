using System.Buffers;
using System.Text.Json;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.Mqtt.Tests.Client;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Mqtt.Tests.Telemetry;

public class MqttTelemetrySinkTests(MosquittoFixture fixture) : IClassFixture<MosquittoFixture>
{
    private static readonly DateTime T0 = new(2026, 11, 22, 2, 0, 0, 125, DateTimeKind.Utc);

    internal static TelemetryBatch Batch(long seq, bool replayed = false) => new("gw-01", seq, replayed, T0.AddSeconds(1), new[]
    {
        new Sample("press01.temp", T0, T0, 21.5, StatusCode.Good, "°C"),
        new Sample("press01.running", T0.AddMilliseconds(10), T0, true, StatusCode.Good),
        new Sample("press01.count", T0.AddMilliseconds(20), T0, 123456789012L, StatusCode.Good),
        new Sample("press01.state", T0.AddMilliseconds(30), T0, "Running", StatusCode.Good),
        Sample.Faulted("press01.pressure", T0.AddMilliseconds(40), new StatusCode(StatusCodes.BadTimeout), "bar"),
    });

    private MqttSinkOptions Options(string site, TelemetryEncoding encoding) => new()
    {
        Host = "127.0.0.1",
        Port = fixture.Broker.AnonymousPort,
        Site = site,
        GatewayId = "gw-01",
        ClientId = "sink-" + Guid.NewGuid().ToString("N")[..8],
        Encoding = encoding,
        Retry = new() { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
    };

    private async Task<(MqttClient, System.Threading.Channels.Channel<MqttApplicationMessage>)> Subscriber(string filter)
    {
        var sub = new MqttClient(TestMqtt.Options(fixture.Broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        await sub.SubscribeAsync(filter, MqttQualityOfService.AtLeastOnce);
        return (sub, inbox);
    }

    [Fact]
    public async Task JsonBatchArrivesWithEveryFieldAndTheStateIsRetained()
    {
        var site = "site-" + Guid.NewGuid().ToString("N")[..6];
        var (sub, inbox) = await Subscriber($"sfe/v1/{site}/gw-01/#");
        await using var subscription = sub;
        await using var sink = new MqttTelemetrySink(Options(site, TelemetryEncoding.Json));
        Assert.Equal($"sfe/v1/{site}/gw-01/state", sink.ClientOptions.Will!.Topic);
        Assert.True(sink.ClientOptions.Will.Retain);
        await sink.StartAsync(CancellationToken.None);

        var birth = Assert.Single(await TestMqtt.TakeAsync(inbox, 1));
        Assert.Equal($"sfe/v1/{site}/gw-01/state", birth.Topic);
        using (var state = JsonDocument.Parse(birth.Payload))
            Assert.Equal("online", state.RootElement.GetProperty("state").GetString());

        await sink.PublishAsync(Batch(42, replayed: true), CancellationToken.None);
        var m = Assert.Single(await TestMqtt.TakeAsync(inbox, 1));
        Assert.Equal($"sfe/v1/{site}/gw-01/telemetry", m.Topic);
        Assert.Equal("application/json", m.ContentType);
        using var doc = JsonDocument.Parse(m.Payload);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("v").GetInt32());
        Assert.Equal("gw-01", root.GetProperty("gatewayId").GetString());
        Assert.Equal(42, root.GetProperty("seq").GetInt64());
        Assert.True(root.GetProperty("replayed").GetBoolean());
        Assert.Equal(T0.AddSeconds(1), root.GetProperty("created").GetDateTime().ToUniversalTime());
        var samples = root.GetProperty("samples").EnumerateArray().ToArray();
        Assert.Equal(5, samples.Length);
        Assert.Equal("press01.temp", samples[0].GetProperty("tag").GetString());
        Assert.Equal("2026-11-22T02:00:00.125Z", samples[0].GetProperty("ts").GetString()![..19] + ".125Z");
        Assert.Equal(T0, samples[0].GetProperty("ts").GetDateTime().ToUniversalTime());
        Assert.EndsWith("Z", samples[0].GetProperty("ts").GetString(), StringComparison.Ordinal);
        Assert.Equal(21.5, samples[0].GetProperty("value").GetDouble());
        Assert.Equal(0u, samples[0].GetProperty("q").GetUInt32());
        Assert.Equal("Good", samples[0].GetProperty("qn").GetString());
        Assert.Equal("°C", samples[0].GetProperty("unit").GetString());
        Assert.True(samples[1].GetProperty("value").GetBoolean());
        Assert.False(samples[1].TryGetProperty("unit", out _));
        Assert.Equal(123456789012L, samples[2].GetProperty("value").GetInt64());
        Assert.Equal("Running", samples[3].GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Null, samples[4].GetProperty("value").ValueKind);
        Assert.Equal(StatusCodes.BadTimeout, samples[4].GetProperty("q").GetUInt32());
        Assert.Equal("BadTimeout", samples[4].GetProperty("qn").GetString());

        await sink.PublishAnomalyAsync(new AnomalyEvent
        {
            TagId = "press01.temp", Detector = "sr", Timestamp = T0, Score = 0.93, Threshold = 0.8, Value = 88.1, ModelVersion = "sha256:abc",
            Window = new Dictionary<string, double> { ["mean"] = 60.2 },
        }, CancellationToken.None);
        var a = Assert.Single(await TestMqtt.TakeAsync(inbox, 1));
        Assert.Equal($"sfe/v1/{site}/gw-01/anomaly", a.Topic);
        using (var ad = JsonDocument.Parse(a.Payload))
        {
            Assert.Equal("sr", ad.RootElement.GetProperty("detector").GetString());
            Assert.Equal(0.93, ad.RootElement.GetProperty("score").GetDouble());
            Assert.Equal("sha256:abc", ad.RootElement.GetProperty("modelVersion").GetString());
            Assert.Equal(60.2, ad.RootElement.GetProperty("window").GetProperty("mean").GetDouble());
        }

        await sink.StopAsync(CancellationToken.None);
        // a late subscriber sees the retained death
        var (late, lateInbox) = await Subscriber($"sfe/v1/{site}/gw-01/state");
        await using var lateSubscription = late;
        var death = Assert.Single(await TestMqtt.TakeAsync(lateInbox, 1));
        Assert.True(death.Retain);
        using var dd = JsonDocument.Parse(death.Payload);
        Assert.Equal("offline", dd.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task CommandsOnCmdTopicsReachTheGateway()
    {
        var site = "site-" + Guid.NewGuid().ToString("N")[..6];
        await using var sink = new MqttTelemetrySink(Options(site, TelemetryEncoding.Json));
        var got = new TaskCompletionSource<TelemetryCommand>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = new TaskCompletionSource();
        sink.CommandReceivedAsync += c =>
        {
            got.TrySetResult(c);
            return Task.CompletedTask;
        };
        await sink.StartAsync(CancellationToken.None);
        await using var center = new MqttClient(TestMqtt.Options(fixture.Broker.AnonymousPort, MqttProtocolVersion.V500));
        await center.ConnectAsync();
        // the sink subscribes right after CONNACK; retained commands cover the race with this publish
        await center.PublishAsync(sink.Topics.CommandModel, "{\"version\":\"2\"}"u8.ToArray(), MqttQualityOfService.AtLeastOnce, retain: true);
        var command = await got.Task.WaitAsync(TestMqtt.Guard);
        Assert.Equal("model", command.Name);
        Assert.Equal("{\"version\":\"2\"}", System.Text.Encoding.UTF8.GetString(command.Payload.Span));
        await center.PublishAsync(sink.Topics.CommandModel, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true); // clear
    }

    [Fact]
    public async Task SparkplugBirthAndDataArriveAndDecode()
    {
        var site = "sp-" + Guid.NewGuid().ToString("N")[..6];
        var (sub, inbox) = await Subscriber($"spBv1.0/{site}/#");
        await using var subscription = sub;
        await using var sink = new MqttTelemetrySink(Options(site, TelemetryEncoding.SparkplugB));
        Assert.Equal($"spBv1.0/{site}/NDEATH/gw-01", sink.ClientOptions.Will!.Topic);
        await sink.StartAsync(CancellationToken.None);
        await sink.PublishAsync(Batch(7), CancellationToken.None);
        await sink.PublishAsync(Batch(8), CancellationToken.None);
        var msgs = await TestMqtt.TakeAsync(inbox, 3);

        Assert.Equal($"spBv1.0/{site}/NBIRTH/gw-01", msgs[0].Topic);
        var birth = SparkplugTestDecoder.Decode(msgs[0].Payload.ToArray());
        Assert.Equal(0ul, birth.Seq);
        var bdSeq = birth.Metrics.Single(m => m.Name == "bdSeq");
        Assert.Equal(8u, bdSeq.DataType);
        var will = SparkplugTestDecoder.Decode(sink.ClientOptions.Will.Payload.ToArray());
        Assert.Equal(bdSeq.Long, will.Metrics.Single(m => m.Name == "bdSeq").Long);
        Assert.Null(will.Seq);
        Assert.False(birth.Metrics.Single(m => m.Name == "Node Control/Rebirth").Bool);
        var temp = birth.Metrics.Single(m => m.Name == "press01.temp");
        Assert.Equal(10u, temp.DataType);
        Assert.Equal("°C", temp.Properties["engUnit"]);
        var aliases = birth.Metrics.Where(m => m.Alias is not null).ToDictionary(m => m.Alias!.Value, m => m.Name!);
        Assert.Equal(aliases.Count, aliases.Values.Distinct().Count());
        Assert.Equal(4u, birth.Metrics.Single(m => m.Name == "press01.count").DataType);
        Assert.Equal(11u, birth.Metrics.Single(m => m.Name == "press01.running").DataType);
        Assert.Equal(12u, birth.Metrics.Single(m => m.Name == "press01.state").DataType);

        for (int i = 1; i <= 2; i++)
        {
            Assert.Equal($"spBv1.0/{site}/NDATA/gw-01", msgs[i].Topic);
            var data = SparkplugTestDecoder.Decode(msgs[i].Payload.ToArray());
            Assert.Equal((ulong)i, data.Seq);
            Assert.All(data.Metrics, m => Assert.Null(m.Name));
            var byName = data.Metrics.ToDictionary(m => aliases[m.Alias!.Value]);
            Assert.Equal((ulong)(6 + i), byName["sfe/batchSeq"].Long);
            Assert.False(byName["sfe/replayed"].Bool);
            Assert.Equal(21.5, byName["press01.temp"].Double);
            Assert.Equal((ulong)(T0 - DateTime.UnixEpoch).TotalMilliseconds, byName["press01.temp"].Timestamp);
            Assert.True(byName["press01.running"].Bool);
            Assert.Equal(123456789012ul, byName["press01.count"].Long);
            Assert.Equal("Running", byName["press01.state"].String);
            Assert.True(byName["press01.pressure"].IsNull);
            Assert.Equal(StatusCodes.BadTimeout, byName["press01.pressure"].Properties["Quality"]);
            Assert.False(byName["press01.temp"].Properties.ContainsKey("Quality"));
        }

        // a new tag needs a new NBIRTH (seq 0, same bdSeq) before the NDATA that carries it
        var t1 = T0.AddSeconds(5);
        await sink.PublishAsync(new TelemetryBatch("gw-01", 9, false, t1, new[] { Sample.Good("press01.new", t1, 1.0, "kW") }), CancellationToken.None);
        var more = await TestMqtt.TakeAsync(inbox, 2);
        Assert.EndsWith("/NBIRTH/gw-01", more[0].Topic, StringComparison.Ordinal);
        var rebirth = SparkplugTestDecoder.Decode(more[0].Payload.ToArray());
        Assert.Equal(0ul, rebirth.Seq);
        Assert.Equal(bdSeq.Long, rebirth.Metrics.Single(m => m.Name == "bdSeq").Long);
        var added = rebirth.Metrics.Single(m => m.Name == "press01.new");
        Assert.Equal("kW", added.Properties["engUnit"]);
        Assert.Equal(temp.Alias, rebirth.Metrics.Single(m => m.Name == "press01.temp").Alias); // aliases are stable
        var next = SparkplugTestDecoder.Decode(more[1].Payload.ToArray());
        Assert.Equal(1ul, next.Seq);
        Assert.Contains(next.Metrics, m => m.Alias == added.Alias && m.Double == 1.0);
    }

    [Fact]
    public async Task PublishingWhileDisconnectedFailsFastSoTheOutboxKeepsTheBatch()
    {
        await using var sink = new MqttTelemetrySink(Options("s", TelemetryEncoding.Json));
        await Assert.ThrowsAsync<PeerUnavailableException>(() => sink.PublishAsync(Batch(1), CancellationToken.None).AsTask());
    }

    [Fact]
    public void InvalidOptionsAreRejectedWithTheirValues()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MqttTelemetrySink(new MqttSinkOptions { GatewayId = "gw/1", Port = 70000 }));
        Assert.Contains("'gw/1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("70000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonEncodingAllocatesNothingPerSample()
    {
        var samples = Enumerable.Range(0, 1000).Select(i => Sample.Good($"tag{i}", T0.AddMilliseconds(i), i * 0.5, "bar")).ToArray();
        var batch = new TelemetryBatch("gw-01", 1, false, T0, samples);
        var buffer = new ArrayBufferWriter<byte>(256 * 1024);
        TelemetryJsonEncoder.Encode(batch, buffer); // warm up
        buffer.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        TelemetryJsonEncoder.Encode(batch, buffer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1000, $"{allocated} bytes allocated for 1000 samples");
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(1000, doc.RootElement.GetProperty("samples").GetArrayLength());
    }
}
