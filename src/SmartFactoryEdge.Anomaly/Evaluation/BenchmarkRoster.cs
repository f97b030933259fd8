using SmartFactoryEdge.Anomaly.Configuration;

namespace SmartFactoryEdge.Anomaly.Evaluation;

/// <summary>The detectors `sfe eval` runs, with the one parameter set each uses on every file.</summary>
public static class BenchmarkRoster
{
    /// <summary>Univariate detectors for NAB (kind → parameters).</summary>
    public static IReadOnlyList<DetectorOptions> Nab { get; } =
    [
        D("iid-spike"),
        D("iid-changepoint"),
        D("ssa-spike"),
        D("ssa-changepoint"),
        D("sr"),
        D("ewma"),
        D("cusum"),
        D("western-electric"),
        D("sfe-ensemble"),
        D("sfe-multiscale"),
    ];

    /// <summary>Multivariate detectors for SKAB.</summary>
    public static IReadOnlyList<DetectorOptions> Skab { get; } =
    [
        D("pca-t2spe", ("trainingRows", 400), ("explainedVariance", 0.85), ("alpha", 0.001), ("medianWindow", 5)),
        D("randomized-pca", ("rank", 3), ("trainingRows", 400), ("threshold", 0.5)),
        D("sfe-adaptive"),
        D("sfe-changepoint"),
    ];

    private static DetectorOptions D(string kind, params (string Name, double Value)[] p) =>
        new() { Kind = kind, Parameters = p.ToDictionary(x => x.Name, x => x.Value, StringComparer.OrdinalIgnoreCase) };

    /// <summary>Applies "kind.parameter=value" overrides and an optional name filter.</summary>
    public static IReadOnlyList<DetectorOptions> Select(IReadOnlyList<DetectorOptions> roster, IReadOnlyCollection<string>? only, IEnumerable<string>? overrides)
    {
        var list = roster.Where(d => only is null || only.Count == 0 || only.Contains(d.Kind, StringComparer.OrdinalIgnoreCase))
            .Select(d => d with { Parameters = new Dictionary<string, double>(d.Parameters, StringComparer.OrdinalIgnoreCase) }).ToList();
        foreach (var o in overrides ?? [])
        {
            var eq = o.IndexOf('=');
            var dot = o.IndexOf('.');
            if (eq < 0 || dot < 0 || dot > eq) throw new ArgumentException($"Override '{o}' must look like kind.parameter=value.");
            var kind = o[..dot];
            var name = o[(dot + 1)..eq];
            var value = double.Parse(o[(eq + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            foreach (var d in list.Where(d => d.Kind.Equals(kind, StringComparison.OrdinalIgnoreCase))) d.Parameters[name] = value;
        }

        return list;
    }
}
