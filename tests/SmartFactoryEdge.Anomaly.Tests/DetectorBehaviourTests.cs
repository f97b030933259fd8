using System.Globalization;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Anomaly.Tests;

public class DetectorBehaviourTests
{
    [Theory]
    [MemberData(nameof(DetectorCatalog.UnivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void UnivariateDetectorAlertsAtTheKnownAnomalyAndRarelyBefore(string kind)
    {
        // noise, then a spike at 700 for the spike detectors, a level shift from 700 for the others
        var x = DetectorCatalog.Noise(1000, seed: 42);
        if (kind is "iid-spike" or "ssa-spike" or "sr") x[700] += 15;
        else if (kind is "stuck")
            for (var i = 700; i < 1000; i++) x[i] = x[699]; // the signal freezes
        else if (kind is "ssa-changepoint")
            for (var i = 700; i < 1000; i++) x[i] += 0.5 * (i - 699) * (i - 699); // forecast errors must keep growing
        else if (kind is "iid-changepoint")
            for (var i = 700; i < 1000; i++) x[i] += 3.0 * (i - 699); // ML.NET's kernel p-values stay minimal only on a steep trend
        else
            for (var i = 700; i < 1000; i++) x[i] += 6;
        var d = DetectorCatalog.Create(kind);
        var alerts = new List<int>();
        for (var i = 0; i < x.Length; i++)
            if (d.Update(x[i]).Alert) alerts.Add(i);
        var before = alerts.Count(i => i < 700);
        Assert.True(alerts.Any(i => i >= 700 && i <= 730), $"{kind}: no alert in 700..730; alerts at {string.Join(',', alerts.Take(20))}");
        Assert.True(before <= (kind == "nelson" ? 25 : 12), $"{kind}: {before} false alerts before the anomaly: {string.Join(',', alerts.Where(i => i < 700).Take(20))}");
    }

    [Theory]
    [MemberData(nameof(DetectorCatalog.MultivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void MultivariateDetectorAlertsWhenTheCorrelationBreaks(string kind)
    {
        var rows = DetectorCatalog.Rows(800, 4, seed: 7);
        for (var i = 600; i < 800; i++)
        {
            rows[i][2] -= 3; // one channel leaves the common-load relation
            rows[i][1] += 1.5;
        }

        var d = DetectorCatalog.CreateMulti(kind, 4);
        var alerts = new List<int>();
        for (var i = 0; i < rows.Length; i++)
            if (d.Update(rows[i]).Alert) alerts.Add(i);
        var during = alerts.Count(i => i >= 600);
        var before = alerts.Count(i => i < 600);
        if (kind == "sfe-changepoint")
        {
            // a change-event detector: a short pulse at the break, none on the normal rows
            Assert.True(alerts.Any(i => i >= 600 && i < 630), $"{kind}: no change event in 600..629; events at {string.Join(',', alerts.Take(20))}");
            Assert.True(before <= 2, $"{kind}: {before} events on 400 normal test rows");
            return;
        }

        Assert.True(during > 100, $"{kind}: only {during} of 200 faulty rows alerted");
        Assert.True(before < 40, $"{kind}: {before} of 400 normal test rows alerted");
    }

    [Fact]
    public void SeedFilesAreDetectedAtTheirLabels()
    {
        var spike = ReadSeed("furnace_spike.csv");
        var sr = DetectorCatalog.Create("sr");
        var srAlerts = spike.Values.Select(v => sr.Update(v[0]).Alert).ToArray();
        Assert.True(srAlerts[700], "SR missed the labelled furnace spike at row 700");
        Assert.True(srAlerts.Count(a => a) <= 10, $"SR raised {srAlerts.Count(a => a)} alerts on the furnace series");

        var shift = ReadSeed("fermenter_level_shift.csv");
        var cusum = Configuration.DetectorFactory.Create(DetectorCatalog.Uni("cusum", ("trainingSamples", 300), ("k", 1), ("h", 6)));
        var first = Array.FindIndex(shift.Values, v => cusum.Update(v[0]).Alert);
        Assert.InRange(first, 600, 610);

        var pump = ReadSeed("pump_valve.csv");
        var pca = DetectorCatalog.CreateMulti("pca-t2spe", 4);
        var alerts = pump.Values.Select(v => pca.Update(v).Alert).ToArray();
        var hit = Enumerable.Range(600, 200).Count(i => alerts[i]);
        var fa = Enumerable.Range(200, 400).Count(i => alerts[i]);
        Assert.True(hit > 190, $"PCA T²/SPE alerted on {hit} of 200 faulty pump rows");
        Assert.True(fa < 10, $"PCA T²/SPE raised {fa} false alerts on 400 normal pump rows");
    }

    private static (double[][] Values, int[] Labels) ReadSeed(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "seeds", "anomaly", name)).Skip(1).ToArray();
        var values = lines.Select(l => l.Split(',')[1..^1].Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var labels = lines.Select(l => int.Parse(l.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();
        return (values, labels);
    }
}
