namespace SmartFactoryEdge.Anomaly.Spc;

/// <summary>Options for <see cref="CusumChart"/> (tabular CUSUM; k and h in sigmas).</summary>
public sealed record CusumOptions
{
    /// <summary>Allowance (slack) k in sigmas, half the shift to detect (default 0.5).</summary>
    public double K { get; init; } = 0.5;

    /// <summary>Decision interval h in sigmas (default 5).</summary>
    public double H { get; init; } = 5;

    public double? Mean { get; init; }

    public double? Sigma { get; init; }

    public int TrainingSamples { get; init; } = 100;

    /// <summary>Restart both sums at zero after an alarm (default true).</summary>
    public bool ResetOnAlarm { get; init; } = true;
}

/// <summary>
/// Two-sided tabular CUSUM (Page 1954; Montgomery §9.1): C⁺ = max(0, x − (μ + kσ) + C⁺), C⁻ = max(0, (μ − kσ) − x + C⁻),
/// alarm when either exceeds hσ. Output: Score = max(C⁺, C⁻)/σ, Statistic = C⁺ − C⁻ (signed, in σ).
/// </summary>
public sealed class CusumChart : IStreamingDetector
{
    private const int Version = 1;
    private Baseline _baseline;
    private double _hi, _lo;

    public CusumChart(CusumOptions? options = null)
    {
        Options = options ?? new CusumOptions();
        if (!(Options.H > 0) || Options.K < 0) throw new ArgumentOutOfRangeException(nameof(options), "CUSUM needs h > 0 and k ≥ 0.");
        _baseline = new Baseline(Options.Mean, Options.Sigma, Options.TrainingSamples);
    }

    public CusumOptions Options { get; }

    public string Kind => "cusum";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        if (!_baseline.IsReady)
        {
            _baseline.Learn(value);
            return DetectorOutput.WarmingUp;
        }

        var z = (value - _baseline.Mean) / _baseline.Sigma;
        _hi = Math.Max(0, _hi + z - Options.K);
        _lo = Math.Max(0, _lo - z - Options.K);
        var s = Math.Max(_hi, _lo);
        var signed = _hi - _lo;
        var alert = s > Options.H;
        if (alert && Options.ResetOnAlarm)
        {
            _hi = 0;
            _lo = 0;
        }

        var ratio = s / Options.H;
        return new DetectorOutput(alert, s, double.NaN, signed, ratio / (1 + ratio), Options.H);
    }

    public void Reset()
    {
        _baseline.Reset();
        _hi = _lo = 0;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _baseline.Write(writer);
        writer.WriteDouble(_hi);
        writer.WriteDouble(_lo);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _baseline.Read(ref reader);
        _hi = reader.ReadDouble();
        _lo = reader.ReadDouble();
    }
}
