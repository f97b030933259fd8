namespace SmartFactoryEdge.Devices.Adxl345;

/// <summary>
/// Vibration features over a window, in m/s², after removing each axis' mean (gravity and offset):
/// RMS per axis, peak = the largest absolute AC value on any axis, crest factor = peak / RMS of that axis.
/// A pure sine has a crest factor of √2; bearing impacts raise it.
/// </summary>
public readonly record struct VibrationFeatures(
    double RmsXMetersPerSecondSquared,
    double RmsYMetersPerSecondSquared,
    double RmsZMetersPerSecondSquared,
    double PeakMetersPerSecondSquared,
    double CrestFactor)
{
    /// <summary>Computes the features over equally long axis windows.</summary>
    public static VibrationFeatures Compute(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z)
    {
        if (x.Length == 0 || x.Length != y.Length || x.Length != z.Length) throw new ArgumentException("Axis windows must be non-empty and equally long.");
        var (rx, px) = Axis(x);
        var (ry, py) = Axis(y);
        var (rz, pz) = Axis(z);
        double peak = px, rms = rx;
        if (py > peak) { peak = py; rms = ry; }
        if (pz > peak) { peak = pz; rms = rz; }
        return new VibrationFeatures(rx, ry, rz, peak, rms > 0 ? peak / rms : 0.0);
    }

    private static (double Rms, double Peak) Axis(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (var v in values) mean += v;
        mean /= values.Length;
        double sumSquares = 0, peak = 0;
        foreach (var v in values)
        {
            var ac = v - mean;
            sumSquares += ac * ac;
            peak = Math.Max(peak, Math.Abs(ac));
        }
        return (Math.Sqrt(sumSquares / values.Length), peak);
    }
}

/// <summary>A sliding window of the last N three-axis samples.</summary>
public sealed class VibrationWindow
{
    private readonly double[] _x, _y, _z;
    private int _next;

    public VibrationWindow(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        _x = new double[length];
        _y = new double[length];
        _z = new double[length];
    }

    public int Length => _x.Length;

    public int Count { get; private set; }

    public bool IsFull => Count == Length;

    public void Add(double x, double y, double z)
    {
        _x[_next] = x;
        _y[_next] = y;
        _z[_next] = z;
        _next = (_next + 1) % Length;
        if (Count < Length) Count++;
    }

    public void Clear()
    {
        Count = 0;
        _next = 0;
    }

    /// <summary>False until the window is full.</summary>
    public bool TryGetFeatures(out VibrationFeatures features)
    {
        features = default;
        if (!IsFull) return false;
        features = VibrationFeatures.Compute(_x, _y, _z); // order does not matter for these features
        return true;
    }
}
