using SmartFactoryEdge.Anomaly.Configuration;

namespace SmartFactoryEdge.Anomaly.Tests;

/// <summary>Every detector kind with small parameters suited to short synthetic series.</summary>
internal static class DetectorCatalog
{
    public static DetectorOptions Uni(string kind, params (string, double)[] p) =>
        new() { Kind = kind, Parameters = p.ToDictionary(x => x.Item1, x => x.Item2, StringComparer.OrdinalIgnoreCase) };

    public static IEnumerable<DetectorOptions> Univariate =>
    [
        Uni("iid-spike", ("pvalueHistoryLength", 100), ("confidence", 99)),
        Uni("iid-changepoint", ("changeHistoryLength", 20), ("confidence", 95)),
        Uni("ssa-spike", ("trainingWindowSize", 100), ("seasonalityWindowSize", 10)),
        Uni("ssa-changepoint", ("trainingWindowSize", 100), ("seasonalityWindowSize", 10)),
        Uni("sr"),
        Uni("ewma"),
        Uni("cusum"),
        Uni("western-electric"),
        Uni("nelson"),
        Uni("sfe-ensemble", ("window", 300), ("history", 300), ("suppress", 50)),
        Uni("sfe-multiscale", ("window", 300), ("history", 300), ("suppress", 50), ("seasonalLearn", 200), ("rebinEvery", 200)),
        Uni("stuck", ("samples", 20)),
    ];

    public static IEnumerable<DetectorOptions> Multivariate =>
    [
        Uni("pca-t2spe", ("trainingRows", 200)),
        Uni("randomized-pca", ("trainingRows", 200), ("rank", 2), ("threshold", 0.8)),
        Uni("sfe-adaptive", ("trainingRows", 200), ("settleRows", 50)),
        Uni("sfe-changepoint", ("trainingRows", 200), ("settleRows", 50)),
    ];

    public static TheoryData<string> UnivariateKinds() => new(Univariate.Select(d => d.Kind));

    public static TheoryData<string> MultivariateKinds() => new(Multivariate.Select(d => d.Kind));

    public static IStreamingDetector Create(string kind) => DetectorFactory.Create(Univariate.Single(d => d.Kind == kind));

    public static IMultivariateDetector CreateMulti(string kind, int dim) => DetectorFactory.CreateMultivariate(Multivariate.Single(d => d.Kind == kind), dim);

    /// <summary>Gaussian noise around 10 (σ 1) with a seed.</summary>
    public static double[] Noise(int n, int seed, double sigma = 1)
    {
        var rng = new Random(seed);
        var x = new double[n];
        for (var i = 0; i < n; i++) x[i] = 10 + sigma * Gaussian(rng);
        return x;
    }

    public static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Correlated rows: a common load drives all channels, plus independent noise.</summary>
    public static double[][] Rows(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        var rows = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var load = Gaussian(rng);
            rows[i] = new double[dim];
            for (var j = 0; j < dim; j++) rows[i][j] = 5 + j + (0.5 + 0.1 * j) * load + 0.1 * Gaussian(rng);
        }

        return rows;
    }
}
