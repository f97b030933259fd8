using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Adxl345;

/// <summary>An acceleration in m/s² per axis.</summary>
public readonly record struct Acceleration(double XMetersPerSecondSquared, double YMetersPerSecondSquared, double ZMetersPerSecondSquared);

/// <summary>
/// Analog Devices ADXL345 over I2C in full-resolution mode (3.9 mg/LSB) with the 32-entry FIFO in stream mode,
/// so that polling drains every sample into a <see cref="VibrationWindow"/>. Chip id 0xE5 is checked at construction.
/// </summary>
public sealed class Adxl345 : IPolledSensor
{
    public const byte ExpectedDeviceId = 0xE5;
    public const int DefaultI2cAddress = 0x53;
    public const int AlternateI2cAddress = 0x1D;
    public const double GravityMetersPerSecondSquared = 9.80665;
    public const double FullResolutionGPerLsb = 0.0039;

    private static readonly SensorQuantity[] QuantityList =
    [
        new("rms_x", "m/s²"), new("rms_y", "m/s²"), new("rms_z", "m/s²"), new("peak", "m/s²"), new("crest_factor", null),
    ];

    private readonly I2cDevice _device;
    private readonly bool _shouldDispose;
    private readonly VibrationWindow _window;

    /// <param name="outputDataRateCode">BW_RATE rate code: 0x0A = 100 Hz ... 0x0D = 800 Hz, 0x0F = 3200 Hz.</param>
    /// <exception cref="ChipIdentityException">DEVID is not 0xE5.</exception>
    public Adxl345(I2cDevice device, Adxl345Range range = Adxl345Range.PlusMinus16G, byte outputDataRateCode = 0x0D, int windowLength = 256, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputDataRateCode, (byte)0x0F);
        _device = device;
        _shouldDispose = shouldDispose;
        _window = new VibrationWindow(windowLength);
        var id = device.ReadRegister((byte)Adxl345Register.DeviceId);
        if (id != ExpectedDeviceId) throw new ChipIdentityException($"{device}: DEVID 0x{id:X2} at register 0x00, expected 0xE5 (ADXL345).");
        device.WriteRegister((byte)Adxl345Register.PowerControl, 0x00); // standby while configuring
        device.WriteRegister((byte)Adxl345Register.BandwidthRate, outputDataRateCode);
        device.WriteRegister((byte)Adxl345Register.DataFormat, (byte)(0x08 | (byte)range)); // FULL_RES
        device.WriteRegister((byte)Adxl345Register.FifoControl, 0x80); // stream mode
        device.WriteRegister((byte)Adxl345Register.PowerControl, 0x08); // measure
    }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    public VibrationWindow Window => _window;

    /// <summary>Reads one sample from the data registers (or the head of the FIFO).</summary>
    public Acceleration ReadAcceleration()
    {
        Span<byte> raw = stackalloc byte[6];
        _device.ReadRegisters((byte)Adxl345Register.DataX0, raw);
        return new Acceleration(Scale(raw[0], raw[1]), Scale(raw[2], raw[3]), Scale(raw[4], raw[5]));
    }

    /// <summary>Drains the FIFO into the window; returns the number of samples taken.</summary>
    public int DrainFifo()
    {
        var entries = _device.ReadRegister((byte)Adxl345Register.FifoStatus) & 0x3F;
        for (var i = 0; i < entries; i++)
        {
            var a = ReadAcceleration();
            _window.Add(a.XMetersPerSecondSquared, a.YMetersPerSecondSquared, a.ZMetersPerSecondSquared);
        }
        return entries;
    }

    /// <summary>Drains the FIFO and computes the features; false until the window has filled.</summary>
    public bool TryReadVibration(out VibrationFeatures features)
    {
        DrainFifo();
        return _window.TryGetFeatures(out features);
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        if (!TryReadVibration(out var f))
        {
            for (var i = 0; i < readings.Length; i++) readings[i] = SensorReading.Bad(StatusCodes.BadWaitingForInitialData);
            return;
        }
        readings[0] = SensorReading.Good(f.RmsXMetersPerSecondSquared);
        readings[1] = SensorReading.Good(f.RmsYMetersPerSecondSquared);
        readings[2] = SensorReading.Good(f.RmsZMetersPerSecondSquared);
        readings[3] = SensorReading.Good(f.PeakMetersPerSecondSquared);
        readings[4] = SensorReading.Good(f.CrestFactor);
    }

    private static double Scale(byte low, byte high) => (short)(low | high << 8) * FullResolutionGPerLsb * GravityMetersPerSecondSquared;

    public void Dispose()
    {
        if (_shouldDispose) _device.Dispose();
    }
}
