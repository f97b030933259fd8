using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Center.Evaluation;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Models;
using SmartFactoryEdge.Center.Storage;

namespace SmartFactoryEdge.Center.Tests.Models;

/// <summary>The center's model loop: training from a stored dataset, the registry with rollback, the audit chain, and detection scoring.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Tags = ["pump1.a", "pump1.b", "pump1.c"];
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-registry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<ICenterStore> StoreWithBaselineAsync(int steps, string gateway = "gw1", int seed = 1)
    {
        var store = new SqliteCenterStore(Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db"));
        await store.InitializeAsync(default);
        var rnd = new Random(seed);
        var rows = new List<SampleRow>();
        for (var k = 0; k < steps; k++)
        {
            var ts = UnixMicros.From(T0.AddMilliseconds(100 * k));
            var x = rnd.NextDouble();
            double[] v = [x, 2 * x + 0.1 * rnd.NextDouble(), rnd.NextDouble()];
            for (var j = 0; j < Tags.Length; j++) rows.Add(new SampleRow("lab", gateway, "pump1", Tags[j], ts, ts, 0, null, v[j]));
        }
        await store.StoreBatchesAsync([new DecodedBatch("lab", gateway, 1, false, 0, 0, "json", rows)], default);
        return store;
    }

    private static ModelTrainingRequest Request(int seconds) => new() { Asset = "pump1", FromUtc = T0, ToUtc = T0.AddSeconds(seconds) };

    [Fact]
    public async Task TrainsFromTheDatasetWindowOnly()
    {
        await using var store = await StoreWithBaselineAsync(600);
        var m = await ModelTraining.TrainAsync(store, Request(30), "me@host", TimeProvider.System, default);
        Assert.Equal(300, m.Training.Rows); // 30 s at 10 rows/s; the rest of the data is outside the window
        Assert.Equal(("lab", "gw1"), (m.Training.Site, m.Training.Gateway));
        Assert.Equal(Tags, m.Tags);
        Assert.Empty(AssetModelJson.Validate(m));
        var longer = await ModelTraining.TrainAsync(store, Request(60), "me@host", TimeProvider.System, default);
        Assert.NotEqual(m.Version, longer.Version);
    }

    [Fact]
    public async Task RefusesAnEmptyWindowAndSeveralGateways()
    {
        await using var store = await StoreWithBaselineAsync(100);
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => ModelTraining.TrainAsync(store,
            new ModelTrainingRequest { Asset = "pump1", FromUtc = T0.AddDays(1), ToUtc = T0.AddDays(2) }, "me", TimeProvider.System, default));
        Assert.Contains("No Good numeric samples of asset pump1", empty.Message);
        var rows = new List<SampleRow> { new("lab", "gw2", "pump1", "pump1.a", UnixMicros.From(T0), 0, 0, null, 1.0) };
        await store.StoreBatchesAsync([new DecodedBatch("lab", "gw2", 1, false, 0, 0, "json", rows)], default);
        var several = await Assert.ThrowsAsync<ArgumentException>(() => ModelTraining.TrainAsync(store, Request(10), "me", TimeProvider.System, default));
        Assert.Contains("several gateways", several.Message);
        var picked = await ModelTraining.TrainAsync(store, Request(10) with { Gateway = "gw1" }, "me", TimeProvider.System, default);
        Assert.Equal("gw1", picked.Training.Gateway);
    }

    [Fact]
    public async Task RollbackReturnsToThePreviousOrANamedVersionAndEveryChangeIsAudited()
    {
        await using var store = await StoreWithBaselineAsync(600);
        var registry = new ModelRegistry(Path.Combine(_dir, "models"));
        var v1 = await ModelTraining.TrainAsync(store, Request(20), "alice@center", TimeProvider.System, default);
        var v2 = await ModelTraining.TrainAsync(store, Request(40), "alice@center", TimeProvider.System, default);
        var v3 = await ModelTraining.TrainAsync(store, Request(60), "alice@center", TimeProvider.System, default);
        foreach (var m in new[] { v1, v2, v3 })
        {
            registry.Store(m, "alice@center");
            registry.Activate("lab", "gw1", "pump1", m.Version, "alice@center");
        }
        Assert.Equal(v3.Version, Assert.Single(registry.BuildSet("lab", "gw1", "alice", "train").Models).Version);
        Assert.Equal((v3.Version, v2.Version), registry.Rollback("lab", "gw1", "pump1", null, "bob@center"));
        Assert.Equal(v2.Version, Assert.Single(registry.BuildSet("lab", "gw1", "bob", "rollback").Models).Version);
        Assert.Equal((v2.Version, v1.Version), registry.Rollback("lab", "gw1", "pump1", null, "bob@center"));
        Assert.Throws<ArgumentException>(() => registry.Rollback("lab", "gw1", "pump1", null, "bob@center")); // nothing before v1
        Assert.Equal((v1.Version, v3.Version), registry.Rollback("lab", "gw1", "pump1", v3.Version, "bob@center"));
        Assert.Throws<ArgumentException>(() => registry.Rollback("lab", "gw1", "pump1", "pump1@000000000000", "bob@center"));

        var audit = File.ReadAllLines(registry.Audit.Path);
        Assert.Equal(3, audit.Count(l => l.Contains("\"action\":\"trained\"", StringComparison.Ordinal)));
        Assert.Equal(3, audit.Count(l => l.Contains("\"action\":\"rollback\"", StringComparison.Ordinal) && l.Contains("bob@center", StringComparison.Ordinal)));
        Assert.Equal(0, ModelAuditLog.Verify(registry.Audit.Path));
        // a second registry over the same folder continues the same chain
        new ModelRegistry(registry.Directory).Audit.Append("published", "pump1", v3.Version, v3.ContentHash, null, "carol", "test", null, TimeProvider.System);
        Assert.Equal(0, ModelAuditLog.Verify(registry.Audit.Path));
    }

    [Fact]
    public void DetectionScoreMatchesEventsToInjectedWindowsPerTagAndAsset()
    {
        var labels = InjectedLabel.ParseCsv(string.Join("\n",
            "tag,kind,start,end,magnitude",
            "pump1.a,LevelShift,2026-11-22T00:00:10Z,2026-11-22T00:00:15Z,8",
            "pump1.b,Spike,2026-11-22T00:00:20Z,2026-11-22T00:00:20Z,12",
            "pump1.c,Drift,2026-11-22T00:00:30Z,2026-11-22T00:00:40Z,5",
            "pump1.a,Stuck,2026-11-22T01:00:00Z,2026-11-22T01:00:10Z,1", // beyond the data
            ""));
        AnomalyRecord Event(string? tag, string? asset, double seconds) =>
            new("lab", "gw1", asset, tag, "d", UnixMicros.From(T0.AddSeconds(seconds)), 1, 1, 1, "builtin", 0);
        var events = new[]
        {
            Event("pump1.a", "pump1", 12),      // detects the level shift
            Event(null, "pump1", 21),          // an asset-level event detects the spike on b
            Event("pump1.a", "pump1", 33),     // about another tag: does not detect c's drift
            Event("pump1.c", null, 55),        // after end + 10 s: too late
        };
        var score = DetectionScore.Compute(labels, events, (tag, from, _) => from < UnixMicros.From(T0.AddMinutes(1)), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));
        Assert.Equal(3, score.Injected);
        Assert.Equal(2, score.Detected);
        Assert.Equal(1, score.Missed);
        Assert.False(score.Outcomes.Single(o => o.Label.Kind == "Drift").Detected);
        Assert.False(score.Outcomes.Single(o => o.Label.Kind == "Stuck").Reached);
        Assert.Equal(TimeSpan.FromSeconds(2), score.Outcomes.Single(o => o.Label.Kind == "LevelShift").Delay);
        Assert.Equal(2, score.UnmatchedEventsByAsset["pump1"]);
        Assert.Contains("detected 2 / injected 3, missed 1", score.Report().Last());
        Assert.Throws<FormatException>(() => InjectedLabel.ParseCsv("h\npump1.a,Spike,notatime,2026-11-22T00:00:20Z,1"));
    }
}
