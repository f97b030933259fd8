using SmartFactoryEdge.Anomaly.ChangePoint;
using SmartFactoryEdge.Anomaly.Ensemble;
using SmartFactoryEdge.Anomaly.Iid;
using SmartFactoryEdge.Anomaly.Pca;
using SmartFactoryEdge.Anomaly.Spc;
using SmartFactoryEdge.Anomaly.SpectralResidual;
using SmartFactoryEdge.Anomaly.Ssa;

namespace SmartFactoryEdge.Anomaly.Configuration;

/// <summary>Builds detectors from <see cref="DetectorOptions"/>; unknown kinds or parameter names are errors that name them.</summary>
public static class DetectorFactory
{
    /// <summary>Univariate kinds.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
        ["iid-spike", "iid-changepoint", "ssa-spike", "ssa-changepoint", "sr", "ewma", "cusum", "western-electric", "nelson", "sfe-ensemble", "sfe-multiscale", "stuck"];

    /// <summary>Multivariate kinds.</summary>
    public static IReadOnlyList<string> MultivariateKinds { get; } = ["pca-t2spe", "randomized-pca", "sfe-adaptive", "sfe-changepoint"];

    public static bool IsMultivariate(string kind) => MultivariateKinds.Contains(kind, StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a univariate detector.</summary>
    /// <exception cref="ArgumentException">Unknown kind or parameter, or a parameter out of range.</exception>
    public static IStreamingDetector Create(DetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var p = new Params(options);
        IStreamingDetector d = options.Kind.ToLowerInvariant() switch
        {
            "iid-spike" => new IidSpikeDetector(new IidSpikeOptions
            {
                Confidence = p.Get("confidence", 99), PValueHistoryLength = p.Int("pvalueHistoryLength", 100), Side = (AnomalySide)p.Int("side", 2),
            }),
            "iid-changepoint" => new IidChangePointDetector(new IidChangePointOptions
            {
                Confidence = p.Get("confidence", 95), ChangeHistoryLength = p.Int("changeHistoryLength", 20),
                Martingale = (MartingaleType)p.Int("martingale", 1), PowerMartingaleEpsilon = p.Get("powerMartingaleEpsilon", 0.1),
            }),
            "ssa-spike" => new SsaSpikeDetector(new SsaSpikeOptions
            {
                Confidence = p.Get("confidence", 99), PValueHistoryLength = p.Int("pvalueHistoryLength", 100),
                TrainingWindowSize = p.Int("trainingWindowSize", 100), SeasonalityWindowSize = p.Int("seasonalityWindowSize", 10),
                Side = (AnomalySide)p.Int("side", 2), ErrorFunction = (ErrorFunction)p.Int("errorFunction", 0),
            }),
            "ssa-changepoint" => new SsaChangePointDetector(new SsaChangePointOptions
            {
                Confidence = p.Get("confidence", 95), ChangeHistoryLength = p.Int("changeHistoryLength", 20),
                TrainingWindowSize = p.Int("trainingWindowSize", 100), SeasonalityWindowSize = p.Int("seasonalityWindowSize", 10),
                ErrorFunction = (ErrorFunction)p.Int("errorFunction", 0), Martingale = (MartingaleType)p.Int("martingale", 1),
                PowerMartingaleEpsilon = p.Get("powerMartingaleEpsilon", 0.1),
            }),
            "sr" => new SrStreamingDetector(new SrStreamingOptions
            {
                WindowSize = p.Int("windowSize", 64), BackAddWindowSize = p.Int("backAddWindowSize", 5), LookaheadWindowSize = p.Int("lookaheadWindowSize", 5),
                AveragingWindowSize = p.Int("averagingWindowSize", 3), JudgementWindowSize = p.Int("judgementWindowSize", 21), Threshold = p.Get("threshold", 0.3),
            }),
            "ewma" => new EwmaChart(new EwmaOptions
            {
                Lambda = p.Get("lambda", 0.2), L = p.Get("l", 3), Mean = p.Opt("mean"), Sigma = p.Opt("sigma"), TrainingSamples = p.Int("trainingSamples", 100),
            }),
            "cusum" => new CusumChart(new CusumOptions
            {
                K = p.Get("k", 0.5), H = p.Get("h", 5), Mean = p.Opt("mean"), Sigma = p.Opt("sigma"), TrainingSamples = p.Int("trainingSamples", 100),
                ResetOnAlarm = p.Get("resetOnAlarm", 1) != 0,
            }),
            "western-electric" or "nelson" => new RunRulesChart(new RunRulesOptions
            {
                Rules = options.Kind.Equals("nelson", StringComparison.OrdinalIgnoreCase) ? RuleSet.Nelson : RuleSet.WesternElectric,
                Mean = p.Opt("mean"), Sigma = p.Opt("sigma"), TrainingSamples = p.Int("trainingSamples", 100),
            }),
            "sfe-ensemble" => new SfeEnsembleDetector(SfeEnsembleOptions.From(p)),
            "sfe-multiscale" => new SfeMultiScaleDetector(SfeMultiScaleOptions.From(p)),
            "stuck" => new StuckSignalDetector(new StuckSignalOptions { Samples = p.Int("samples", 30), Epsilon = p.Get("epsilon", 0) }),
            _ => throw new ArgumentException($"Unknown detector kind '{options.Kind}'; known: {string.Join(", ", Kinds)} (multivariate: {string.Join(", ", MultivariateKinds)}).", nameof(options)),
        };
        p.ThrowOnUnused();
        return d;
    }

    /// <summary>Creates a multivariate detector for rows of <paramref name="dimension"/> values.</summary>
    /// <exception cref="ArgumentException">Unknown kind or parameter.</exception>
    public static IMultivariateDetector CreateMultivariate(DetectorOptions options, int dimension)
    {
        ArgumentNullException.ThrowIfNull(options);
        var p = new Params(options);
        IMultivariateDetector d = options.Kind.ToLowerInvariant() switch
        {
            "pca-t2spe" => new PcaMonitor(dimension, new PcaMonitorOptions
            {
                TrainingRows = p.Int("trainingRows", 400), ExplainedVariance = p.Get("explainedVariance", 0.85), Alpha = p.Get("alpha", 0.001),
                Limits = (ControlLimitMethod)p.Int("limits", 0), LimitFactor = p.Get("limitFactor", 1), MedianWindow = p.Int("medianWindow", 1),
            }),
            "randomized-pca" => new RandomizedPcaDetector(dimension, new RandomizedPcaOptions
            {
                Rank = p.Int("rank", Math.Min(20, Math.Max(1, dimension / 2))), Oversampling = p.Int("oversampling", 20), Seed = p.Int("seed", 0),
                TrainingRows = p.Int("trainingRows", 400), Threshold = p.Get("threshold", 0.5),
            }),
            "sfe-adaptive" => new SfeAdaptiveDetector(dimension, SfeAdaptiveOptions.From(p)),
            "sfe-changepoint" => new SfeChangePointDetector(dimension, SfeChangePointOptions.From(p)),
            _ => throw new ArgumentException($"Unknown multivariate detector kind '{options.Kind}'; known: {string.Join(", ", MultivariateKinds)}.", nameof(options)),
        };
        p.ThrowOnUnused();
        return d;
    }
}

/// <summary>Reads named parameters and remembers which were used, so a misspelt one is reported.</summary>
public sealed class Params
{
    private readonly DetectorOptions _options;
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public Params(DetectorOptions options) => _options = options;

    public double Get(string name, double fallback)
    {
        _used.Add(name);
        return _options.Parameters.TryGetValue(name, out var v) ? v : fallback;
    }

    public double? Opt(string name)
    {
        _used.Add(name);
        return _options.Parameters.TryGetValue(name, out var v) ? v : null;
    }

    public int Int(string name, int fallback)
    {
        var v = Get(name, fallback);
        if (v != Math.Floor(v)) throw new ArgumentException($"Detector '{_options.Kind}': parameter '{name}' must be an integer, got {v}.");
        return (int)v;
    }

    public void ThrowOnUnused()
    {
        // not Parameters.Keys: that caches a key-collection object in every detector's dictionary (10k tags: 0.24 MB)
        var unknown = _options.Parameters.Where(kv => !_used.Contains(kv.Key)).Select(kv => kv.Key).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Detector '{_options.Kind}': unknown parameter(s) {string.Join(", ", unknown)}; known: {string.Join(", ", _used)}.");
    }
}
