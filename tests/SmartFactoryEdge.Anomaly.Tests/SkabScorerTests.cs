using SmartFactoryEdge.Anomaly.Evaluation;
using SmartFactoryEdge.Anomaly.Scoring;

namespace SmartFactoryEdge.Anomaly.Tests;

public class SkabScorerTests
{
    [Fact]
    public void ChangePointInsideItsWindowScoresByPosition()
    {
        var n = 200;
        var secs = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var cp = new bool[n];
        cp[50] = true;
        var alarm = new bool[n];
        for (var i = 50; i < n; i++) alarm[i] = true; // flips exactly at the change point
        var s = new SkabSeries("f", secs, new bool[n], cp, alarm);
        var r = SkabScorer.ChangePoints([s]);
        Assert.Equal(100, r[0].Score, 6); // earliest possible detection is worth a_tp
        Assert.Equal(1, r[0].Detected);

        var late = new bool[n];
        for (var i = 140; i < n; i++) late[i] = true; // outside the 60 s window: one FP and one miss
        var r2 = SkabScorer.ChangePoints([s with { Alarm = late }]);
        Assert.Equal(1, r2[0].FalsePositives);
        Assert.Equal(1, r2[0].Missed);
        Assert.Equal(100 * (-1 - 0.11 + 1) / 2, r2[0].Score, 6);
    }

    [DevDataFact]
    public void AlwaysAlarmGivesF1PointSevenWithFullFalseAlarmRate()
    {
        var series = DevData.Skab.Select(f => BenchmarkRunner.TestPart(f, Enumerable.Repeat(true, f.Length).ToArray())).ToArray();
        var o = SkabScorer.Outliers(series);
        Assert.Equal(0.70, o.F1, 2);
        Assert.Equal(100, o.Far, 6);
        Assert.Equal(0, o.Mar, 6);
        var cps = SkabScorer.ChangePoints(series);
        Assert.Equal(-1.4, cps[0].Score, 1);
        Assert.Equal(-2.8, cps[1].Score, 1);
        Assert.Equal(-0.9, cps[2].Score, 1);
        Assert.Equal(63, cps[0].Missed);
    }
}
