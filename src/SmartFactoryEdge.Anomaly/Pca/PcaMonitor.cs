using MathNet.Numerics.Distributions;
using System.Runtime.Intrinsics;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Pca;

/// <summary>How the T² and SPE control limits are set.</summary>
public enum ControlLimitMethod
{
    /// <summary>T²: Hotelling's F-distribution limit; SPE: Jackson–Mudholkar.</summary>
    Theoretical,

    /// <summary>T²: F limit; SPE: Box's scaled χ² approximation g·χ²(h).</summary>
    Box,

    /// <summary>Both: the (1 − α) empirical quantile of the training rows' own statistics.</summary>
    Empirical,
}

/// <summary>Options for <see cref="PcaMonitor"/>.</summary>
public sealed record PcaMonitorOptions
{
    /// <summary>Rows of normal operation collected first and fitted on (SKAB convention: 400).</summary>
    public int TrainingRows { get; init; } = 400;

    /// <summary>Retained components explain at least this fraction of the variance (default 0.85).</summary>
    public double ExplainedVariance { get; init; } = 0.85;

    /// <summary>False-alarm rate the limits are set for (default 0.001).</summary>
    public double Alpha { get; init; } = 0.001;

    public ControlLimitMethod Limits { get; init; } = ControlLimitMethod.Theoretical;

    /// <summary>Multiplier on both limits (SKAB's recipe uses 2×UCL for T²; 1 is textbook).</summary>
    public double LimitFactor { get; init; } = 1;

    /// <summary>Causal median over this many statistics before comparing (1 = none; SKAB baselines use 5).</summary>
    public int MedianWindow { get; init; } = 1;

    /// <summary>Standardise each variable by its training standard deviation (default true).</summary>
    public bool Standardise { get; init; } = true;
}

/// <summary>
/// PCA process monitor: Hotelling's T² in the retained principal subspace and the squared prediction error (SPE, Q) in
/// the residual subspace, with control limits (MacGregor &amp; Kourti, "Statistical process control of multivariate processes",
/// Control Eng. Practice 3(3), 1995; Jackson &amp; Mudholkar, Technometrics 21(3), 1979). Trains itself on the first
/// <see cref="PcaMonitorOptions.TrainingRows"/> rows. Alert when T² &gt; limit or SPE &gt; limit. Output: Score = T²,
/// Statistic = SPE, Level = max ratio to limit mapped to [0, 1], Threshold = 1 (ratio). Zero allocations per row after training.
/// </summary>
public sealed class PcaMonitor : IMultivariateDetector
{
    private const int Version = 1;
    private readonly double[] _training;
    private readonly double[] _z;
    private readonly RingBuffer _t2History;
    private readonly RingBuffer _speHistory;
    private readonly double[] _medianScratch;
    private int _trainCount;
    private double[] _mean = [], _invScale = [];
    private readonly int _dp; // dimension padded to a multiple of 4
    private double[] _p = []; // [k × dp] retained eigenvectors
    private double[] _invLambda = []; // 1/λ per retained component
    private readonly double[] _r; // residual scratch
    private int _k;

    public PcaMonitor(int dimension, PcaMonitorOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        Options = options ?? new PcaMonitorOptions();
        if (Options.TrainingRows < dimension + 2) throw new ArgumentOutOfRangeException(nameof(options), Options.TrainingRows, $"TrainingRows must exceed the dimension + 1 ({dimension + 1}).");
        Dimension = dimension;
        _training = new double[Options.TrainingRows * dimension];
        _dp = (dimension + 3) / 4 * 4;
        _z = new double[_dp];
        _r = new double[_dp];
        _t2History = new RingBuffer(Math.Max(1, Options.MedianWindow));
        _speHistory = new RingBuffer(Math.Max(1, Options.MedianWindow));
        _medianScratch = new double[Math.Max(1, Options.MedianWindow)];
    }

    public PcaMonitorOptions Options { get; }

    public string Kind => "pca-t2spe";

    public int Dimension { get; }

    public bool IsTrained => _trainCount >= Options.TrainingRows;

    /// <summary>Retained components.</summary>
    public int Components => _k;

    public double T2Limit { get; private set; } = double.NaN;

    public double SpeLimit { get; private set; } = double.NaN;

    public DetectorOutput Update(ReadOnlySpan<double> row)
    {
        if (row.Length != Dimension) throw new ArgumentException($"Row has {row.Length} values, the monitor {Dimension}.", nameof(row));
        foreach (var v in row)
            if (double.IsNaN(v)) return DetectorOutput.WarmingUp;
        if (!IsTrained)
        {
            row.CopyTo(_training.AsSpan(_trainCount * Dimension, Dimension));
            if (++_trainCount == Options.TrainingRows) Train();
            return DetectorOutput.WarmingUp;
        }

        var (t2, spe) = Statistics(row);
        if (Options.MedianWindow > 1)
        {
            _t2History.Add(t2);
            _speHistory.Add(spe);
            t2 = Median(_t2History);
            spe = Median(_speHistory);
        }

        var ratio = Math.Max(t2 / T2Limit, spe / SpeLimit);
        var level = ratio / (1 + ratio);
        return new DetectorOutput(ratio > 1, t2, double.NaN, spe, level, 1);
    }

