using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Simulation;

namespace SmartFactoryEdge.Gateway.Tests;

public class LineSimulatorTests
{
    private static readonly DateTime Start = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static SimulatorOptions Line(int seed = 7, List<AnomalyInjectionOptions>? anomalies = null, RandomAnomalyOptions? random = null) => new()
    {
        Name = "t",
        Seed = seed,
        RateHz = 10,
        Machines =
        [
            new SimulatedMachineOptions { Kind = "furnace", Asset = "f1", Zones = 2, Cycle = TimeSpan.FromMinutes(10) },
            new SimulatedMachineOptions { Kind = "fermenter", Asset = "b1" },
            new SimulatedMachineOptions { Kind = "pump", Asset = "p1" },
        ],
        Anomalies = anomalies ?? [],
        RandomAnomalies = random,
    };

    private static Sample[] Run(LineSimulator sim, int steps)
    {
        var all = new Sample[steps * sim.SignalCount];
        for (int k = 0; k < steps; k++) sim.NextStep(all.AsSpan(k * sim.SignalCount, sim.SignalCount));
        return all;
    }

    [Fact]
    public void SameSeedGivesTheSameSamplesBitForBit()
    {
        var a = Run(new LineSimulator(Line(), Start), 2000);
        var b = Run(new LineSimulator(Line(), Start), 2000);
        Assert.Equal(a.Select(s => (s.TagId, s.SourceTimestamp, BitConverter.DoubleToInt64Bits(s.Value.AsDouble))),
                     b.Select(s => (s.TagId, s.SourceTimestamp, BitConverter.DoubleToInt64Bits(s.Value.AsDouble))));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentNoise()
    {
        var a = Run(new LineSimulator(Line(seed: 1), Start), 100);
        var b = Run(new LineSimulator(Line(seed: 2), Start), 100);
        Assert.True(a.Zip(b).Count(p => p.First.Value.AsDouble != p.Second.Value.AsDouble) > 90 * a.Length / 100);
    }

    [Fact]
    public void TagsTimestampsAndUnitsFollowTheModels()
    {
        var sim = new LineSimulator(Line(), Start);
        Assert.Equal(["f1.zone1.temperature", "f1.zone2.temperature", "f1.vacuum", "f1.heaterPower", "b1.temperature", "b1.pH", "b1.dissolvedOxygen",
                      "p1.vibrationRms", "p1.motorCurrent", "p1.pressure", "p1.flow"], sim.TagIds);
        var samples = Run(sim, 3);
        Assert.Equal(Start.AddMilliseconds(200), samples[2 * sim.SignalCount].SourceTimestamp);
        Assert.Equal("°C", samples[0].Unit);
        Assert.Equal("pH", samples[5].Unit);
        Assert.All(samples, s => Assert.True(s.Quality.IsGood));
        // physically plausible starting points: ambient furnace, neutral broth, running pump
        Assert.InRange(samples[0].Value.AsDouble, 10, 40);
        Assert.InRange(samples[5].Value.AsDouble, 6.5, 7.5);
        Assert.InRange(samples[9].Value.AsDouble, 2, 6);
    }

    [Fact]
    public void FurnaceFollowsItsRecipeRampSoakCool()
    {
        var sim = new LineSimulator(Line(), Start);
        var samples = Run(sim, 6000); // one 10-minute cycle at 10 Hz
        double Zone1At(double seconds) => samples[(int)(seconds * 10) * sim.SignalCount].Value.AsDouble;
        Assert.True(Zone1At(100) < Zone1At(200), "ramping up");
        Assert.InRange(Zone1At(280), 1150, 1250);
        Assert.InRange(Zone1At(340), 1150, 1250);
        Assert.True(Zone1At(590) < Zone1At(400), "cooling");
    }

    [Fact]
    public void InjectedAnomaliesChangeSamplesOnlyInsideTheirLabelledWindows()
    {
        var injected = new List<AnomalyInjectionOptions>
        {
            new() { Tag = "p1.vibrationRms", Kind = InjectedAnomalyKind.Spike, At = TimeSpan.FromSeconds(10.05), Magnitude = 10 },
            new() { Tag = "p1.pressure", Kind = InjectedAnomalyKind.LevelShift, At = TimeSpan.FromSeconds(20), Duration = TimeSpan.FromSeconds(5), Magnitude = 8 },
            new() { Tag = "b1.pH", Kind = InjectedAnomalyKind.Drift, At = TimeSpan.FromSeconds(30), Duration = TimeSpan.FromSeconds(10), Magnitude = 30 },
            new() { Tag = "f1.zone2.temperature", Kind = InjectedAnomalyKind.Stuck, At = TimeSpan.FromSeconds(40), Duration = TimeSpan.FromSeconds(5) },
            new() { Tag = "p1.flow", Kind = InjectedAnomalyKind.NoiseBurst, At = TimeSpan.FromSeconds(50), Duration = TimeSpan.FromSeconds(5), Magnitude = 10 },
        };
        var random = new RandomAnomalyOptions { Count = 20, Horizon = TimeSpan.FromSeconds(90), MinDuration = TimeSpan.FromSeconds(1), MaxDuration = TimeSpan.FromSeconds(4) };
        var clean = Run(new LineSimulator(Line(), Start), 1000);
        var disturbed = new LineSimulator(Line(anomalies: injected, random: random), Start);
        var dirty = Run(disturbed, 1000);
        Assert.Equal(25, disturbed.Anomalies.Count);

        for (int i = 0; i < clean.Length; i++)
        {
            var inWindow = disturbed.Anomalies.Any(a => a.Tag == dirty[i].TagId && a.Covers(dirty[i].SourceTimestamp));
            if (!inWindow)
                Assert.True(clean[i].Value.AsDouble == dirty[i].Value.AsDouble, $"{dirty[i].TagId} at {dirty[i].SourceTimestamp:o} changed outside every label");
        }
        // and each fixed anomaly is really there
        double At(Sample[] s, string tag, double seconds) => s.First(x => x.TagId == tag && x.SourceTimestamp == disturbed.TimestampOf((long)Math.Round(seconds * 10))).Value.AsDouble;
        Assert.Equal(10 * 0.08, At(dirty, "p1.vibrationRms", 10.1) - At(clean, "p1.vibrationRms", 10.1), 9);
        Assert.Equal(At(clean, "p1.vibrationRms", 10.2), At(dirty, "p1.vibrationRms", 10.2));
        Assert.Equal(8 * 0.03, At(dirty, "p1.pressure", 22) - At(clean, "p1.pressure", 22), 9);
        Assert.Equal(30 * 0.01 * 0.5, At(dirty, "b1.pH", 35) - At(clean, "b1.pH", 35), 9);
        Assert.Equal(At(dirty, "f1.zone2.temperature", 40), At(dirty, "f1.zone2.temperature", 44.9));
        Assert.NotEqual(At(clean, "f1.zone2.temperature", 40), At(clean, "f1.zone2.temperature", 44.9));
    }

    [Fact]
    public void SpikeBetweenStepsSnapsToTheNextSample()
    {
        var sim = new LineSimulator(Line(anomalies: [new() { Tag = "p1.flow", Kind = InjectedAnomalyKind.Spike, At = TimeSpan.FromSeconds(1.04) }]), Start);
        var spike = Assert.Single(sim.Anomalies);
        Assert.Equal(Start.AddSeconds(1.1), spike.Start);
        Assert.Equal(spike.Start, spike.End);
    }

    [Fact]
    public void LabelsRoundTripThroughCsv()
    {
        var sim = new LineSimulator(Line(random: new RandomAnomalyOptions { Count = 5 }), Start);
        var csv = InjectedAnomaly.ToCsv(sim.Anomalies);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(InjectedAnomaly.CsvHeader, lines[0]);
        Assert.Equal(sim.Anomalies, lines.Skip(1).Select(InjectedAnomaly.ParseCsv));
    }

    [Fact]
    public void RandomAnomaliesAreSeededAndStayWithinTheHorizon()
    {
        var random = new RandomAnomalyOptions { Count = 50, Horizon = TimeSpan.FromMinutes(5), Kinds = [InjectedAnomalyKind.Spike, InjectedAnomalyKind.Drift] };
        var a = new LineSimulator(Line(random: random), Start).Anomalies;
        var b = new LineSimulator(Line(random: random), Start).Anomalies;
        Assert.Equal(a, b);
        Assert.All(a, x => Assert.InRange(x.Start, Start, Start.AddMinutes(5).AddSeconds(1)));
        Assert.All(a, x => Assert.Contains(x.Kind, random.Kinds));
    }
}
