namespace SmartFactoryEdge.Anomaly.Scoring;

/// <summary>One SKAB file's test part: timestamps (seconds), labels, change points and the detector's binary alarms.</summary>
public sealed record SkabSeries(string Name, long[] Seconds, bool[] Anomaly, bool[] ChangePoint, bool[] Alarm);

/// <summary>Pooled outlier metrics.</summary>
public sealed record SkabOutlierResult(long Tp, long Fp, long Fn, long Tn)
{
    public double F1 => Tp + (Fp + Fn) / 2.0 == 0 ? 0 : Tp / (Tp + (Fp + Fn) / 2.0);

    public double Far => Fp + Tn == 0 ? 0 : 100.0 * Fp / (Fp + Tn);

    public double Mar => Fn + Tp == 0 ? 0 : 100.0 * Fn / (Fn + Tp);
}

/// <summary>SKAB changepoint score for one profile.</summary>
public sealed record SkabChangepointResult(string Profile, double Score, int Detected, int Missed, int FalsePositives, int Windows);

/// <summary>
/// SKAB scoring (Katser &amp; Kozitsin, SKAB, Kaggle 2020, doi:10.34740/KAGGLE/DSV/1693952) as described in
/// ../shared/data/README.md: pooled point-wise F1/FAR/MAR over the test rows, and the NAB-style changepoint score with
/// 60 s right windows and the tanh reward.
/// </summary>
public static class SkabScorer
{
    public const int TrainingRows = 400;

    public static IReadOnlyList<(string Name, double Tp, double Fp, double Fn)> Profiles { get; } =
    [
        ("Standard", 1, -0.11, -1),
        ("LowFP", 1, -0.22, -1),
        ("LowFN", 1, -0.11, -2),
    ];

    public static SkabOutlierResult Outliers(IEnumerable<SkabSeries> files)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0;
        foreach (var f in files)
            for (var i = 0; i < f.Alarm.Length; i++)
            {
                if (f.Alarm[i] && f.Anomaly[i]) tp++;
                else if (f.Alarm[i]) fp++;
                else if (f.Anomaly[i]) fn++;
                else tn++;
            }

        return new SkabOutlierResult(tp, fp, fn, tn);
    }

    /// <summary>Predicted change points: rows where the alarm flips, plus the first row when it already alarms.</summary>
    public static IEnumerable<int> PredictedChangePoints(bool[] alarm)
    {
        for (var i = 0; i < alarm.Length; i++)
            if (i == 0 ? alarm[0] : alarm[i] != alarm[i - 1]) yield return i;
    }

    public static IReadOnlyList<SkabChangepointResult> ChangePoints(IReadOnlyList<SkabSeries> files, double windowSeconds = 60)
    {
        var results = new List<SkabChangepointResult>();
        foreach (var (name, aTp, aFp, aFn) in Profiles)
        {
            double total = 0;
            int detected = 0, missed = 0, fps = 0, windows = 0;
            foreach (var f in files)
            {
                var win = new List<(double Start, double End)>();
                for (var i = 0; i < f.ChangePoint.Length; i++)
                    if (f.ChangePoint[i]) win.Add((f.Seconds[i], f.Seconds[i] + windowSeconds));
                for (var j = 1; j < win.Count; j++)
                    if (win[j].Start < win[j - 1].End) win[j] = (win[j - 1].End, Math.Max(win[j].End, win[j - 1].End));
                windows += win.Count;
                var hit = new bool[win.Count];
                foreach (var p in PredictedChangePoints(f.Alarm))
                {
                    var t = f.Seconds[p];
                    var inside = -1;
                    for (var j = 0; j < win.Count; j++)
                        if (t >= win[j].Start && t <= win[j].End && win[j].End > win[j].Start)
                        {
                            inside = j;
                            break;
                        }

                    if (inside < 0)
                    {
                        total += aFp;
                        fps++;
                        continue;
                    }

                    if (hit[inside]) continue;
                    hit[inside] = true;
                    detected++;
                    var frac = (t - win[inside].Start) / (win[inside].End - win[inside].Start);
                    var step = Math.Round(frac * 999) / 999;
                    var x = -Math.PI / 2 + Math.PI * step;
                    total += aFp + (aTp - aFp) * (1 - Math.Tanh(x) / Math.Tanh(Math.PI / 2)) / 2;
                }

                var m = hit.Count(h => !h);
                missed += m;
                total += aFn * m;
            }

            var nul = aFn * windows;
            var perfect = aTp * windows;
            results.Add(new SkabChangepointResult(name, perfect == nul ? 0 : 100 * (total - nul) / (perfect - nul), detected, missed, fps, windows));
        }

        return results;
    }
}
