namespace SmartFactoryEdge.Anomaly.Scoring;

/// <summary>A NAB cost profile (tpWeight, fpWeight, fnWeight).</summary>
public sealed record NabProfile(string Name, double TpWeight, double FpWeight, double FnWeight)
{
    public static NabProfile Standard { get; } = new("standard", 1, 0.11, 1);

    public static NabProfile RewardLowFp { get; } = new("reward_low_FP_rate", 1, 0.22, 1);

    public static NabProfile RewardLowFn { get; } = new("reward_low_FN_rate", 1, 0.11, 2);

    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFp, RewardLowFn];
}

/// <summary>One file for NAB scoring: per-row scores in [0, 1] and the labelled windows as inclusive row ranges.</summary>
public sealed record NabSeries(string Name, double[] Scores, IReadOnlyList<(int Start, int End)> Windows);

/// <summary>The result of scoring a detector on a set of files for one profile.</summary>
public sealed record NabResult(NabProfile Profile, double Threshold, double RawScore, double NullScore, double PerfectScore, double NormalizedScore, int TruePositives, int FalsePositives, int FalseNegatives);

/// <summary>
/// Numenta Anomaly Benchmark scoring (Lavin &amp; Ahmad, "Evaluating Real-time Anomaly Detection Algorithms — the Numenta
/// Anomaly Benchmark", ICMLA 2015), re-implemented from the rules in ../shared/data/README.md: probationary prefix
/// min(⌊0.15·N⌋, 750) rows, sigmoid-weighted earliest detection per window, distance-weighted false positives after a
/// window, −fnWeight per missed window, one threshold per profile over all files, normalised so null = 0 and perfect = 100.
/// </summary>
public static class NabScorer
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static int ProbationRows(int n) => Math.Min((int)Math.Floor(0.15 * n), 750);

    /// <summary>Raw score of one file at a threshold (also counts TP/FP/FN).</summary>
    public static double ScoreFile(NabSeries s, double threshold, NabProfile p, out int tp, out int fp, out int fn)
    {
        tp = fp = 0;
        var n = s.Scores.Length;
        var probation = ProbationRows(n);
        var windows = s.Windows.OrderBy(w => w.Start).ToArray();
        var detected = new bool[windows.Length];
        var total = 0.0;
        var wi = 0; // first window whose end ≥ i
        for (var i = probation; i < n; i++)
        {
            while (wi < windows.Length && windows[wi].End < i) wi++;
            if (!(s.Scores[i] >= threshold)) continue;
            if (wi < windows.Length && windows[wi].Start <= i)
            {
                if (detected[wi]) continue;
                detected[wi] = true;
                var (l, r) = windows[wi];
                var width = r - l + 1;
                var pos = -(r - i + 1) / (double)width;
                total += p.TpWeight * (2 * Sigmoid(-5 * pos) - 1) / 0.98661;
                tp++;
                continue;
            }

            fp++;
            if (wi == 0) total -= p.FpWeight;
            else
            {
                var prev = windows[wi - 1];
                var width = prev.End - prev.Start + 1;
                var d = (i - prev.End) / (double)Math.Max(1, width - 1);
                total += d > 3 ? -p.FpWeight : p.FpWeight * (2 * Sigmoid(-5 * d) - 1);
            }
        }

        fn = detected.Count(x => !x);
        total -= p.FnWeight * fn;
        return total;
    }

    /// <summary>Scores all files at one threshold.</summary>
    public static NabResult Score(IReadOnlyList<NabSeries> files, double threshold, NabProfile profile)
    {
        double s = 0;
        int tp = 0, fp = 0, fn = 0, windows = 0;
        foreach (var f in files)
        {
            s += ScoreFile(f, threshold, profile, out var a, out var b, out var c);
            tp += a;
            fp += b;
            fn += c;
            windows += f.Windows.Count;
        }

        var nul = -profile.FnWeight * windows;
        var perfect = profile.TpWeight * windows;
        var norm = perfect == nul ? 0 : 100 * (s - nul) / (perfect - nul);
        return new NabResult(profile, threshold, s, nul, perfect, norm, tp, fp, fn);
    }

    /// <summary>
    /// Finds the one threshold that maximises the profile's total score over all files, exactly: every distinct score value
    /// is a candidate. Rows are added in descending score order; a false positive's cost does not depend on other rows, and
    /// a window's reward only depends on its earliest row at or above the threshold, so the total is updated in O(1) per row
    /// (O(N log N) overall, where NAB's own optimiser does a local search). <paramref name="maxCandidates"/> is kept for
    /// source compatibility and ignored.
    /// </summary>
    public static NabResult Optimize(IReadOnlyList<NabSeries> files, NabProfile profile, int maxCandidates = 600)
    {
        _ = maxCandidates;
        var rows = new List<(double Score, int Window, double Tp, double Fp, int Index)>();
        var windowOffset = 0;
        var nWindows = 0;
        foreach (var s in files)
        {
            var n = s.Scores.Length;
            var windows = s.Windows.OrderBy(w => w.Start).ToArray();
            var wi = 0;
            for (var i = ProbationRows(n); i < n; i++)
            {
                while (wi < windows.Length && windows[wi].End < i) wi++;
                var v = s.Scores[i];
                if (double.IsNaN(v)) continue;
                if (wi < windows.Length && windows[wi].Start <= i)
                {
                    var (l, r) = windows[wi];
                    var pos = -(r - i + 1) / (double)(r - l + 1);
                    rows.Add((v, windowOffset + wi, profile.TpWeight * (2 * Sigmoid(-5 * pos) - 1) / 0.98661, 0, i));
                }
                else if (wi == 0) rows.Add((v, -1, 0, -profile.FpWeight, i));
                else
                {
                    var prev = windows[wi - 1];
                    var d = (i - prev.End) / (double)Math.Max(1, prev.End - prev.Start + 1 - 1);
                    rows.Add((v, -1, 0, d > 3 ? -profile.FpWeight : profile.FpWeight * (2 * Sigmoid(-5 * d) - 1), i));
                }
            }

            windowOffset += windows.Length;
            nWindows += windows.Length;
        }

        rows.Sort((a, b) => b.Score.CompareTo(a.Score));
        var earliest = new int[nWindows];
        var reward = new double[nWindows];
        Array.Fill(earliest, int.MaxValue);
        var total = -profile.FnWeight * nWindows;
        var bestTotal = total;
        var bestThreshold = double.PositiveInfinity;
        for (var k = 0; k < rows.Count; k++)
        {
            var row = rows[k];
            if (row.Window < 0) total += row.Fp;
            else if (row.Index < earliest[row.Window])
            {
                total += row.Tp - (earliest[row.Window] == int.MaxValue ? -profile.FnWeight : reward[row.Window]);
                earliest[row.Window] = row.Index;
                reward[row.Window] = row.Tp;
            }

            var tieFollows = k + 1 < rows.Count && rows[k + 1].Score == row.Score;
            if (!tieFollows && total > bestTotal + 1e-12)
            {
                bestTotal = total;
                bestThreshold = row.Score;
            }
        }

        return Score(files, bestThreshold, profile);
    }
}
