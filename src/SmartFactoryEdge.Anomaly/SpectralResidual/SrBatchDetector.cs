using System.Numerics;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.SpectralResidual;

/// <summary>ML.NET detect mode of <c>DetectEntireAnomalyBySrCnn</c>.</summary>
public enum SrDetectMode
{
    /// <summary>[IsAnomaly, AnomalyScore, Mag].</summary>
    AnomalyOnly = 0,

    /// <summary>[IsAnomaly, AnomalyScore, Mag, ExpectedValue, BoundaryUnit, UpperBoundary, LowerBoundary].</summary>
    AnomalyAndMargin = 1,

    /// <summary>[IsAnomaly, AnomalyScore, Mag, ExpectedValue].</summary>
    AnomalyAndExpectedValue = 2,
}

/// <summary>ML.NET <c>DetectEntireAnomalyBySrCnn</c> parameters and defaults (period 0: no deseasonality).</summary>
public sealed record SrBatchOptions
{
    /// <summary>Alert when the score exceeds this, in [0, 1] (default 0.3).</summary>
    public double Threshold { get; init; } = 0.3;

    /// <summary>Points per batch, at least 12, or −1 for the whole series as one batch (default 2000).</summary>
    public int BatchSize { get; init; } = 2000;

    /// <summary>Boundary sensitivity in [0, 100] for the margin mode (default 70): higher gives tighter bounds.</summary>
    public double Sensitivity { get; init; } = 70;

    public SrDetectMode DetectMode { get; init; } = SrDetectMode.AnomalyOnly;
}

/// <summary>One row of the batch SR output (ML.NET's output vector, NaN where the mode does not fill a slot).</summary>
public readonly record struct SrBatchResult(bool IsAnomaly, double AnomalyScore, double Mag, double ExpectedValue, double BoundaryUnit, double UpperBoundary, double LowerBoundary);

/// <summary>
/// Batch Spectral Residual over a whole series with expected values and margins (ML.NET SrCnnEntireAnomalyDetector,
/// period 0). Not streaming: call <see cref="Detect"/> on a buffered series. Paper: arXiv:1906.03821.
/// </summary>
public static class SrBatchDetector
{
    private const int LookaheadWindowSize = 5, BackAddWindowSize = 5, AveragingWindowSize = 3, JudgementWindowSize = 40;
    private const double Eps = 1e-8, DeanomalyThreshold = 0.35, BoundSensitivity = 93.0, UnitForZero = 0.3, ZscoreThreshold = 1.5;
    private const int MinimumScoreWindowSize = 11, MinBatchSize = 12;

    // ML.NET's margin factor per sensitivity 0..100.
    private static readonly double[] Factors =
    [
        532.0, 492.8, 455.2, 419.2, 384.8, 352.0, 320.8, 291.2, 263.2, 236.8, 212.0, 188.8, 167.2, 147.2, 128.8, 112.0, 96.8, 83.2, 71.2, 60.8,
        52.0, 44.8, 39.2, 35.2, 32.8, 30.0, 28.75, 27.5, 26.25, 25.0, 23.75, 22.5, 21.25, 20.0, 18.75, 17.5, 16.25, 15.0, 13.75, 12.5, 11.25,
        10.0, 8.75, 7.5, 6.25, 5.0, 4.6, 4.2, 3.8, 3.4, 3.0, 2.6, 2.2, 1.8, 1.4, 1.0, 0.96, 0.92, 0.88, 0.84, 0.8, 0.76, 0.72, 0.68, 0.64,
        0.6, 0.57, 0.54, 0.51, 0.48, 0.45, 0.42, 0.39, 0.36, 0.33, 0.3, 0.285, 0.27, 0.255, 0.24, 0.225, 0.21, 0.195, 0.18, 0.165, 0.15,
        0.13818181818181818, 0.12636363636363646, 0.1145454545454545, 0.10272727272727278, 0.09090909090909083, 0.0790909090909091,
        0.06727272727272737, 0.043636363636363695, 0.012, 0.008, 0.006075, 0.00415, 0.002225, 0.0003, 0.0,
    ];

