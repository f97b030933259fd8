using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Anomaly;
using SmartFactoryEdge.Anomaly.Ensemble;
using SmartFactoryEdge.Anomaly.Iid;
using SmartFactoryEdge.Anomaly.Pca;
using SmartFactoryEdge.Anomaly.Spc;
using SmartFactoryEdge.Anomaly.SpectralResidual;
using SmartFactoryEdge.Anomaly.Ssa;

namespace SmartFactoryEdge.Benchmarks.Anomaly;

/// <summary>Shared input: a noisy daily cycle, so every detector works in steady state. Results are per sample (OperationsPerInvoke).</summary>
public abstract class DetectorBenchmarkBase
{
    protected const int N = 65_536;
    protected double[] Series = [];

    [GlobalSetup]
    public void CreateSeries()
    {
        var rng = new Random(1);
        Series = new double[N];
        for (var i = 0; i < N; i++) Series[i] = 20 + 3 * Math.Sin(2 * Math.PI * i / 288) + rng.NextDouble();
        Setup();
    }

    protected abstract void Setup();

    protected static double Run(IStreamingDetector d, double[] x)
    {
        var s = 0.0;
        for (var i = 0; i < x.Length; i++) s += d.Update(x[i]).Score;
        return s;
    }

    protected static void Warm(IStreamingDetector d, double[] x)
    {
        for (var i = 0; i < 4096; i++) d.Update(x[i]);
    }
}

/// <summary>EWMA and CUSUM charts (target ≥ 50M samples/s).</summary>
[MemoryDiagnoser]
public class SpcChartBenchmarks : DetectorBenchmarkBase
{
    private EwmaChart _ewma = null!;
    private CusumChart _cusum = null!;

    protected override void Setup()
    {
        _ewma = new EwmaChart();
        _cusum = new CusumChart();
        Warm(_ewma, Series);
        Warm(_cusum, Series);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public double Ewma()
    {
        var s = 0.0;
        var x = Series;
        for (var i = 0; i < x.Length; i++) s += _ewma.Update(x[i]).Score;
        return s;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public double Cusum()
    {
        var s = 0.0;
        var x = Series;
        for (var i = 0; i < x.Length; i++) s += _cusum.Update(x[i]).Score;
        return s;
    }
}

/// <summary>The ML.NET-compatible detectors at ML.NET's default parameters (targets: IID and SSA ≥ 2M/s, SR ≥ 1M/s).</summary>
[MemoryDiagnoser]
public class MlNetDetectorBenchmarks : DetectorBenchmarkBase
{
    private IStreamingDetector _iidSpike = null!, _iidCp = null!, _ssaSpike = null!, _ssaCp = null!, _sr = null!, _ensemble = null!;

    protected override void Setup()
    {
        _iidSpike = new IidSpikeDetector();
        _iidCp = new IidChangePointDetector();
        _ssaSpike = new SsaSpikeDetector();
        _ssaCp = new SsaChangePointDetector();
        _sr = new SrStreamingDetector();
        _ensemble = new SfeEnsembleDetector();
        foreach (var d in new[] { _iidSpike, _iidCp, _ssaSpike, _ssaCp, _sr, _ensemble }) Warm(d, Series);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public double IidSpike() => Run(_iidSpike, Series);

    [Benchmark(OperationsPerInvoke = N)]
    public double IidChangePoint() => Run(_iidCp, Series);

    [Benchmark(OperationsPerInvoke = N)]
    public double SsaSpike() => Run(_ssaSpike, Series);

    [Benchmark(OperationsPerInvoke = N)]
    public double SsaChangePoint() => Run(_ssaCp, Series);

    [Benchmark(OperationsPerInvoke = N)]
    public double SrStreaming() => Run(_sr, Series);

    [Benchmark(OperationsPerInvoke = N)]
    public double SfeEnsemble() => Run(_ensemble, Series);
}

/// <summary>Multivariate monitors on rows of 8 variables (target: PCA T²/SPE ≥ 10M rows/s).</summary>
[MemoryDiagnoser]
public class MultivariateBenchmarks
{
    private const int Rows = 16_384;
    private const int Dim = 8;
    private double[] _rows = [];
    private PcaMonitor _pca = null!;
    private SfeAdaptiveDetector _adaptive = null!;
    private RandomizedPcaDetector _rpca = null!;

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

        _pca = new PcaMonitor(Dim);
        _adaptive = new SfeAdaptiveDetector(Dim);
        _rpca = new RandomizedPcaDetector(Dim, new RandomizedPcaOptions { Rank = 3 });
        for (var r = 0; r < 1000; r++)
        {
            var row = _rows.AsSpan(r * Dim, Dim);
            _pca.Update(row);
            _adaptive.Update(row);
            _rpca.Update(row);
        }
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public double PcaT2Spe()
    {
        var s = 0.0;
        for (var r = 0; r < Rows; r++) s += _pca.Update(_rows.AsSpan(r * Dim, Dim)).Score;
        return s;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public double RandomizedPca()
    {
        var s = 0.0;
        for (var r = 0; r < Rows; r++) s += _rpca.Update(_rows.AsSpan(r * Dim, Dim)).Score;
        return s;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public double SfeAdaptive()
    {
        var s = 0.0;
        for (var r = 0; r < Rows; r++) s += _adaptive.Update(_rows.AsSpan(r * Dim, Dim)).Score;
        return s;
    }
}
