using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Sht;

/// <summary>
/// Sensirion SHT30/31/35 over I2C: single-shot, high repeatability, no clock stretching (command 0x2400).
/// The SHT3x has no id register: the constructor reads the status register (0xF32D) and requires a valid CRC.
/// </summary>
public sealed class Sht3x : IPolledSensor
{
    public const int DefaultI2cAddress = 0x44;
    public const int SecondaryI2cAddress = 0x45;
    public const ushort MeasureHighRepeatability = 0x2400;
    public const ushort ReadStatus = 0xF32D;
    public const ushort SoftReset = 0x30A2;

    private static readonly SensorQuantity[] QuantityList = [new("temperature", "°C"), new("humidity", "%")];
    private readonly I2cDevice _device;
    private readonly bool _shouldDispose;
    private readonly SensorDelay _delay;

    /// <exception cref="ChipIdentityException">The status register's CRC is wrong: not an SHT3x.</exception>
    public Sht3x(I2cDevice device, bool shouldDispose = true, SensorDelay? delay = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _shouldDispose = shouldDispose;
        _delay = delay ?? SensorDelays.Thread;
        Span<byte> status = stackalloc byte[3];
        device.Write([ReadStatus >> 8, ReadStatus & 0xFF]);
        device.Read(status);
        try
        {
            Status = SensirionWords.Read(status, 0, device.ToString());
        }
        catch (DeviceCrcException ex)
        {
            throw new ChipIdentityException($"{device}: no SHT3x (status register read failed its CRC: {ex.Message})");
        }
    }

    /// <summary>The status register read at construction (bit 4: system reset detected; bit 13: heater on).</summary>
    public ushort Status { get; }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <exception cref="DeviceCrcException">A word's CRC did not match.</exception>
    public ShtReading Read()
    {
        _device.Write([MeasureHighRepeatability >> 8, MeasureHighRepeatability & 0xFF]);
        _delay(TimeSpan.FromMilliseconds(16)); // t_MEAS,h max 15.5 ms
        Span<byte> response = stackalloc byte[6];
        _device.Read(response);
        var t = SensirionWords.Read(response, 0, _device.ToString());
        var rh = SensirionWords.Read(response, 1, _device.ToString());
        return new ShtReading(-45.0 + 175.0 * t / 65535.0, 100.0 * rh / 65535.0);
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        var r = Read();
        readings[0] = SensorReading.Good(r.DegreesCelsius);
        readings[1] = SensorReading.Good(r.RelativeHumidityPercent);
    }

    public void Dispose()
    {
        if (_shouldDispose) _device.Dispose();
    }
}