    /// <summary>Detects anomalies over <paramref name="values"/>, batch by batch; a last batch shorter than 12 is scored together with the one before.</summary>
    public static SrBatchResult[] Detect(ReadOnlySpan<double> values, SrBatchOptions? options = null)
    {
        options ??= new SrBatchOptions();
        if (options.BatchSize != -1 && options.BatchSize < MinBatchSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be −1 or at least 12.");
        if (options.Threshold is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threshold, "Threshold must be in [0, 1].");
        if (options.Sensitivity is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(options), options.Sensitivity, "Sensitivity must be in [0, 100].");
        var results = new SrBatchResult[values.Length];
        if (values.Length < MinBatchSize) throw new ArgumentException($"The series has {values.Length} points; SR needs at least {MinBatchSize}.", nameof(values));
        var size = options.BatchSize == -1 ? values.Length : options.BatchSize;
        for (var start = 0; start < values.Length; start += size)
        {
            var len = Math.Min(size, values.Length - start);
            var from = start;
            if (len < MinBatchSize)
            {
                from = Math.Max(0, start + len - size);
            }

            var batch = values[from..(start + len)].ToArray();
            var r = DetectBatch(batch, options);
            Array.Copy(r, start - from, results, start, len);
        }

        return results;
    }

    private static SrBatchResult[] DetectBatch(double[] values, SrBatchOptions o)
    {
        var n = values.Length;
        double min = double.MaxValue, max = double.MinValue, sum = 0, sq = 0;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            sq += v * v;
        }

        var mean = sum / n;
        var std = Math.Sqrt((sq - sum * sum / n) / n);
        var isAnomaly = new bool[n];
        var score = new double[n];
        var mag = new double[n];
        SpectralResidual(values, o.Threshold, mean, std, isAnomaly, score, mag);

        var expected = new double[n];
        var unit = new double[n];
        var upper = new double[n];
        var lower = new double[n];
        expected.AsSpan().Fill(double.NaN);
        unit.AsSpan().Fill(double.NaN);
        upper.AsSpan().Fill(double.NaN);
        lower.AsSpan().Fill(double.NaN);
        if (o.DetectMode != SrDetectMode.AnomalyOnly)
        {
            var deAnomaly = DeanomalyData(values, score);
            var ifftRe = ExpectedByFft(deAnomaly);
            if (o.DetectMode == SrDetectMode.AnomalyAndExpectedValue)
            {
                for (var i = 0; i < n; i++) expected[i] = AdjustToRange(ifftRe[i], min, max);
            }
            else
            {
                var units = BoundaryUnits(values, isAnomaly);
                for (var i = 0; i < n; i++)
                {
                    var margin = Margin(units[i], o.Sensitivity);
                    expected[i] = AdjustToRange(ifftRe[i], min, max);
                    unit[i] = units[i];
                    upper[i] = ifftRe[i] + margin;
                    lower[i] = ifftRe[i] - margin;
                    score[i] = AnomalyScore(values[i], ifftRe[i], units[i], isAnomaly[i]);
                    isAnomaly[i] = isAnomaly[i] && (values[i] < lower[i] || values[i] > upper[i]);
                    if (!isAnomaly[i])
                    {
                        var bm = Margin(units[i], BoundSensitivity);
                        expected[i] = Math.Max(Math.Min(expected[i], values[i] + bm), values[i] - bm);
                        upper[i] = expected[i] + margin;
                        lower[i] = expected[i] - margin;
                    }
                }
            }
        }

        var res = new SrBatchResult[n];
        for (var i = 0; i < n; i++) res[i] = new SrBatchResult(isAnomaly[i], score[i], mag[i], expected[i], unit[i], upper[i], lower[i]);
        return res;
    }

    private static void SpectralResidual(double[] values, double threshold, double mean, double std, bool[] isAnomaly, double[] score, double[] magOut)
    {
        var n = values.Length;
        // back-add the extrapolated value
        var predict = new double[LookaheadWindowSize + 1];
        for (int i = n - LookaheadWindowSize - 2, j = 0; i < n - 1; i++, j++) predict[j] = values[i];
        var slope = 0.0;
        for (var i = 0; i < predict.Length - 1; i++) slope += (predict[^1] - predict[i]) / (predict.Length - 1 - i);
        var predicted = predict[1] + slope;
        var len = n + BackAddWindowSize;
        var x = new Complex[len];
        for (var i = 0; i < n; i++) x[i] = values[i];
        for (var i = n; i < len; i++) x[i] = predicted;
        Fft.Forward(x);
        var mag = new double[len];
        var logMag = new double[len];
        for (var i = 0; i < len; i++)
        {
            mag[i] = x[i].Magnitude;
            logMag[i] = mag[i] > Eps ? Math.Log(mag[i]) : 0;
        }

        var avg = new double[len];
        SrStreamingDetector.AverageFilter(logMag, avg, AveragingWindowSize);
        for (var i = 0; i < len; i++)
            x[i] = logMag[i] != 0 ? x[i] * (Math.Exp(logMag[i] - avg[i]) / mag[i]) : Complex.Zero;
        Fft.Backward(x);
        var ifftMag = new double[len];
        for (var i = 0; i < len; i++) ifftMag[i] = x[i].Magnitude;
        var avgMag = new double[len];
        SrStreamingDetector.AverageFilter(ifftMag, avgMag, Math.Min(len, JudgementWindowSize));
        var m = Math.Min(len, MinimumScoreWindowSize);
        for (var i = 0; i <= m && i < len; i++) avgMag[i] = avgMag[m - 1];
        for (var i = 0; i < n; i++)
        {
            var divisor = Math.Abs(avgMag[i]) < Eps ? Eps : avgMag[i];
            var s = Math.Clamp(Math.Abs(ifftMag[i] - avgMag[i]) / divisor / 10.0, 0, 1);
            var det = s > threshold;
            if (det)
            {
                var z = Math.Abs(values[i] - mean) / std;
                if (std < Eps || z < ZscoreThreshold)
                {
                    det = false;
                    s = 0;
                }
            }

            isAnomaly[i] = det;
            score[i] = s;
            magOut[i] = ifftMag[i];
        }
    }

