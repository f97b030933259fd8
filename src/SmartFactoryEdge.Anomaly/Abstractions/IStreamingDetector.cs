namespace SmartFactoryEdge.Anomaly;

/// <summary>
/// A univariate detector that sees one value at a time, in time order, and only the past.
/// Implementations preallocate every buffer in the constructor: <see cref="Update"/> never allocates.
/// Not thread-safe: one instance per tag, driven by one consumer.
/// </summary>
public interface IStreamingDetector : ICheckpointable
{
    /// <summary>A short stable name, e.g. "iid-spike", "sr", "ewma" (used in events and evaluation output).</summary>
    string Kind { get; }

    /// <summary>Feeds the next value and returns the verdict on it. NaN inputs are ignored (warming-up output, state unchanged).</summary>
    DetectorOutput Update(double value);

    /// <summary>Forgets everything learned; the next update starts from scratch.</summary>
    void Reset();
}

/// <summary>A detector over rows of a fixed number of variables (one asset), e.g. PCA T²/SPE on 8 pump channels.</summary>
public interface IMultivariateDetector : ICheckpointable
{
    string Kind { get; }

    /// <summary>Number of variables per row.</summary>
    int Dimension { get; }

    /// <summary>Feeds the next row (length <see cref="Dimension"/>) and returns the verdict on it.</summary>
    DetectorOutput Update(ReadOnlySpan<double> row);

    void Reset();
}

/// <summary>State that can be written to bytes and read back, so a restarted gateway continues where it stopped.</summary>
public interface ICheckpointable
{
    /// <summary>Writes the complete mutable state (buffers, counters, fitted model) after a format header.</summary>
    void WriteState(StateWriter writer);

    /// <summary>Restores state written by <see cref="WriteState"/> on a detector built with the same options.</summary>
    /// <exception cref="InvalidDataException">The bytes were written by another detector kind or other options.</exception>
    void ReadState(ref StateReader reader);
}

/// <summary>Checkpoint helpers.</summary>
public static class Checkpoint
{
    /// <summary>The detector's state as a byte array.</summary>
    public static byte[] Save(ICheckpointable detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var w = new StateWriter();
        detector.WriteState(w);
        return w.ToArray();
    }

    /// <summary>Restores a state produced by <see cref="Save"/>.</summary>
    public static void Restore(ICheckpointable detector, ReadOnlySpan<byte> state)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var r = new StateReader(state);
        detector.ReadState(ref r);
        if (r.Remaining != 0) throw new InvalidDataException($"Checkpoint has {r.Remaining} trailing bytes at offset {r.Offset}.");
    }
}
