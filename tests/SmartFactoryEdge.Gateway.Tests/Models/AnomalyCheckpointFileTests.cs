using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests.Models;

/// <summary>The real `sfe` process keeps its detectors' state across restarts (anomaly.checkpoint beside the outbox).</summary>
public sealed class AnomalyCheckpointFileTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string name, int trainingSamples, string start) => WriteConfig(name, $$"""
        gateway: { id: gw-cp, site: lab }
        sources:
          simulator:
            - name: line
              rateHz: 10
              realtime: false
              start: {{start}}
              maxSamplesPerSignal: 300
              machines: [{ kind: pump, asset: p1 }]
        anomaly:
          tags:
            - tag: p1.flow
              detectors: [{ kind: ewma, parameters: { trainingSamples: {{trainingSamples}} } }]
          assets:
            - asset: p1
              tags: [p1.vibrationRms, p1.motorCurrent, p1.pressure, p1.flow]
              detectors: [{ kind: pca-t2spe, parameters: { trainingRows: 200 } }]
        outbox: { path: data/outbox.db }
        sinks:
          console: { enabled: false }
          file: { path: data/telemetry }
        """);

    private string WriteConfig(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    private async Task<string> RunAsync(string config)
    {
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");
        Assert.Equal(0, await sfe.WaitForExitAsync(Guard));
        return sfe.Output;
    }

    [Fact]
    public async Task DetectorStateIsRestoredOnlyForTheSameConfiguration()
    {
        var checkpoint = Path.Combine(_dir, "data", "anomaly.checkpoint");
        var first = await RunAsync(Config("a.yaml", 100, "2026-11-22T00:00:00Z"));
        Assert.DoesNotContain("restored", first);
        Assert.True(File.Exists(checkpoint), "the checkpoint is written at shutdown");
        var written = File.GetLastWriteTimeUtc(checkpoint);

        // same anomaly configuration (the line continues later): restored
        var second = await RunAsync(Config("a.yaml", 100, "2026-11-22T00:01:00Z"));
        Assert.Contains("Anomaly detectors restored from " + checkpoint, second);
        Assert.True(File.GetLastWriteTimeUtc(checkpoint) >= written);

        // another detector parameter: refused with the reason, fresh detectors
        var third = await RunAsync(Config("b.yaml", 120, "2026-11-22T00:02:00Z"));
        Assert.Contains("not restored, detectors start fresh: the checkpoint was written for another anomaly configuration", third);

        // a damaged file is refused, not fatal
        var bytes = await File.ReadAllBytesAsync(checkpoint);
        await File.WriteAllBytesAsync(checkpoint, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var fourth = await RunAsync(Config("b.yaml", 120, "2026-11-22T00:03:00Z"));
        Assert.Contains("the checkpoint is damaged", fourth);
    }
}
