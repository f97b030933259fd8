using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.Devices.Sensors;

/// <summary>One quantity a sensor delivers: a name used in configuration ("temperature") and its unit symbol ("°C").</summary>
public readonly record struct SensorQuantity(string Name, string? Unit);

/// <summary>One value of one quantity with its quality (a per-quantity fault, e.g. an open thermocouple, is Bad here).</summary>
public readonly record struct SensorReading(double Value, StatusCode Quality)
{
    public static SensorReading Good(double value) => new(value, StatusCode.Good);

    public static SensorReading Bad(uint statusCode) => new(double.NaN, new StatusCode(statusCode));
}

/// <summary>
/// What the sensor source polls: a driver that fills one reading per quantity. Whole-device failures throw
/// (<see cref="DeviceNotRespondingException"/>, <see cref="DeviceCrcException"/>, <see cref="SensorFaultException"/>,
/// <see cref="Core.DeviceCommunicationException"/>); the source turns them into Bad-quality samples.
/// </summary>
public interface IPolledSensor : IDisposable
{
    /// <summary>The quantities, in the order <see cref="Read"/> fills them.</summary>
    IReadOnlyList<SensorQuantity> Quantities { get; }

    /// <summary>Reads every quantity; blocks for the conversion time.</summary>
    void Read(Span<SensorReading> readings);
}

/// <summary>Blocking waits for conversion times; tests replace it with a no-op.</summary>
public delegate void SensorDelay(TimeSpan duration);

internal static class SensorDelays
{
    public static readonly SensorDelay Thread = static d => System.Threading.Thread.Sleep(d);
}
