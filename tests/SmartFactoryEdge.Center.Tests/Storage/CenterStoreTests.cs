using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Tests.Storage;

/// <summary>The same contract checked against both stores.</summary>
public abstract class CenterStoreContract
{
    protected abstract Task<ICenterStore> CreateAsync();

    internal static DecodedBatch Batch(string gateway, long seq, bool replayed = false, int rows = 3, long t0 = 1_790_000_000_000_000)
    {
        var list = new List<SampleRow>();
        for (var i = 0; i < rows; i++)
        {
            SampleValue v = (i % 4) switch { 0 => SampleValue.FromDouble(seq + i * 0.5), 1 => SampleValue.FromBoolean(i % 2 == 1), 2 => SampleValue.FromInt64(1L << 60), _ => SampleValue.FromString("s" + i) };
            list.Add(new SampleRow("plant1", gateway, "press01", "press01.t" + i, t0 + seq * 1000 + i, t0 + 5, i == 2 ? 0x800A0000u : 0u, i == 0 ? "°C" : null, v));
        }
        return new DecodedBatch("plant1", gateway, seq, replayed, t0 + seq * 1000, t0 + seq * 1000 + 250, "json", list);
    }

    [Fact]
    public async Task StoresEachBatchOnceWhenDeliveredAgain()
    {
        await using var store = await CreateAsync();
        Assert.Equal(2, await store.StoreBatchesAsync([Batch("gw-1", 1), Batch("gw-1", 2)], default));
        Assert.Equal(1, await store.StoreBatchesAsync([Batch("gw-1", 2), Batch("gw-1", 3), Batch("gw-1", 3)], default));
        Assert.Equal(0, await store.StoreBatchesAsync([Batch("gw-1", 1, replayed: true)], default));
        Assert.Equal(1, await store.StoreBatchesAsync([Batch("gw-2", 1)], default));
        var counts = await store.CountAsync(default);
        Assert.Equal((4L, 12L), (counts.Batches, counts.Samples));
    }

    [Fact]
    public async Task ReadsBackTheSameRows()
    {
        await using var store = await CreateAsync();
        var batch = Batch("gw-1", 7, rows: 8);
        await store.StoreBatchesAsync([batch], default);
        var rows = new List<SampleRow>();
        await foreach (var r in store.ReadSamplesAsync(new SampleQuery(0, long.MaxValue / 20), default)) rows.Add(r);
        Assert.Equal(batch.Rows.OrderBy(r => r.SourceMicros).ToList(), rows);
        var onlyTwo = new List<SampleRow>();
        await foreach (var r in store.ReadSamplesAsync(new SampleQuery(0, long.MaxValue / 20, "plant1", "press01", ["press01.t1", "press01.t3"]), default)) onlyTwo.Add(r);
        Assert.Equal(["press01.t1", "press01.t3"], onlyTwo.Select(r => r.Tag));
    }

    [Fact]
    public async Task KeepsDeadLettersAnomaliesAndStates()
    {
        await using var store = await CreateAsync();
        await store.StoreDeadLetterAsync(new DeadLetter("sfe/v1/p/g/telemetry", new byte[] { 1, 2, 0 }, "missing 'seq' (byte 0)", 5), default);
        var a = new AnomalyRecord("plant1", "gw-1", "press01", "press01.t0", "sr", 1_790_000_000_000_000, 0.9, 0.8, 42, "sha256:ab", 9);
        await store.StoreAnomalyAsync(a, default);
        await store.StoreAnomalyAsync(a, default);
        var birth = new StateRecord("plant1", "gw-1", true, 1_790_000_000_000_000, 1, "json");
        await store.StoreStateAsync(birth, default);
        await store.StoreStateAsync(birth, default);
        await store.StoreStateAsync(birth with { Online = false, TimestampMicros = 1_790_000_001_000_000 }, default);
        var counts = await store.CountAsync(default);
        Assert.Equal((1L, 1L, 2L), (counts.DeadLetters, counts.Anomalies, counts.States));
        var dead = Assert.Single(await store.ReadDeadLettersAsync(10, default));
        Assert.Equal(new byte[] { 1, 2, 0 }, dead.Payload);
        Assert.Equal(a, Assert.Single(await store.ReadAnomaliesAsync(new SampleQuery(0, long.MaxValue / 20), default)));
    }

    [Fact]
    public async Task ReportsGapsReplaysAndBirths()
    {
        await using var store = await CreateAsync();
        await store.StoreBatchesAsync([Batch("gw-1", 1), Batch("gw-1", 2), Batch("gw-1", 5, replayed: true), Batch("gw-1", 6)], default);
        await store.StoreStateAsync(new StateRecord("plant1", "gw-1", true, 1_790_000_000_000_000, 1, "json"), default);
        var s = Assert.Single(await store.ReadGatewayStatusAsync(default));
        Assert.Equal(("gw-1", 4L, 1L, 6L, 2L, 1L), (s.Gateway, s.Batches, s.MinSequence, s.MaxSequence, s.Gaps, s.ReplayedBatches));
        Assert.Equal(250L, s.LastLagMicros);
        Assert.Equal(1_790_000_000_000_000, s.LastBirthMicros);
        Assert.Null(s.LastDeathMicros);
    }
}

public sealed class SqliteCenterStoreTests : CenterStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-center-").FullName;

    protected override async Task<ICenterStore> CreateAsync()
    {
        var store = new SqliteCenterStore(Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db"));
        await store.InitializeAsync(default);
        return store;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

[Collection("postgres")]
public sealed class PostgresCenterStoreTests(PostgresFixture fixture) : CenterStoreContract
{
    protected override async Task<ICenterStore> CreateAsync()
    {
        var store = new PostgresCenterStore(await fixture.NewDatabaseAsync());
        await store.InitializeAsync(default);
        return store;
    }

    [Fact]
    public async Task TwoWritersRacingOnTheSameBatchesStoreEachOnce()
    {
        var cs = await fixture.NewDatabaseAsync();
        await using var a = new PostgresCenterStore(cs);
        await using var b = new PostgresCenterStore(cs);
        await Task.WhenAll(a.InitializeAsync(default), b.InitializeAsync(default));
        var batches = Enumerable.Range(1, 200).Select(i => Batch("gw-1", i)).ToList();
        var stored = await Task.WhenAll(
            Task.Run(async () => { var n = 0; foreach (var x in batches) n += await a.StoreBatchesAsync([x], default); return n; }),
            Task.Run(async () => { var n = 0; foreach (var x in batches) n += await b.StoreBatchesAsync([x], default); return n; }));
        Assert.Equal(200, stored.Sum());
        var counts = await a.CountAsync(default);
        Assert.Equal((200L, 600L), (counts.Batches, counts.Samples));
    }
}
