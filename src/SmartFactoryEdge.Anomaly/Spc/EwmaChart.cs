namespace SmartFactoryEdge.Anomaly.Spc;

/// <summary>Options for <see cref="EwmaChart"/>.</summary>
public sealed record EwmaOptions
{
    /// <summary>Smoothing weight λ in (0, 1] (default 0.2).</summary>
    public double Lambda { get; init; } = 0.2;

    /// <summary>Limit width L in sigmas (default 3).</summary>
    public double L { get; init; } = 3;

    /// <summary>Known in-control mean; null to learn it from the first <see cref="TrainingSamples"/>.</summary>
    public double? Mean { get; init; }

    public double? Sigma { get; init; }

    public int TrainingSamples { get; init; } = 100;
}

/// <summary>
/// EWMA control chart (Roberts 1959; Montgomery, "Introduction to Statistical Quality Control", §9.2): z = λx + (1 − λ)z,
/// limits μ ± Lσ·sqrt(λ/(2 − λ)·(1 − (1 − λ)^{2t})). Output: Score = z, Statistic = |z − μ| / limit half-width.
/// </summary>
public sealed class EwmaChart : IStreamingDetector
{
    private const int Version = 1;
    private readonly double _lambda, _l, _decay2;
    private Baseline _baseline;
    private double _z, _decayPow; // (1 − λ)^{2t}

    public EwmaChart(EwmaOptions? options = null)
    {
        Options = options ?? new EwmaOptions();
        if (Options.Lambda is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), Options.Lambda, "Lambda must be in (0, 1].");
        _lambda = Options.Lambda;
        _l = Options.L;
        _decay2 = (1 - _lambda) * (1 - _lambda);
        _baseline = new Baseline(Options.Mean, Options.Sigma, Options.TrainingSamples);
        Reset();
    }

    public EwmaOptions Options { get; }

    public string Kind => "ewma";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        if (!_baseline.IsReady)
        {
            if (_baseline.Learn(value)) _z = _baseline.Mean;
            return DetectorOutput.WarmingUp;
        }

        _z = _lambda * value + (1 - _lambda) * _z;
        _decayPow *= _decay2;
        var half = _l * _baseline.Sigma * Math.Sqrt(_lambda / (2 - _lambda) * (1 - _decayPow));
        var ratio = Math.Abs(_z - _baseline.Mean) / half;
        return new DetectorOutput(ratio > 1, _z, double.NaN, ratio, ratio / (1 + ratio), half);
    }

    public void Reset()
    {
        _baseline.Reset();
        _z = _baseline.Mean;
        _decayPow = 1;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _baseline.Write(writer);
        writer.WriteDouble(_z);
        writer.WriteDouble(_decayPow);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _baseline.Read(ref reader);
        _z = reader.ReadDouble();
        _decayPow = reader.ReadDouble();
    }
}
