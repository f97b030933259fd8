using SmartFactoryEdge.Anomaly.Ensemble;

namespace SmartFactoryEdge.Anomaly.Tests;

public class SfeMultiScaleDetectorTests
{
    private static List<int> Alerts(IStreamingDetector d, double[] x)
    {
        var alerts = new List<int>();
        for (var i = 0; i < x.Length; i++)
            if (d.Update(x[i]).Alert) alerts.Add(i);
        return alerts;
    }

    [Fact]
    public void DistributionChangeWithoutLevelChangeIsFoundByTheEntropyChannel()
    {
        // noise, then from 2500 the same mean but values alternate between two far modes: the level channel sees nothing
        var x = DetectorCatalog.Noise(3500, seed: 8);
        for (var i = 2500; i < x.Length; i++) x[i] = 10 + (i % 2 == 0 ? 2.5 : -2.5) + 0.1 * (x[i] - 10);
        var only = new SfeMultiScaleDetector(new SfeMultiScaleOptions { LevelWeight = 0, SeasonalWeight = 0, EntropyWeight = 1, Window = 2000, History = 2000 });
        var alerts = Alerts(only, x);
        Assert.Contains(alerts, i => i >= 2500 && i < 2560);
        var withoutEntropy = new SfeMultiScaleDetector(new SfeMultiScaleOptions { SeasonalWeight = 0, EntropyWeight = 0, Window = 2000, History = 2000 });
        Assert.DoesNotContain(Alerts(withoutEntropy, x), i => i >= 2500 && i < 2560);
    }

    [Fact]
    public void AlarmsAreSuppressedForTheConfiguredNumberOfSamples()
    {
        var x = DetectorCatalog.Noise(4000, seed: 12);
        for (var i = 2000; i < 4000; i++) x[i] += 8 * ((i / 150) % 2); // repeated level changes every 150 samples
        var alerts = Alerts(new SfeMultiScaleDetector(new SfeMultiScaleOptions { Suppress = 400 }), x);
        Assert.NotEmpty(alerts);
        Assert.All(alerts.Zip(alerts.Skip(1)), p => Assert.True(p.Second - p.First > 400, $"alarms at {p.First} and {p.Second}"));
    }

    [Fact]
    public void LevelIsInUnitRangeAndZeroWhileWarmingUp()
    {
        var d = new SfeMultiScaleDetector();
        var x = DetectorCatalog.Noise(5000, seed: 4);
        for (var i = 0; i < x.Length; i++)
        {
            var o = d.Update(x[i]);
            if (i < d.Options.Warmup) Assert.False(o.IsReady);
            Assert.InRange(o.Level, 0, 1);
        }
    }

    [Fact]
    public void RebinningKeepsTheDistributionChannelAliveAfterTheStreamMovesAway()
    {
        // the stream moves far above where the first bins were placed (at 3000), then changes its distribution at 9000
        var x = DetectorCatalog.Noise(10000, seed: 6);
        for (var i = 3000; i < x.Length; i++) x[i] += 90;
        for (var i = 9000; i < x.Length; i++) x[i] = 100 + (i % 2 == 0 ? 2.5 : -2.5) + 0.1 * (x[i] - 100);
        SfeMultiScaleDetector Make(int rebin) => new(new SfeMultiScaleOptions { LevelWeight = 0, SeasonalWeight = 0, EntropyWeight = 1, Window = 2000, History = 2000, RebinEvery = rebin });
        Assert.Contains(Alerts(Make(2000), x), i => i >= 9000 && i < 9060);
        Assert.DoesNotContain(Alerts(Make(0), x), i => i >= 9000 && i < 9060);
    }
}
