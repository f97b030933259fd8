using SmartFactoryEdge.Anomaly.Scoring;

namespace SmartFactoryEdge.Anomaly.Evaluation;

/// <summary>A univariate detector to evaluate: a name and a factory (one fresh instance per file).</summary>
public sealed record UnivariateCandidate(string Name, Func<IStreamingDetector> Create);

/// <summary>A multivariate detector to evaluate: a name and a factory taking the dimension.</summary>
public sealed record MultivariateCandidate(string Name, Func<int, IMultivariateDetector> Create);

/// <summary>Per-row output of one detector on one file.</summary>
public sealed record DetectorRun(string Detector, string File, double[] Score, double[] Level, bool[] Alert);

/// <summary>NAB results of one detector: the three profiles, each at its own optimised threshold.</summary>
public sealed record NabEvaluation(string Detector, IReadOnlyList<DetectorRun> Runs, IReadOnlyList<NabResult> Profiles);

/// <summary>SKAB results of one detector.</summary>
public sealed record SkabEvaluation(string Detector, IReadOnlyList<DetectorRun> Runs, SkabOutlierResult Outliers, IReadOnlyList<SkabChangepointResult> ChangePoints);

/// <summary>Runs detectors over datasets in memory and scores them (no file access; the CLI does the I/O).</summary>
public static class BenchmarkRunner
{
    public static NabEvaluation RunNab(IReadOnlyList<NabFile> files, UnivariateCandidate candidate)
    {
        var runs = new DetectorRun[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var f = files[i];
            var d = candidate.Create();
            var n = f.Values.Length;
            var score = new double[n];
            var level = new double[n];
            var alert = new bool[n];
            for (var r = 0; r < n; r++)
            {
                var o = d.Update(f.Values[r]);
                score[r] = o.Score;
                level[r] = o.Level;
                alert[r] = o.Alert;
            }

            runs[i] = new DetectorRun(candidate.Name, f.Name, score, level, alert);
        });
        var series = files.Select((f, i) => new NabSeries(f.Name, runs[i].Level, f.Windows)).ToArray();
        var profiles = NabProfile.All.Select(p => NabScorer.Optimize(series, p)).ToArray();
        return new NabEvaluation(candidate.Name, runs, profiles);
    }

    public static SkabEvaluation RunSkab(IReadOnlyList<SkabFile> files, MultivariateCandidate candidate)
    {
        var runs = new DetectorRun[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var f = files[i];
            var d = candidate.Create(f.Dimension);
            var n = f.Length;
            var score = new double[n];
            var level = new double[n];
            var alert = new bool[n];
            for (var r = 0; r < n; r++)
            {
                var o = d.Update(f.Row(r));
                score[r] = o.Score;
                level[r] = o.Level;
                alert[r] = o.Alert;
            }

            runs[i] = new DetectorRun(candidate.Name, f.Name, score, level, alert);
        });
        var series = files.Select((f, i) => TestPart(f, runs[i].Alert)).ToArray();
        return new SkabEvaluation(candidate.Name, runs, SkabScorer.Outliers(series), SkabScorer.ChangePoints(series));
    }

    /// <summary>The scored part of a SKAB file (rows after the 400-row training prefix) with the given alarms.</summary>
    public static SkabSeries TestPart(SkabFile f, bool[] alarm)
    {
        var start = Math.Min(SkabScorer.TrainingRows, f.Length);
        var len = f.Length - start;
        var secs = new long[len];
        var t0 = f.Timestamps.Length > 0 ? f.Timestamps[0] : default;
        for (var i = 0; i < len; i++) secs[i] = (long)(f.Timestamps[start + i] - t0).TotalSeconds;
        return new SkabSeries(f.Name, secs, f.Anomaly[start..], f.ChangePoint[start..], alarm[start..]);
    }
}
