using System.Globalization;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Common;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Ds18b20;

/// <summary>
/// Maxim DS18B20 through the Linux w1 sysfs (w1_therm): reads the slave's w1_slave attribute, re-checks the
/// scratchpad CRC-8 itself and decodes the temperature at the configured resolution. The power-on value 85 °C is
/// accepted only when a second reading confirms it (a brown-out resets the chip to 85 °C before a conversion).
/// </summary>
public sealed class Ds18b20 : IPolledSensor
{
    public const byte FamilyCode = 0x28;
    public const short PowerOnRaw = 0x0550;

    private static readonly SensorQuantity[] QuantityList = [new("temperature", "°C")];
    private readonly OneWireBus _bus;
    private double? _last;
    private bool _pendingPowerOn;

    /// <exception cref="ChipIdentityException">The id's family code is not 28 (DS18B20).</exception>
    /// <exception cref="DeviceNotRespondingException">The slave is not listed on the bus.</exception>
    public Ds18b20(OneWireBus bus, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        if (!deviceId.StartsWith("28-", StringComparison.OrdinalIgnoreCase))
            throw new ChipIdentityException($"1-Wire slave {deviceId}: family code {deviceId[..Math.Min(2, deviceId.Length)]} is not 28 (DS18B20).");
        if (!bus.IsPresent(deviceId)) throw new DeviceNotRespondingException($"1-Wire slave {deviceId} is not present under {bus.RootPath}.");
        _bus = bus;
        DeviceId = deviceId;
    }

    public string DeviceId { get; }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <summary>Reads the temperature; false (with no exception) when the value is an unconfirmed 85 °C power-on value.</summary>
    /// <exception cref="DeviceCrcException">The scratchpad CRC does not match.</exception>
    public bool TryReadTemperature(out double degreesCelsius)
    {
        var text = _bus.ReadAttribute(DeviceId, "w1_slave");
        Span<byte> scratchpad = stackalloc byte[9];
        ParseScratchpad(text, scratchpad, DeviceId);
        var value = DecodeDegreesCelsius(scratchpad);
        var raw = (short)(scratchpad[0] | scratchpad[1] << 8);
        if (raw == PowerOnRaw && !_pendingPowerOn && (_last is null || Math.Abs(_last.Value - 85.0) > 2.0))
        {
            _pendingPowerOn = true;
            degreesCelsius = double.NaN;
            return false;
        }
        _pendingPowerOn = false;
        _last = value;
        degreesCelsius = value;
        return true;
    }

    /// <summary>Parses the nine scratchpad bytes from the first line of w1_slave and checks the CRC.</summary>
    public static void ParseScratchpad(string text, Span<byte> scratchpad, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.AsSpan();
        var newline = line.IndexOf('\n');
        if (newline >= 0) line = line[..newline];
        var position = 0;
        for (var i = 0; i < 9; i++)
        {
            while (position < line.Length && line[position] == ' ') position++;
            if (position + 2 > line.Length || !byte.TryParse(line.Slice(position, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out scratchpad[i]))
                throw new DeviceCommunicationException($"1-Wire slave {where}: w1_slave is not a scratchpad dump (byte {i} at column {position}).");
            position += 2;
        }
        var crc = Crc8.Maxim(scratchpad[..8]);
        if (crc != scratchpad[8])
            throw new DeviceCrcException($"1-Wire slave {where}: scratchpad CRC error, received 0x{scratchpad[8]:X2}, computed 0x{crc:X2}.");
        if (scratchpad.IndexOfAnyExcept((byte)0) < 0 || (scratchpad[4] & 0x9F) != 0x1F)
            throw new DeviceNotRespondingException($"1-Wire slave {where}: scratchpad is empty or its configuration byte 0x{scratchpad[4]:X2} is invalid (no answer).");
    }

    /// <summary>Temperature from scratchpad bytes 0-1, masking the undefined low bits at 9-11 bit resolution.</summary>
    public static double DecodeDegreesCelsius(ReadOnlySpan<byte> scratchpad)
    {
        var raw = (short)(scratchpad[0] | scratchpad[1] << 8);
        var resolutionBits = 9 + ((scratchpad[4] >> 5) & 0x03);
        raw = (short)(raw & ~((1 << (12 - resolutionBits)) - 1));
        return raw / 16.0;
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        if (!TryReadTemperature(out var t))
            throw new SensorFaultException($"1-Wire slave {DeviceId}: 85 °C power-on value (conversion did not run); waiting for a confirming reading.");
        readings[0] = SensorReading.Good(t);
    }

    public void Dispose() { }
}
