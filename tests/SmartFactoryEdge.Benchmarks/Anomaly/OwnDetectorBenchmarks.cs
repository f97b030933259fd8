using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Anomaly;
using SmartFactoryEdge.Anomaly.ChangePoint;
using SmartFactoryEdge.Anomaly.Ensemble;

namespace SmartFactoryEdge.Benchmarks.Anomaly;

/// <summary>sfe-multiscale (univariate, NAB) per sample, at its default parameters (target ≥ 1M samples/s, zero allocation).</summary>
[MemoryDiagnoser]
public class MultiScaleBenchmarks : DetectorBenchmarkBase
{
    private IStreamingDetector _multiScale = null!;

    protected override void Setup()
    {
        _multiScale = new SfeMultiScaleDetector();
        Warm(_multiScale, Series);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public double SfeMultiScale() => Run(_multiScale, Series);
}

/// <summary>sfe-changepoint (multivariate, SKAB change points) per row of 8 variables (target ≥ 1M rows/s, zero allocation).</summary>
[MemoryDiagnoser]
public class ChangePointBenchmarks
{
    private const int Rows = 16_384;
    private const int Dim = 8;
    private double[] _rows = [];
    private SfeChangePointDetector _cp = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2);
        _rows = new double[Rows * Dim];
        for (var r = 0; r < Rows; r++)
        {
            var load = rng.NextDouble();
            for (var j = 0; j < Dim; j++) _rows[r * Dim + j] = j + (1 + 0.1 * j) * load + 0.05 * rng.NextDouble();
        }

        _cp = new SfeChangePointDetector(Dim);
        for (var r = 0; r < 1000; r++) _cp.Update(_rows.AsSpan(r * Dim, Dim));
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public double SfeChangePoint()
    {
        var s = 0.0;
        for (var r = 0; r < Rows; r++) s += _cp.Update(_rows.AsSpan(r * Dim, Dim)).Score;
        return s;
    }
}
