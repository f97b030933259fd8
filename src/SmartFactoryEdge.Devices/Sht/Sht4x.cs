using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Sht;

/// <summary>
/// Sensirion SHT40/41/45 over I2C: high-precision measurement (command 0xFD). The constructor reads the
/// serial number (command 0x89) and requires valid CRCs.
/// </summary>
public sealed class Sht4x : IPolledSensor
{
    public const int DefaultI2cAddress = 0x44;
    public const byte MeasureHighPrecision = 0xFD;
    public const byte ReadSerialNumber = 0x89;

    private static readonly SensorQuantity[] QuantityList = [new("temperature", "°C"), new("humidity", "%")];
    private readonly I2cDevice _device;
    private readonly bool _shouldDispose;
    private readonly SensorDelay _delay;

    /// <exception cref="ChipIdentityException">The serial number failed its CRC: not an SHT4x.</exception>
    public Sht4x(I2cDevice device, bool shouldDispose = true, SensorDelay? delay = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _shouldDispose = shouldDispose;
        _delay = delay ?? SensorDelays.Thread;
        device.Write([ReadSerialNumber]);
        _delay(TimeSpan.FromMilliseconds(1));
        Span<byte> response = stackalloc byte[6];
        device.Read(response);
        try
        {
            SerialNumber = (uint)SensirionWords.Read(response, 0, device.ToString()) << 16 | SensirionWords.Read(response, 1, device.ToString());
        }
        catch (DeviceCrcException ex)
        {
            throw new ChipIdentityException($"{device}: no SHT4x (serial number failed its CRC: {ex.Message})");
        }
    }

    public uint SerialNumber { get; }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <exception cref="DeviceCrcException">A word's CRC did not match.</exception>
    public ShtReading Read()
    {
        _device.Write([MeasureHighPrecision]);
        _delay(TimeSpan.FromMilliseconds(9)); // 8.3 ms max
        Span<byte> response = stackalloc byte[6];
        _device.Read(response);
        var t = SensirionWords.Read(response, 0, _device.ToString());
        var rh = SensirionWords.Read(response, 1, _device.ToString());
        return new ShtReading(-45.0 + 175.0 * t / 65535.0, Math.Clamp(-6.0 + 125.0 * rh / 65535.0, 0.0, 100.0));
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
