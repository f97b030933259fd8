using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Center.Models;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Anomaly;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Gateway.Tests.Models;

/// <summary>The gateway side of cmd/model: validation, the swap between two samples, audit and persistence.</summary>
public sealed class AssetModelManagerTests : IDisposable
{
    internal static readonly string[] PumpTags = ["p1.vibrationRms", "p1.motorCurrent", "p1.pressure", "p1.flow"];
    private static readonly DateTime T0 = new(2026, 11, 22, 1, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-models-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static GatewayConfig Config()
    {
        var errors = new List<ConfigError>();
        var config = ConfigLoader.Parse("""
            gateway: { id: gw-m, site: lab }
            sources:
              simulator:
                - name: line
                  machines: [{ kind: pump, asset: p1 }]
            sinks:
              console: { enabled: true }
            """, "test.yaml", errors);
        Assert.Empty(errors);
        return config!;
    }

    internal static AssetModel Model(int seed, string[]? tags = null)
    {
        var rnd = new Random(seed);
        var rows = new double[400 * 4];
        for (var i = 0; i < rows.Length; i++) rows[i] = 10 * (i % 4 + 1) + rnd.NextDouble();
        return AssetModelTrainer.Train("p1", tags ?? PumpTags, rows, new TrainingWindow("lab", "gw-m", T0, T0.AddHours(1), 0, 0, 0), T0, "trainer@center");
    }

    internal static byte[] Set(string reason, params AssetModel[] models) =>
        AssetModelJson.Serialize(new ModelSet { PublishedUtc = T0, PublishedBy = "trainer@center", Reason = reason, Models = models });

    private AssetModelManager Manager() => new(Config(), _dir, TimeProvider.System, NullLogger<AssetModelManager>.Instance);

    private static Sample[] Step(long k) =>
        PumpTags.Select((t, j) => Sample.Good(t, T0.AddTicks(k * 500_000), 10 * (j + 1) + (k % 7) * 0.1)).ToArray();

    [Fact]
    public async Task SwapsMidStreamScoreEverySampleExactlyOnce()
    {
        var manager = Manager();
        var sink = new AnomalySink(new AnomalyStage(new AnomalyOptions()), null, NullLogger<AnomalySink>.Instance, manager);
        var scored = new List<(string Version, string Tag, long Ticks)>();
        manager.Scored = (v, s) => scored.Add((v, s.TagId, s.SourceTimestamp.Ticks));
        var v1 = Model(1);
        var v2 = Model(2);
        Assert.NotEqual(v1.Version, v2.Version);
        Assert.True(manager.Offer(Set("train", v1), "test").Accepted);

        const int Batches = 2000, PerBatch = 10; // 10 steps of 4 tags per batch: 80,000 samples
        var offers = new List<Task>();
        var swaps = 0;
        for (var b = 0; b < Batches; b++)
        {
            var batch = Enumerable.Range(0, PerBatch).SelectMany(i => Step((long)b * PerBatch + i)).ToArray();
            await sink.WriteAsync(batch, CancellationToken.None);
            if (b % 100 == 50)
            {
                // the next offer arrives on another thread while batches keep flowing, as from the MQTT receive loop
                await Task.WhenAll(offers).WaitAsync(TimeSpan.FromSeconds(10));
                var next = swaps++ % 2 == 0 ? v2 : v1;
                offers.Add(Task.Run(() => Assert.True(manager.Offer(Set(next == v1 ? "rollback" : "train", next), "test").Accepted)));
            }
        }
        await Task.WhenAll(offers).WaitAsync(TimeSpan.FromSeconds(10));

        var total = Batches * PerBatch * PumpTags.Length;
        Assert.Equal(total, scored.Count);
        Assert.Equal(total, scored.Select(s => (s.Tag, s.Ticks)).Distinct().Count()); // none twice, none lost
        var changes = scored.Zip(scored.Skip(1)).Count(p => p.First.Version != p.Second.Version);
        Assert.InRange(changes, swaps - 1, swaps); // the last offer may land after the last sample
        Assert.True(changes >= 10, $"only {changes} swaps happened while samples flowed");
        var status = Assert.Single(manager.Snapshot());
        Assert.Equal(total, status.Scored.Values.Sum());
        Assert.Equal(scored.Count(s => s.Version == v1.Version), status.Scored[v1.Version]);
        Assert.Equal(0, ModelAuditLogVerified(manager));
    }

    private static int ModelAuditLogVerified(AssetModelManager manager) => ModelAuditLog.Verify(manager.AuditPath!);

    [Fact]
    public void UnknownTagsAndTamperedDocumentsAreRejectedAndAudited()
    {
        var manager = Manager();
        var good = Model(1);
        Assert.True(manager.Offer(Set("train", good), "test").Accepted);
        manager.ApplyPending();

        var foreign = Model(3, ["p1.vibrationRms", "p1.motorCurrent", "p1.pressure", "p1.nope"]);
        var r = manager.Offer(Set("train", foreign), "test");
        Assert.False(r.Accepted);
        Assert.Contains(r.Errors, e => e.Contains("p1.nope", StringComparison.Ordinal) && e.Contains("not configured", StringComparison.Ordinal));

        var json = System.Text.Encoding.UTF8.GetString(Set("train", Model(4)));
        var tampered = json.Replace("\"alpha\":0.001", "\"alpha\":0.5", StringComparison.Ordinal);
        Assert.NotEqual(json, tampered);
        r = manager.Offer(System.Text.Encoding.UTF8.GetBytes(tampered), "test");
        Assert.False(r.Accepted);
        Assert.Contains(r.Errors, e => e.Contains("contentHash", StringComparison.Ordinal));

        Assert.False(manager.Offer("{not json"u8, "test").Accepted);
        Assert.False(manager.HasPending);
        Assert.Equal(good.Version, Assert.Single(manager.Snapshot()).Version);
        var audit = File.ReadAllLines(manager.AuditPath!);
        Assert.Equal(3, audit.Count(l => l.Contains("\"action\":\"rejected\"", StringComparison.Ordinal)));
        Assert.Equal(0, ModelAuditLog.Verify(manager.AuditPath!));
    }

    [Fact]
    public void RedeliveryOfTheActiveSetChangesNothing()
    {
        var manager = Manager();
        var m = Model(1);
        Assert.Single(manager.Offer(Set("train", m), "test").Changed);
        manager.ApplyPending();
        var again = manager.Offer(Set("train", m), "retained");
        Assert.True(again.Accepted);
        Assert.Empty(again.Changed);
        Assert.False(manager.HasPending);
        Assert.Null(manager.PreviousModel("p1"));
    }

    [Fact]
    public void ARestartResumesWithTheActiveAndPreviousModels()
    {
        var v1 = Model(1);
        var v2 = Model(2);
        var first = Manager();
        first.Offer(Set("train", v1), "test");
        first.ApplyPending();
        first.Offer(Set("train", v2), "test");
        first.ApplyPending();
        Assert.Equal(v1.Version, first.PreviousModel("p1")!.Version);

        var second = Manager(); // same directory: active.json, previous.json
        var status = Assert.Single(second.Snapshot());
        Assert.Equal(v2.Version, status.Version);
        Assert.Equal(v1.Version, second.PreviousModel("p1")!.Version);
        Assert.Equal(0, ModelAuditLog.Verify(second.AuditPath!));
    }

    [Fact]
    public void AnEditedAuditLineBreaksTheChain()
    {
        var manager = Manager();
        manager.Offer(Set("train", Model(1)), "test");
        manager.ApplyPending();
        manager.Offer(Set("train", Model(2)), "test");
        manager.ApplyPending();
        var lines = File.ReadAllLines(manager.AuditPath!);
        Assert.True(lines.Length >= 4);
        Assert.Equal(0, ModelAuditLog.Verify(manager.AuditPath!));
        lines[1] = lines[1].Replace("trainer@center", "someone@else", StringComparison.Ordinal);
        File.WriteAllLines(manager.AuditPath!, lines);
        Assert.Equal(2, ModelAuditLog.Verify(manager.AuditPath!));
        File.WriteAllLines(manager.AuditPath!, lines.Where((_, i) => i != 1)); // a deleted line breaks it too
        Assert.Equal(2, ModelAuditLog.Verify(manager.AuditPath!));
    }
}
