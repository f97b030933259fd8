using SmartFactoryEdge.Devices;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// A GPIO line with kernel-like edge events: <see cref="SetLevel"/> changes the level at a timestamp and queues the
/// edge if the request asked for it; the queue drops the oldest beyond the buffer size, as the kernel's kfifo does.
/// </summary>
public sealed class SimulatedGpioLine(int offset, GpioEdgeDetection edges = GpioEdgeDetection.Both, int bufferSize = 16) : GpioLineRequest
{
    private readonly object _gate = new();
    private readonly Queue<GpioEdgeEvent> _events = new();
    private bool _level;
    private uint _sequence;

    public override int Offset => offset;

    public bool Present { get; set; } = true;

    /// <summary>Events dropped because nobody drained the buffer in time.</summary>
    public int Overflows { get; private set; }

    public void SetLevel(bool level, ulong timestampNanoseconds)
    {
        lock (_gate)
        {
            if (level == _level) return;
            _level = level;
            var edge = level ? GpioEdge.Rising : GpioEdge.Falling;
            if (!edges.HasFlag(level ? GpioEdgeDetection.Rising : GpioEdgeDetection.Falling)) return;
            _events.Enqueue(new GpioEdgeEvent(edge, timestampNanoseconds, ++_sequence));
            while (_events.Count > bufferSize)
            {
                _events.Dequeue();
                Overflows++;
            }
        }
    }

    /// <summary>A high pulse of <paramref name="widthNanoseconds"/> starting at <paramref name="startNanoseconds"/>.</summary>
    public void Pulse(ulong startNanoseconds, ulong widthNanoseconds = 1_000_000)
    {
        SetLevel(true, startNanoseconds);
        SetLevel(false, startNanoseconds + widthNanoseconds);
    }

    public override bool Read()
    {
        if (!Present) throw new DeviceNotRespondingException($"sim gpio line {offset}: chip gone.");
        lock (_gate) return _level;
    }

    public override void Write(bool value) => SetLevel(value, 0);

    public override int ReadEdgeEvents(Span<GpioEdgeEvent> events)
    {
        if (!Present) throw new DeviceNotRespondingException($"sim gpio line {offset}: chip gone.");
        lock (_gate)
        {
            var n = 0;
            while (n < events.Length && _events.TryDequeue(out var e)) events[n++] = e;
            return n;
        }
    }
}
