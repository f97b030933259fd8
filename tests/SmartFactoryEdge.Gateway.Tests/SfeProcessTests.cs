using System.Text.Json;
using System.Text.RegularExpressions;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>The real `sfe` executable, started as a process, stopped with signals.</summary>
public sealed class SfeProcessTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sfe => Path.Combine(AppContext.BaseDirectory, "sfe");

    private string WriteConfig(params string[] simulatorLines)
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        var lines = new List<string>
        {
            "gateway:", "  id: gw-test", "  site: lab", "  shutdownTimeout: 20s",
            "pipeline:", "  capacity: 4096",
            "sources:", "  simulator:",
        };
        lines.AddRange(simulatorLines);
        lines.AddRange(["sinks:", "  file:", "    path: out", "    maxFileBytes: 256KB"]);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private static readonly string[] Machines =
    [
        "      machines:",
        "        - { kind: furnace, asset: f1, zones: 4 }",
        "        - { kind: fermenter, asset: b1 }",
        "        - { kind: pump, asset: p1 }",
        "      anomalies:",
        "        - { tag: p1.flow, kind: levelShift, at: 1s, duration: 2s }",
    ];

    private static SimulatorOptions SameLine(double rateHz) => new()
    {
        Name = "l1",
        Seed = 5,
        RateHz = rateHz,
        Machines =
        [
            new SimulatedMachineOptions { Kind = "furnace", Asset = "f1", Zones = 4 },
            new SimulatedMachineOptions { Kind = "fermenter", Asset = "b1" },
            new SimulatedMachineOptions { Kind = "pump", Asset = "p1" },
        ],
        Anomalies = [new AnomalyInjectionOptions { Tag = "p1.flow", Kind = InjectedAnomalyKind.LevelShift, At = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(2) }],
    };

    /// <summary>Checks that the files hold exactly the first <paramref name="count"/> samples the simulator makes, in order.</summary>
    private void AssertFilesHoldTheSimulatedSamples(long count, double rateHz, DateTime start)
    {
        var files = Directory.GetFiles(Path.Combine(_dir, "out"), "telemetry-*.jsonl").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var lines = files.SelectMany(File.ReadLines).ToList();
        Assert.Equal(count, lines.Count);
        var sim = new LineSimulator(SameLine(rateHz), start);
        var step = new Sample[sim.SignalCount];
        for (int i = 0; i < lines.Count; i++)
        {
            if (i % sim.SignalCount == 0) sim.NextStep(step);
            var expected = step[i % sim.SignalCount];
            using var json = JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal(expected.TagId, root.GetProperty("tag").GetString());
            Assert.Equal(expected.SourceTimestamp.Ticks, root.GetProperty("ts").GetDateTime().ToUniversalTime().Ticks);
            Assert.Equal(expected.Value.AsDouble, root.GetProperty("v").GetDouble());
            Assert.Equal(expected.Unit, root.GetProperty("unit").GetString());
            Assert.Equal(0u, root.GetProperty("q").GetUInt32());
        }
    }

    [Fact]
    public async Task SigtermDrainsEveryGeneratedSampleIntoTheFileSink()
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var config = WriteConfig([
            "    - name: l1", "      seed: 5", "      rateHz: 500", "      start: 2026-01-01T00:00:00Z", .. Machines]);
        await using var sfe = PeerProcess.Start(Sfe, ["run", "--config", config], _dir, name: "sfe");
        // a second file means rotation happened and samples are flowing through the whole path
        await sfe.WaitForLineAsync(@"telemetry-\S+-00001\.jsonl", Guard);
        sfe.Signal(15);
        Assert.Equal(0, await sfe.WaitForExitAsync(Guard));
        var m = Regex.Match(sfe.Output, @"generated (\d+) samples in (\d+) steps");
        Assert.True(m.Success, sfe.Output);
        var generated = long.Parse(m.Groups[1].Value);
        Assert.True(generated > 1000, $"only {generated} samples before SIGTERM");
        Assert.Matches(@"delivered " + generated + @", dropped 0", sfe.Output);
        AssertFilesHoldTheSimulatedSamples(generated, 500, start);
    }

    [Fact]
    public async Task FinishedSourcesStopTheGatewayWithEverySampleWritten()
    {
        var start = new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc);
        var config = WriteConfig([
            "    - name: l1", "      seed: 5", "      rateHz: 100", "      realtime: false", "      maxSamplesPerSignal: 3000",
            "      start: 2026-02-01T00:00:00Z", "      labels: out/labels.csv", .. Machines]);
        await using var sfe = PeerProcess.Start(Sfe, ["run", "--config", config], _dir, name: "sfe");
        Assert.Equal(0, await sfe.WaitForExitAsync(Guard));
        AssertFilesHoldTheSimulatedSamples(3000 * 13, 100, start);
        var labels = File.ReadAllLines(Path.Combine(_dir, "out", "labels.csv"));
        Assert.Equal(InjectedAnomaly.CsvHeader, labels[0]);
        var label = InjectedAnomaly.ParseCsv(labels[1]);
        Assert.Equal(("p1.flow", InjectedAnomalyKind.LevelShift, start.AddSeconds(1), start.AddSeconds(3)), (label.Tag, label.Kind, label.Start, label.End));
    }

    [Fact]
    public async Task ValidateReportsEveryProblemWithExitCode2()
    {
        var config = WriteConfig("    - name: l1", "      rateHz: -1", "      machines:", "        - { kind: boiler, asset: b1 }");
        await using var sfe = PeerProcess.Start(Sfe, ["validate", "--config", config], _dir, name: "sfe");
        Assert.Equal(2, await sfe.WaitForExitAsync(Guard));
        Assert.Contains($"{config}:10:15: sources.simulator[0].rateHz: must be between", sfe.Output, StringComparison.Ordinal);
        Assert.Contains($"{config}:12:13: sources.simulator[0].machines[0].kind: 'boiler' is not a simulated machine kind", sfe.Output, StringComparison.Ordinal);
        Assert.Contains("2 problem(s) found.", sfe.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunRefusesAnInvalidConfigWithoutStarting()
    {
        var config = WriteConfig("    - name: l1");
        await using var sfe = PeerProcess.Start(Sfe, ["run", "--config", config], _dir, name: "sfe");
        Assert.Equal(2, await sfe.WaitForExitAsync(Guard));
        Assert.Contains("not starting", sfe.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public async Task VersionIsPrinted()
    {
        await using var sfe = PeerProcess.Start(Sfe, ["--version"], _dir, name: "sfe");
        Assert.Equal(0, await sfe.WaitForExitAsync(Guard));
        Assert.Matches(@"^\d+\.\d+\.\d+", sfe.Output);
    }
}
