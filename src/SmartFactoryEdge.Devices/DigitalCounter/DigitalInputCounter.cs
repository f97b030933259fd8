using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.DigitalCounter;

/// <summary>
/// Counts parts from a digital input (a light barrier, a cam switch, a PLC output through an opto-coupler) using the
/// line's edge events and their kernel timestamps: each accepted edge is one part, the time between two accepted
/// edges is the cycle time. Edges closer than <see cref="Debounce"/> to the last accepted edge are contact bounce.
/// Events are drained without blocking on each poll; the kernel buffers them in between.
/// </summary>
public sealed class DigitalInputCounter : IPolledSensor
{
    private static readonly SensorQuantity[] QuantityList = [new("count", null), new("cycle_time", "s"), new("state", null)];
    private readonly GpioLineRequest _line;
    private readonly bool _shouldDispose;
    private readonly GpioEdge _countEdge;
    private readonly ulong _debounceNanoseconds;
    private readonly GpioEdgeEvent[] _buffer = new GpioEdgeEvent[64];
    private ulong? _lastAcceptedNanoseconds;

    public DigitalInputCounter(GpioLineRequest line, TimeSpan debounce, GpioEdge countEdge = GpioEdge.Rising, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentOutOfRangeException.ThrowIfLessThan(debounce, TimeSpan.Zero);
        _line = line;
        _shouldDispose = shouldDispose;
        _countEdge = countEdge;
        Debounce = debounce;
        _debounceNanoseconds = (ulong)debounce.Ticks * 100;
    }

    public TimeSpan Debounce { get; }

    /// <summary>Parts counted since start.</summary>
    public long PartCount { get; private set; }

    /// <summary>Edges rejected as bounce.</summary>
    public long BouncesRejected { get; private set; }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <summary>Drains pending edge events and updates the count and cycle time; returns the number of parts added.</summary>
    public int Update()
    {
        var added = 0;
        int n;
        while ((n = _line.ReadEdgeEvents(_buffer)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                var e = _buffer[i];
                if (e.Edge != _countEdge) continue;
                if (_lastAcceptedNanoseconds is { } last && e.TimestampNanoseconds - last < _debounceNanoseconds)
                {
                    BouncesRejected++;
                    continue;
                }
                if (_lastAcceptedNanoseconds is { } previous)
                    LastCycleTime = TimeSpan.FromTicks((long)((e.TimestampNanoseconds - previous) / 100));
                _lastAcceptedNanoseconds = e.TimestampNanoseconds;
                PartCount++;
                added++;
            }
            if (n < _buffer.Length) break;
        }
        return added;
    }

    /// <summary>The time between the last two parts.</summary>
    public TimeSpan? LastCycleTime { get; private set; }

    /// <summary>False until two parts have been seen.</summary>
    public bool TryGetCycleTime(out TimeSpan cycleTime)
    {
        cycleTime = LastCycleTime ?? TimeSpan.Zero;
        return LastCycleTime is not null;
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        Update();
        readings[0] = SensorReading.Good(PartCount);
        readings[1] = TryGetCycleTime(out var cycle) ? SensorReading.Good(cycle.TotalSeconds) : SensorReading.Bad(Core.Quality.StatusCodes.BadWaitingForInitialData);
        readings[2] = SensorReading.Good(_line.Read() ? 1 : 0);
    }

    public void Dispose()
    {
        if (_shouldDispose) _line.Dispose();
    }
}
