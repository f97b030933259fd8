using System.Buffers.Binary;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Max31855;

/// <summary>Fault bits D2..D0 of the 32-bit frame.</summary>
[Flags]
public enum Max31855Fault : byte
{
    None = 0,
    OpenCircuit = 0x01,
    ShortToGround = 0x02,
    ShortToVcc = 0x04,
}

/// <summary>A decoded MAX31855 frame.</summary>
public readonly record struct Max31855Reading(double ThermocoupleDegreesCelsius, double InternalDegreesCelsius, Max31855Fault Fault)
{
    public bool HasFault => Fault != Max31855Fault.None;
}

/// <summary>
/// Maxim MAX31855K cold-junction compensated type K thermocouple converter (read-only SPI, 32 bits). Thermocouple
/// temperature is D31..D18 (14-bit, 0.25 °C), internal temperature D15..D4 (12-bit, 0.0625 °C), faults D2..D0.
/// The constructor reads one frame and checks the reserved bits D17 and D3 (always 0), which a missing chip
/// (MISO floating high, all ones) fails.
/// </summary>
public sealed class Max31855 : IPolledSensor
{
    private static readonly SensorQuantity[] QuantityList = [new("temperature", "°C"), new("internal_temperature", "°C")];
    private readonly SpiDevice _device;
    private readonly bool _shouldDispose;

    /// <exception cref="DeviceNotRespondingException">The frame reads all ones or all zeros, or a reserved bit is set.</exception>
    public Max31855(SpiDevice device, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _shouldDispose = shouldDispose;
        ReadFrame();
    }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <summary>Decodes a 32-bit frame.</summary>
    public static Max31855Reading Decode(uint frame)
    {
        var thermocouple = ((int)frame >> 18) * 0.25;
        var internalRaw = (short)((frame >> 4) & 0x0FFF);
        if ((internalRaw & 0x0800) != 0) internalRaw |= unchecked((short)0xF000);
        var fault = (frame & 0x0001_0000) != 0 ? (Max31855Fault)(frame & 0x07) : Max31855Fault.None;
        return new Max31855Reading(thermocouple, internalRaw * 0.0625, fault);
    }

    /// <summary>Reads and decodes one frame; faults are returned, not thrown.</summary>
    public Max31855Reading Read() => Decode(ReadFrame());

    /// <summary>The thermocouple temperature; false when a fault (open, short to GND/VCC) is flagged.</summary>
    public bool TryReadThermocouple(out double degreesCelsius, out Max31855Fault fault)
    {
        var r = Read();
        fault = r.Fault;
        degreesCelsius = r.HasFault ? double.NaN : r.ThermocoupleDegreesCelsius;
        return !r.HasFault;
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        var r = Read();
        readings[0] = r.HasFault ? SensorReading.Bad(StatusCodes.BadSensorFailure) : SensorReading.Good(r.ThermocoupleDegreesCelsius);
        readings[1] = SensorReading.Good(r.InternalDegreesCelsius);
    }

    private uint ReadFrame()
    {
        Span<byte> frame = stackalloc byte[4];
        _device.Read(frame);
        var value = BinaryPrimitives.ReadUInt32BigEndian(frame);
        if (value is 0 or 0xFFFF_FFFF || (value & 0x0002_0008) != 0)
            throw new DeviceNotRespondingException($"{_device}: frame 0x{value:X8} is not a MAX31855 answer (reserved bits D17/D3 set, or MISO stuck).");
        return value;
    }

    public void Dispose()
    {
        if (_shouldDispose) _device.Dispose();
    }
}
