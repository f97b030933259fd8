using SmartFactoryEdge.Anomaly.Iid;
using SmartFactoryEdge.Anomaly.SpectralResidual;

namespace SmartFactoryEdge.Anomaly.Tests;

/// <summary>Golden values from ML.NET's documented samples (docs/samples/.../TimeSeries/*.cs).</summary>
public class MlNetGoldenTests
{
    private static double[] SrSeries()
    {
        var s = new double[26];
        Array.Fill(s, 5.0);
        s[20] = 10;
        return s;
    }

    [Fact]
    public void IidChangePointFirstRowMatchesMlNet()
    {
        var d = new IidChangePointDetector(new IidChangePointOptions { Confidence = 80, ChangeHistoryLength = 10 });
        var o = d.Update(5);
        Assert.False(o.Alert);
        Assert.Equal(5, o.Score);
        Assert.Equal(0.5, o.PValue, 10);
        Assert.Equal(5.12e-8, o.Statistic, 1e-10);
        for (var i = 0; i < 4; i++) d.Update(5);
        // then the level shifts: 5 + 1.1·i for i = 0..; the martingale grows once the p-values drop
        var grew = false;
        var last = 0.0;
        for (var i = 0; i < 8; i++)
        {
            var r = d.Update(5 + 1.1 * i);
            if (r.Statistic > last && i > 0) grew = true;
            last = r.Statistic;
        }

        Assert.True(grew);
    }

    [Fact]
    public void SrStreamingAlertsOnlyAtTheSpike()
    {
        var d = new SrStreamingDetector(new SrStreamingOptions
        {
            WindowSize = 16, BackAddWindowSize = 5, LookaheadWindowSize = 5, AveragingWindowSize = 3, JudgementWindowSize = 8, Threshold = 0.35,
        });
        var alerts = new List<int>();
        var s = SrSeries();
        for (var i = 0; i < s.Length; i++)
            if (d.Update(s[i]).Alert) alerts.Add(i);
        Assert.Equal([20], alerts);
    }

    [Fact]
    public void SrBatchFlagsOnlyTheSpikeWithMargins()
    {
        var r = SrBatchDetector.Detect(SrSeries(), new SrBatchOptions { Threshold = 0.35, BatchSize = 512, Sensitivity = 98, DetectMode = SrDetectMode.AnomalyAndMargin });
        var flagged = r.Select((x, i) => (x, i)).Where(t => t.x.IsAnomaly).Select(t => t.i).ToArray();
        Assert.Equal([20], flagged);
        Assert.Equal(5.00, r[20].ExpectedValue, 0.01);
        Assert.Equal(5.01, r[20].UpperBoundary, 0.01);
        Assert.Equal(4.99, r[20].LowerBoundary, 0.01);
        Assert.Equal(5.00, r[3].ExpectedValue, 0.01);
    }
}
