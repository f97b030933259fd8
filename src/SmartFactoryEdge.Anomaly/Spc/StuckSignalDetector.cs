namespace SmartFactoryEdge.Anomaly.Spc;

/// <summary>Options for <see cref="StuckSignalDetector"/>.</summary>
public sealed record StuckSignalOptions
{
    /// <summary>Consecutive unchanged samples (|Δ| ≤ <see cref="Epsilon"/>) that make a stuck signal (default 30).</summary>
    public int Samples { get; init; } = 30;

    /// <summary>The largest change still counted as "no change", in the signal's units (default 0: bit-identical values).</summary>
    public double Epsilon { get; init; }
}

/// <summary>
/// A frozen (stuck, flat-lined) signal: a sensor or a data path that repeats its last value while a live process value always
/// moves with its noise. Alert while the value has not changed by more than ε for at least N consecutive samples.
/// Output: Score = the length of the current unchanged run, Threshold = N, Statistic = |Δ| of this sample. O(1), no buffers.
/// Not for quantised or slow signals that legitimately repeat (a counter, an on/off state): choose N above their longest
/// normal plateau, or a larger ε only if the noise is larger still.
/// </summary>
public sealed class StuckSignalDetector : IStreamingDetector
{
    private const int Version = 1;
    private double _last = double.NaN;
    private int _run;

    public StuckSignalDetector(StuckSignalOptions? options = null)
    {
        Options = options ?? new StuckSignalOptions();
        if (Options.Samples < 1 || !(Options.Epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(options), "stuck needs samples ≥ 1 and epsilon ≥ 0.");
    }

    public StuckSignalOptions Options { get; }

    public string Kind => "stuck";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        if (double.IsNaN(_last))
        {
            _last = value;
            return DetectorOutput.WarmingUp;
        }

        var delta = Math.Abs(value - _last);
        _last = value;
        _run = delta <= Options.Epsilon ? _run + 1 : 0;
        var ratio = (double)_run / Options.Samples;
        return new DetectorOutput(_run >= Options.Samples, _run, double.NaN, delta, Math.Min(1, ratio), Options.Samples);
    }

    public void Reset()
    {
        _last = double.NaN;
        _run = 0;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        writer.WriteDouble(_last);
        writer.WriteInt32(_run);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        var last = reader.ReadDouble();
        var run = reader.ReadInt32();
        if (run < 0) throw new InvalidDataException($"stuck: negative run length {run}.");
        _last = last;
        _run = run;
    }
}
