using SmartFactoryEdge.Anomaly.Internal;
using MathNet.Numerics.Distributions;
using SmartFactoryEdge.Anomaly.Pca;

namespace SmartFactoryEdge.Anomaly.Models;

/// <summary>Options for <see cref="AssetModelTrainer"/>.</summary>
public sealed record AssetModelTrainingOptions
{
    /// <summary>Retained components explain at least this fraction of the variance.</summary>
    public double ExplainedVariance { get; init; } = 0.85;

    /// <summary>False-alarm rate the T² and SPE limits are set for.</summary>
    public double Alpha { get; init; } = 0.001;

    /// <summary>Multiplier on both PCA limits.</summary>
    public double LimitFactor { get; init; } = 1.0;

    /// <summary>Per-tag limits at mean ± this many standard deviations of the fit rows (never narrower than their range).</summary>
    public double TagSigma { get; init; } = 5.0;

    /// <summary>The tail of the window held out to evaluate on (0 to 0.5).</summary>
    public double HoldoutFraction { get; init; } = 0.2;
}

/// <summary>
/// Fits an <see cref="AssetModel"/> on baseline rows: a standardised PCA (MacGregor &amp; Kourti 1995) with Hotelling's
/// F-distribution T² limit and the Jackson–Mudholkar SPE limit (each raised to the fit rows' own (1 − α) quantile when
/// that is higher, so a short window does not alarm on itself), per-tag limits, and evaluation figures on a held-out tail.
/// Pure and deterministic: the same rows give the same model and the same content hash (given the same created-at).
/// </summary>
public static class AssetModelTrainer
{
    /// <summary>Fits a model on <c>rows</c>: row after row of <c>tags.Count</c> values, in time order.</summary>
    /// <exception cref="ArgumentException">Too few rows, or non-finite values.</exception>
    public static AssetModel Train(string asset, IReadOnlyList<string> tags, ReadOnlySpan<double> rows, TrainingWindow window,
        DateTime createdUtc, string createdBy, AssetModelTrainingOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(asset);
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(window);
        options ??= new AssetModelTrainingOptions();
        var d = tags.Count;
        if (d < 2) throw new ArgumentException($"Asset {asset}: a model needs at least 2 tags, has {d}.", nameof(tags));
        if (rows.Length % d != 0) throw new ArgumentException($"Asset {asset}: {rows.Length} values are not whole rows of {d}.", nameof(rows));
        foreach (var v in rows)
            if (!double.IsFinite(v)) throw new ArgumentException($"Asset {asset}: the training rows hold a non-finite value.", nameof(rows));
        var n = rows.Length / d;
        var holdout = (int)(n * Math.Clamp(options.HoldoutFraction, 0, 0.5));
        var fitRows = n - holdout;
        if (fitRows < Math.Max(2 * d + 2, 20))
            throw new ArgumentException($"Asset {asset}: {n} complete rows in the window; at least {Math.Max(2 * d + 2, 20)} are needed to fit {d} tags (plus the held-out {options.HoldoutFraction:P0}).", nameof(rows));
        var fitData = rows[..(fitRows * d)];
        var fit = PcaFit.Fit(fitData, fitRows, d, standardise: true);
        var k = fit.ComponentsFor(options.ExplainedVariance);
        var loadings = new IReadOnlyList<double>[k];
        for (var c = 0; c < k; c++)
        {
            var v = new double[d];
            for (var j = 0; j < d; j++) v[j] = fit.EigenVectors[j, c];
            loadings[c] = v;
        }
        var eigen = fit.EigenValues.Take(k).Select(l => Math.Max(l, 1e-12)).ToArray();
        var explained = fit.EigenValues.Sum() is var total and > 0 ? eigen.Sum() / total : 1;

        var stats = new TagStatistics[d];
        var limits = new TagLimits[d];
        for (var j = 0; j < d; j++)
        {
            double sum = 0, sq = 0, min = double.MaxValue, max = double.MinValue;
            for (var r = 0; r < fitRows; r++)
            {
                var x = fitData[r * d + j];
                sum += x;
                sq += x * x;
                min = Math.Min(min, x);
                max = Math.Max(max, x);
            }
            var mean = sum / fitRows;
            var std = Math.Sqrt(Math.Max(0, sq / fitRows - mean * mean));
            stats[j] = new TagStatistics(tags[j], mean, std, min, max);
            var half = Math.Max(options.TagSigma * std, Math.Max(max - mean, mean - min) * 1.1);
            if (half <= 0) half = Math.Max(Math.Abs(mean) * 1e-3, 1e-9);
            limits[j] = new TagLimits(tags[j], mean - half, mean + half);
        }

        // theoretical limits first, then the draft scorer gives the fit rows' own statistics
        var alpha = options.Alpha;
        var t2Theory = k * (fitRows - 1.0) * (fitRows + 1.0) / (fitRows * (fitRows - (double)k)) * FisherSnedecor.InvCDF(k, fitRows - k, 1 - alpha);
        double th1 = 0, th2 = 0, th3 = 0;
        for (var c = k; c < d; c++)
        {
            var l = fit.EigenValues[c];
            th1 += l;
            th2 += l * l;
            th3 += l * l * l;
        }
        double speTheory;
        if (th1 <= 1e-12 || th2 <= 1e-24) speTheory = 1e-9;
        else
        {
            var h0 = 1 - 2 * th1 * th3 / (3 * th2 * th2);
            var ca = Normal.InvCDF(0, 1, 1 - alpha);
            speTheory = th1 * Math.Pow(ca * Math.Sqrt(2 * th2 * h0 * h0) / th1 + 1 + th2 * h0 * (h0 - 1) / (th1 * th1), 1 / h0);
            if (!double.IsFinite(speTheory) || speTheory <= 0) speTheory = 1e-9;
        }
        var pca = new PcaParameters(fit.Mean, fit.Scale, loadings, eigen, explained, alpha, 1, 1);
        var draft = new AssetModel
        {
            Asset = asset, CreatedUtc = createdUtc, CreatedBy = createdBy, Tags = [.. tags], Training = window with { Rows = n, FitRows = fitRows, HoldoutRows = holdout },
            Statistics = stats, Pca = pca, Limits = limits, Evaluation = new ModelEvaluation(0, 0, 0, 0, 0),
        };
        var scorer = new AssetModelScorer(draft, checkHash: false);
        var t2s = new double[fitRows];
        var spes = new double[fitRows];
        for (var r = 0; r < fitRows; r++) (t2s[r], spes[r]) = scorer.Statistics(fitData.Slice(r * d, d));
        var t2Limit = Math.Max(t2Theory, Quantiles.Of(t2s, 1 - alpha)) * options.LimitFactor;
        var speLimit = Math.Max(Math.Max(speTheory, Quantiles.Of(spes, 1 - alpha)), 1e-9) * options.LimitFactor;
        var final = draft with { Pca = pca with { T2Limit = t2Limit, SpeLimit = speLimit } };

        // evaluation: alarm rates on the fit rows and on the held-out tail (normal data: both should be near alpha)
        var fitAlarms = 0;
        for (var r = 0; r < fitRows; r++)
            if (t2s[r] > t2Limit || spes[r] > speLimit) fitAlarms++;
        int holdAlarms = 0, tagAlarms = 0;
        for (var r = fitRows; r < n; r++)
        {
            var row = rows.Slice(r * d, d);
            var (t2, spe) = scorer.Statistics(row);
            if (t2 > t2Limit || spe > speLimit) holdAlarms++;
            for (var j = 0; j < d; j++)
                if (row[j] < limits[j].Low || row[j] > limits[j].High) { tagAlarms++; break; }
        }
        var evaluation = new ModelEvaluation((double)fitAlarms / fitRows, holdout == 0 ? 0 : (double)holdAlarms / holdout,
            holdout == 0 ? 0 : (double)tagAlarms / holdout, t2s.Average(), spes.Average());
        return AssetModelJson.Seal(final with { Evaluation = evaluation });
    }
}
