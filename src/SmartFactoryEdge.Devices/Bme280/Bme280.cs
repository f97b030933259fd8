using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Bme280;

/// <summary>A temperature, pressure and humidity reading in SI units.</summary>
public readonly record struct Bme280Reading(double DegreesCelsius, double Pascals, double RelativeHumidityPercent);

/// <summary>
/// Bosch BME280 over I2C, in forced mode with x1 oversampling and the filter off (the datasheet's
/// "weather monitoring" setting). The constructor checks the chip id (0x60) and reads the calibration.
/// </summary>
public sealed class Bme280 : IPolledSensor
{
    public const byte ExpectedChipId = 0x60;
    public const byte Bmp280ChipId = 0x58;
    public const int DefaultI2cAddress = 0x76;
    public const int SecondaryI2cAddress = 0x77;

    private static readonly SensorQuantity[] QuantityList =
        [new("temperature", "°C"), new("pressure", "Pa"), new("humidity", "%")];

    private readonly I2cDevice _device;
    private readonly bool _shouldDispose;
    private readonly SensorDelay _delay;

    /// <exception cref="ChipIdentityException">The chip id is not 0x60 (a BMP280 has no humidity sensor).</exception>
    /// <exception cref="DeviceNotRespondingException">No ACK at the address.</exception>
    public Bme280(I2cDevice device, bool shouldDispose = true, SensorDelay? delay = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _shouldDispose = shouldDispose;
        _delay = delay ?? SensorDelays.Thread;
        var id = device.ReadRegister((byte)Bme280Register.ChipId);
        if (id != ExpectedChipId)
        {
            throw new ChipIdentityException(id == Bmp280ChipId
                ? $"{device}: chip id 0x58 is a BMP280 (no humidity); configure driver bmp280 or use a BME280."
                : $"{device}: chip id 0x{id:X2} at register 0xD0, expected 0x60 (BME280).");
        }
        Span<byte> tp = stackalloc byte[24];
        Span<byte> h = stackalloc byte[7];
        device.ReadRegisters((byte)Bme280Register.CalibrationTP, tp);
        var h1 = device.ReadRegister((byte)Bme280Register.H1);
        device.ReadRegisters((byte)Bme280Register.CalibrationH, h);
        Calibration = Bme280Calibration.Parse(tp, h1, h);
        device.WriteRegister((byte)Bme280Register.Config, 0x00); // t_sb 0.5 ms, filter off, no 3-wire SPI
    }

    public Bme280Calibration Calibration { get; }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <summary>Starts a forced measurement, waits for it and compensates the raw values.</summary>
    /// <exception cref="DeviceCommunicationException">The bus failed or the measurement never finished.</exception>
    public Bme280Reading Read()
    {
        _device.WriteRegister((byte)Bme280Register.CtrlHum, 0x01); // osrs_h x1 (takes effect on the ctrl_meas write)
        _device.WriteRegister((byte)Bme280Register.CtrlMeas, 0b001_001_01); // osrs_t x1, osrs_p x1, forced
        _delay(TimeSpan.FromMilliseconds(10)); // t_measure,max = 9.3 ms at x1/x1/x1 (datasheet 9.1)
        var attempts = 0;
        while ((_device.ReadRegister((byte)Bme280Register.Status) & 0x08) != 0)
        {
            if (++attempts > 10) throw new DeviceCommunicationException($"{_device}: measurement still running after 30 ms (status bit 3).");
            _delay(TimeSpan.FromMilliseconds(2));
        }
        Span<byte> raw = stackalloc byte[8];
        _device.ReadRegisters((byte)Bme280Register.PressMsb, raw);
        var adcP = (raw[0] << 12) | (raw[1] << 4) | (raw[2] >> 4);
        var adcT = (raw[3] << 12) | (raw[4] << 4) | (raw[5] >> 4);
        var adcH = (raw[6] << 8) | raw[7];
        if (adcT == 0x80000) throw new DeviceCommunicationException($"{_device}: temperature is the skipped-measurement value 0x80000.");
        var t = Bme280Compensation.DegreesCelsius(adcT, Calibration, out var tFine);
        var p = Bme280Compensation.Pascals(adcP, tFine, Calibration);
        var rh = adcH == 0x8000 ? double.NaN : Bme280Compensation.RelativeHumidityPercent(adcH, tFine, Calibration);
        return new Bme280Reading(t, p, rh);
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        var r = Read();
        readings[0] = SensorReading.Good(r.DegreesCelsius);
        readings[1] = double.IsNaN(r.Pascals) ? SensorReading.Bad(Core.Quality.StatusCodes.BadSensorFailure) : SensorReading.Good(r.Pascals);
        readings[2] = double.IsNaN(r.RelativeHumidityPercent) ? SensorReading.Bad(Core.Quality.StatusCodes.BadSensorFailure) : SensorReading.Good(r.RelativeHumidityPercent);
    }

    public void Dispose()
    {
        if (_shouldDispose) _device.Dispose();
    }
}
