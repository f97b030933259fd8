using System.Buffers.Binary;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Ads1115;

/// <summary>One configured ADS1115 input.</summary>
public sealed record Ads1115Channel
{
    /// <summary>Quantity name in configuration and tags ("ain0", "pressure").</summary>
    public string Name { get; init; } = "ain0";

    public Ads1115Input Input { get; init; } = Ads1115Input.Ain0;

    public Ads1115Range Range { get; init; } = Ads1115Range.PlusMinus4096mV;

    public AnalogInputKind Kind { get; init; } = AnalogInputKind.Voltage;

    /// <summary>Shunt for 4-20 mA (150 Ω gives 0.6-3.0 V).</summary>
    public double ShuntOhms { get; init; } = 150.0;

    /// <summary>Terminal volts per ADC volt for 0-10 V (a 10k/3.3k divider is 4.03).</summary>
    public double DividerRatio { get; init; } = 3.0;

    /// <summary>Engineering value at 4 mA or 0 V.</summary>
    public double RangeLow { get; init; }

    /// <summary>Engineering value at 20 mA or 10 V.</summary>
    public double RangeHigh { get; init; } = 100.0;

    /// <summary>Unit of the scaled value (V for Kind=Voltage).</summary>
    public string? Unit { get; init; }
}

/// <summary>
/// TI ADS1115 16-bit ADC over I2C in single-shot mode at 128 SPS. The ADS1115 has no id register: the constructor
/// checks the comparator threshold registers' reset values (0x8000, 0x7FFF), which this driver never changes.
/// </summary>
public sealed class Ads1115 : IPolledSensor
{
    public const int DefaultI2cAddress = 0x48;

    private readonly I2cDevice _device;
    private readonly bool _shouldDispose;
    private readonly SensorDelay _delay;
    private readonly Ads1115Channel[] _channels;
    private readonly SensorQuantity[] _quantities;

    /// <exception cref="ChipIdentityException">The threshold registers do not hold their reset values.</exception>
    public Ads1115(I2cDevice device, IReadOnlyList<Ads1115Channel>? channels = null, bool shouldDispose = true, SensorDelay? delay = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _shouldDispose = shouldDispose;
        _delay = delay ?? SensorDelays.Thread;
        _channels = channels is { Count: > 0 } ? [.. channels] : [new Ads1115Channel { Name = "ain0" }];
        _quantities = _channels.Select(c => new SensorQuantity(c.Name, c.Kind switch
        {
            AnalogInputKind.Voltage => c.Unit ?? "V",
            _ => c.Unit,
        })).ToArray();
        var low = ReadRegister(Ads1115Register.LowThreshold);
        var high = ReadRegister(Ads1115Register.HighThreshold);
        if (low != 0x8000 || high != 0x7FFF)
            throw new ChipIdentityException($"{device}: threshold registers read 0x{low:X4}/0x{high:X4}, expected the ADS1115 reset values 0x8000/0x7FFF.");
    }

    public IReadOnlyList<SensorQuantity> Quantities => _quantities;

    /// <summary>Full-scale range in volts.</summary>
    public static double FullScaleVolts(Ads1115Range range) => range switch
    {
        Ads1115Range.PlusMinus6144mV => 6.144,
        Ads1115Range.PlusMinus4096mV => 4.096,
        Ads1115Range.PlusMinus2048mV => 2.048,
        Ads1115Range.PlusMinus1024mV => 1.024,
        Ads1115Range.PlusMinus512mV => 0.512,
        _ => 0.256,
    };

    /// <summary>Starts one conversion, waits for it and returns the raw signed code.</summary>
    public short ReadRaw(Ads1115Input input, Ads1115Range range)
    {
        // OS=1 (start), MUX, PGA, MODE=1 (single shot), DR=100 (128 SPS), comparator disabled (COMP_QUE=11).
        var config = (ushort)(0x8000 | (int)input << 12 | (int)range << 9 | 0x0100 | 0b100 << 5 | 0x0003);
        Span<byte> write = [(byte)Ads1115Register.Config, (byte)(config >> 8), (byte)config];
        _device.Write(write);
        _delay(TimeSpan.FromMilliseconds(8)); // 1/128 s
        var attempts = 0;
        while ((ReadRegister(Ads1115Register.Config) & 0x8000) == 0)
        {
            if (++attempts > 10) throw new DeviceCommunicationException($"{_device}: conversion did not finish (config OS bit stays 0).");
            _delay(TimeSpan.FromMilliseconds(1));
        }
        return (short)ReadRegister(Ads1115Register.Conversion);
    }

    /// <summary>Converts and returns volts at the input.</summary>
    public double ReadVolts(Ads1115Input input, Ads1115Range range) => ReadRaw(input, range) * FullScaleVolts(range) / 32768.0;

    /// <summary>Reads a configured channel in engineering units; false with a status when the loop signals a failure.</summary>
    public bool TryReadChannel(Ads1115Channel channel, out double value, out StatusCode quality)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var volts = ReadVolts(channel.Input, channel.Range);
        quality = StatusCode.Good;
        switch (channel.Kind)
        {
            case AnalogInputKind.CurrentLoop4To20mA:
                var ma = AnalogScaling.Milliamperes(volts, channel.ShuntOhms);
                if (AnalogScaling.IsLoopFault(ma))
                {
                    value = ma;
                    quality = new StatusCode(StatusCodes.BadSensorFailure);
                    return false;
                }
                value = AnalogScaling.ScaleCurrentLoop(ma, channel.RangeLow, channel.RangeHigh);
                return true;
            case AnalogInputKind.Voltage0To10V:
                value = AnalogScaling.ScaleZeroToTenVolts(volts * channel.DividerRatio, channel.RangeLow, channel.RangeHigh);
                return true;
            default:
                value = volts;
                return true;
        }
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        for (var i = 0; i < _channels.Length; i++)
        {
            readings[i] = TryReadChannel(_channels[i], out var value, out var quality)
                ? SensorReading.Good(value)
                : new SensorReading(double.NaN, quality);
        }
    }

    private ushort ReadRegister(Ads1115Register register)
    {
        Span<byte> value = stackalloc byte[2];
        _device.ReadRegisters((byte)register, value);
        return BinaryPrimitives.ReadUInt16BigEndian(value);
    }

    public void Dispose()
    {
        if (_shouldDispose) _device.Dispose();
    }
}