    private static double[] DeanomalyData(double[] data, double[] scores)
    {
        var anomalies = new HashSet<int>();
        for (var i = 0; i < scores.Length; i++)
            if (scores[i] > DeanomalyThreshold) anomalies.Add(i);
        var result = (double[])data.Clone();
        const int minPointsToFit = 4;
        var fit = new List<(int X, double Y)>();
        foreach (var idx in anomalies.Order())
        {
            var step = 1;
            int start, end;
            void Collect()
            {
                start = Math.Max(idx - step, 0);
                end = Math.Min(data.Length - 1, idx + step);
                fit.Clear();
                for (var i = start; i <= end; i++)
                    if (!anomalies.Contains(i)) fit.Add((i, data[i]));
            }

            Collect();
            while (fit.Count < minPointsToFit && (start > 0 || end < data.Length - 1))
            {
                step += 2;
                Collect();
            }

            if (fit.Count > 1)
            {
                double sx = 0, sy = 0, sxx = 0, sxy = 0;
                foreach (var (xi, yi) in fit)
                {
                    sx += xi;
                    sy += yi;
                    sxx += (double)xi * xi;
                    sxy += xi * yi;
                }

                var k = fit.Count;
                var a = (k * sxy - sx * sy) / (k * sxx - sx * sx);
                var b = (sxx * sy - sx * sxy) / (k * sxx - sx * sx);
                result[idx] = a * idx + b;
            }
        }

        return result;
    }

    private static double[] ExpectedByFft(double[] data)
    {
        var n = data.Length;
        var x = new Complex[n];
        for (var i = 0; i < n; i++) x[i] = data[i];
        Fft.Forward(x);
        for (var i = 0; i < n; i++)
            if (i > n * 3.0 / 8 && i < n * 5.0 / 8) x[i] = Complex.Zero;
        Fft.Backward(x);
        var re = new double[n];
        for (var i = 0; i < n; i++) re[i] = x[i].Real;
        return re;
    }

    private static double AdjustToRange(double expected, double min, double max)
    {
        if (min >= 0 && expected < 0) return 0;
        if (max <= 0 && expected > 0) return 0;
        return expected;
    }

    private static double[] BoundaryUnits(double[] data, bool[] isAnomaly)
    {
        var window = Math.Min(data.Length / 3, 512);
        var trendFraction = 0.5;
        var trends = MedianFilter(data, window);
        double trendSum = 0;
        var count = 0;
        var closeToZero = true;
        for (var i = 0; i < trends.Length; i++)
        {
            if (isAnomaly[i]) continue;
            closeToZero = closeToZero && trends[i] < Eps;
            trendSum += Math.Abs(trends[i]);
            count++;
        }

        double averagePart = 0;
        if (count > 0) averagePart = trendSum / count * (1 - trendFraction);
        else trendFraction = 1.0;
        var units = new double[trends.Length];
        for (var i = 0; i < units.Length; i++) units[i] = closeToZero ? UnitForZero : averagePart + Math.Abs(trends[i]) * trendFraction;
        return units;
    }

    /// <summary>Centred running median of odd width (window/2·2+1), shrinking at both ends as ML.NET's MedianFilter with needTwoEnd.</summary>
    private static double[] MedianFilter(double[] data, int window)
    {
        var half = window / 2;
        var trends = (double[])data.Clone();
        var wLen = half * 2 + 1;
        if (data.Length < wLen) return trends;
        var sorted = new List<double>(wLen);
        for (var i = 0; i < data.Length; i++)
        {
            var lo = Math.Max(0, i - half);
            var hi = Math.Min(data.Length - 1, i + half);
            sorted.Clear();
            for (var k = lo; k <= hi; k++) sorted.Add(data[k]);
            sorted.Sort();
            var c = sorted.Count;
            trends[i] = c % 2 == 1 ? sorted[c / 2] : (sorted[c / 2 - 1] + sorted[c / 2]) / 2;
        }

        return trends;
    }

    internal static double Margin(double unit, double sensitivity)
    {
        if (Math.Floor(sensitivity) == sensitivity) return unit * Factors[(int)sensitivity];
        var lb = (int)sensitivity;
        return (Factors[lb + 1] + (Factors[lb] - Factors[lb + 1]) * (1 - sensitivity + lb)) * unit;
    }

    private static double AnomalyScore(double value, double expected, double unit, bool isAnomaly)
    {
        if (!isAnomaly) return 0;
        var distance = Math.Abs(expected - value) / unit;
        int lb = 0, ub = 100;
        while (lb < ub)
        {
            var mid = (lb + ub) / 2;
            if (Factors[100 - mid] < distance) lb = mid + 1;
            else ub = mid;
        }

        if (Factors[100 - lb] == distance || lb == 0) return lb / 100.0;
        var lowerMargin = Factors[101 - lb];
        var upperMargin = Factors[100 - lb];
        return (lb - 1 + (distance - lowerMargin) / (upperMargin - lowerMargin)) / 100.0;
    }
}