    private double Median(RingBuffer b)
    {
        var s = _medianScratch.AsSpan(0, b.Count);
        b.CopyTo(s);
        s.Sort();
        var c = s.Length;
        return c % 2 == 1 ? s[c / 2] : (s[c / 2 - 1] + s[c / 2]) / 2;
    }

    /// <summary>T² and SPE of one row (after training). Vectorised over the (padded) variables.</summary>
    public (double T2, double Spe) Statistics(ReadOnlySpan<double> row)
    {
        var d = Dimension;
        var dp = _dp;
        var z = _z;
        var r = _r;
        for (var j = 0; j < d; j++) z[j] = (row[j] - _mean[j]) * _invScale[j]; // pads stay 0
        z.AsSpan().CopyTo(r);
        var t2 = 0.0;
        for (var c = 0; c < _k; c++)
        {
            var pc = _p.AsSpan(c * dp, dp);
            var acc = Vector256<double>.Zero;
            for (var j = 0; j < dp; j += 4) acc = Vector256.FusedMultiplyAdd(Vector256.Create(pc.Slice(j, 4)), Vector256.Create(z.AsSpan(j, 4)), acc);
            var t = Vector256.Sum(acc);
            t2 += t * t * _invLambda[c];
            var vt = Vector256.Create(-t);
            for (var j = 0; j < dp; j += 4)
                Vector256.FusedMultiplyAdd(vt, Vector256.Create(pc.Slice(j, 4)), Vector256.Create(r.AsSpan(j, 4))).CopyTo(r.AsSpan(j, 4));
        }

        var sq = Vector256<double>.Zero;
        for (var j = 0; j < dp; j += 4)
        {
            var v = Vector256.Create(r.AsSpan(j, 4));
            sq = Vector256.FusedMultiplyAdd(v, v, sq);
        }

        return (t2, Vector256.Sum(sq));
    }

    private void Train()
    {
        var n = Options.TrainingRows;
        var d = Dimension;
        var fit = PcaFit.Fit(_training, n, d, Options.Standardise);
        _mean = fit.Mean;
        _invScale = fit.Scale.Select(s => 1 / s).ToArray();
        _k = fit.ComponentsFor(Options.ExplainedVariance);
        _p = new double[_k * _dp];
        _invLambda = new double[_k];
        for (var c = 0; c < _k; c++)
        {
            _invLambda[c] = 1 / Math.Max(fit.EigenValues[c], 1e-12);
            for (var j = 0; j < d; j++) _p[c * _dp + j] = fit.EigenVectors[j, c];
        }

        var alpha = Options.Alpha;
        double t2Limit, speLimit;
        if (Options.Limits == ControlLimitMethod.Empirical)
        {
            var t2s = new double[n];
            var spes = new double[n];
            for (var r = 0; r < n; r++) (t2s[r], spes[r]) = Statistics(_training.AsSpan(r * d, d));
            t2Limit = Quantiles.Of(t2s, 1 - alpha);
            speLimit = Quantiles.Of(spes, 1 - alpha);
        }
        else
        {
            t2Limit = _k * (n - 1.0) * (n + 1.0) / (n * (n - (double)_k)) * FisherSnedecor.InvCDF(_k, n - _k, 1 - alpha);
            double th1 = 0, th2 = 0, th3 = 0;
            for (var c = _k; c < d; c++)
            {
                var l = fit.EigenValues[c];
                th1 += l;
                th2 += l * l;
                th3 += l * l * l;
            }

            if (th1 <= 1e-12) speLimit = 1e-9;
            else if (Options.Limits == ControlLimitMethod.Box)
            {
                var g = th2 / th1;
                var h = th1 * th1 / th2;
                speLimit = g * ChiSquared.InvCDF(h, 1 - alpha);
            }
            else
            {
                var h0 = 1 - 2 * th1 * th3 / (3 * th2 * th2);
                var ca = Normal.InvCDF(0, 1, 1 - alpha);
                speLimit = th1 * Math.Pow(ca * Math.Sqrt(2 * th2 * h0 * h0) / th1 + 1 + th2 * h0 * (h0 - 1) / (th1 * th1), 1 / h0);
            }
        }

        T2Limit = t2Limit * Options.LimitFactor;
        SpeLimit = Math.Max(speLimit, 1e-12) * Options.LimitFactor;
    }

    public void Reset()
    {
        _trainCount = 0;
        _k = 0;
        _t2History.Clear();
        _speHistory.Clear();
        T2Limit = SpeLimit = double.NaN;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        writer.WriteInt32(_trainCount);
        writer.WriteDoubles(_training);
        _t2History.Write(writer);
        _speHistory.Write(writer);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        var count = reader.ReadInt32();
        if (count < 0 || count > Options.TrainingRows) throw new InvalidDataException($"PCA checkpoint training count {count} out of range.");
        reader.ReadDoubles(_training);
        _trainCount = count;
        if (IsTrained) Train(); // deterministic refit from the stored training rows
        _t2History.Read(ref reader);
        _speHistory.Read(ref reader);
    }
}
