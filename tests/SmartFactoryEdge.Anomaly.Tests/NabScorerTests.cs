using SmartFactoryEdge.Anomaly.Scoring;

namespace SmartFactoryEdge.Anomaly.Tests;

public class NabScorerTests
{
    private static NabSeries Synthetic(params double[] scores) => new("f", scores, [(1000, 1099)]);

    [Fact]
    public void OptimizeFindsTheSameBestScoreAsTryingEveryDistinctThreshold()
    {
        var rng = new Random(17);
        for (var trial = 0; trial < 20; trial++)
        {
            var files = Enumerable.Range(0, 3).Select(f =>
            {
                var n = 600 + rng.Next(400);
                // coarse levels so ties occur, and a few high values near and inside the windows
                var scores = Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 20) / 20).ToArray();
                var w1 = (300 + rng.Next(100), 0);
                w1.Item2 = w1.Item1 + 40;
                var w2 = (w1.Item2 + 60 + rng.Next(100), 0);
                w2.Item2 = Math.Min(n - 1, w2.Item1 + 40);
                return new NabSeries($"f{f}", scores, [w1, w2]);
            }).ToArray();
            foreach (var p in NabProfile.All)
            {
                var candidates = files.SelectMany(f => f.Scores).Distinct().Append(double.PositiveInfinity);
                var brute = candidates.Max(t => NabScorer.Score(files, t, p).RawScore);
                var best = NabScorer.Optimize(files, p);
                Assert.Equal(brute, best.RawScore, 9);
            }
        }
    }

    [Fact]
    public void DetectionAtTheLeftEdgeIsWorthOneAndAtTheRightEdgeAboutZero()
    {
        var s = new double[2000];
        s[1000] = 1;
        var left = NabScorer.ScoreFile(Synthetic(s), 0.5, NabProfile.Standard, out var tp, out var fp, out var fn);
        Assert.Equal(1.0, left, 3);
        Assert.Equal((1, 0, 0), (tp, fp, fn));
        s[1000] = 0;
        s[1099] = 1;
        var right = NabScorer.ScoreFile(Synthetic(s), 0.5, NabProfile.Standard, out _, out _, out _);
        Assert.InRange(right, 0, 0.1);
    }

    [Fact]
    public void FalsePositivesCostLessJustAfterAWindowAndInProbationNothing()
    {
        var s = new double[2000];
        s[100] = 1; // probation: min(300, 750) rows
        Assert.Equal(-1, NabScorer.ScoreFile(Synthetic(s), 0.5, NabProfile.Standard, out _, out var fp0, out _), 6);
        Assert.Equal(0, fp0);
        s[100] = 0;
        s[500] = 1; // before any window: full fp weight
        Assert.Equal(-1.11, NabScorer.ScoreFile(Synthetic(s), 0.5, NabProfile.Standard, out _, out _, out _), 6);
        s[500] = 0;
        s[1101] = 1; // just after the window: almost free
        Assert.InRange(NabScorer.ScoreFile(Synthetic(s), 0.5, NabProfile.Standard, out _, out _, out _), -1.02, -1.0);
        s[1101] = 0;
        s[1900] = 1; // far after: full weight
        Assert.Equal(-1.11, NabScorer.ScoreFile(Synthetic(s), 0.5, NabProfile.Standard, out _, out _, out _), 6);
    }

    [DevDataFact]
    public void NullScoresZeroAndPerfectScoresHundredOnTheDevelopmentSubset()
    {
        var files = DevData.Nab;
        Assert.Equal(13, files.Count);
        Assert.Equal(25, files.Sum(f => f.Windows.Count));
        var nul = files.Select(f => new NabSeries(f.Name, new double[f.Values.Length], f.Windows)).ToArray();
        var perfect = files.Select(f =>
        {
            var s = new double[f.Values.Length];
            foreach (var (start, _) in f.Windows) s[start] = 1;
            return new NabSeries(f.Name, s, f.Windows);
        }).ToArray();
        foreach (var p in NabProfile.All)
        {
            Assert.Equal(0, NabScorer.Optimize(nul, p).NormalizedScore, 6);
            Assert.Equal(100, NabScorer.Optimize(perfect, p).NormalizedScore, 2); // 0.98661 is rounded in NAB, so the left edge is worth 1.000005
        }
    }
}
