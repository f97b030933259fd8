namespace SmartFactoryEdge.Devices.Buses;

/// <summary>Which edge a GPIO event saw.</summary>
public enum GpioEdge : byte
{
    Rising = 1,
    Falling = 2,
}

/// <summary>Which edges a line request reports.</summary>
[Flags]
public enum GpioEdgeDetection : byte
{
    None = 0,
    Rising = 1,
    Falling = 2,
    Both = Rising | Falling,
}

/// <summary>Line bias.</summary>
public enum GpioBias : byte
{
    AsIs = 0,
    Disabled,
    PullUp,
    PullDown,
}

/// <summary>An edge event with the kernel's timestamp (CLOCK_MONOTONIC, nanoseconds) and sequence number.</summary>
public readonly record struct GpioEdgeEvent(GpioEdge Edge, ulong TimestampNanoseconds, uint SequenceNumber);

/// <summary>How to request a line.</summary>
public sealed record GpioLineRequestOptions
{
    public required int Offset { get; init; }

    public bool Output { get; init; }

    public bool ActiveLow { get; init; }

    public GpioBias Bias { get; init; }

    public GpioEdgeDetection Edges { get; init; }

    /// <summary>Hardware (kernel) debounce period; zero for none. The counter also debounces in software.</summary>
    public TimeSpan Debounce { get; init; }

    /// <summary>Consumer label shown by gpioinfo.</summary>
    public string Consumer { get; init; } = "sfe";

    /// <summary>Kernel event buffer size (0 = the kernel's default, 16 per line).</summary>
    public int EventBufferSize { get; init; }
}

/// <summary>A requested GPIO line: value access and buffered edge events.</summary>
public abstract class GpioLineRequest : IDisposable
{
    public abstract int Offset { get; }

    /// <summary>The logical value (after active-low inversion).</summary>
    public abstract bool Read();

    public abstract void Write(bool value);

    /// <summary>Copies the pending edge events into <paramref name="events"/> without blocking; returns how many.</summary>
    public abstract int ReadEdgeEvents(Span<GpioEdgeEvent> events);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}

/// <summary>A GPIO chip (a gpiochip character device): requests lines.</summary>
public abstract class GpioChip : IDisposable
{
    public abstract string Name { get; }

    public abstract string Label { get; }

    public abstract int LineCount { get; }

    public abstract GpioLineRequest RequestLine(GpioLineRequestOptions options);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
