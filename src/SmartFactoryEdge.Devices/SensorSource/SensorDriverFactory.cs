using System.Globalization;
using SmartFactoryEdge.Devices.Adxl345;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.DigitalCounter;
using SmartFactoryEdge.Devices.Max31865;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.Devices.Sht;

namespace SmartFactoryEdge.Devices.SensorSource;

/// <summary>Which bus a driver sits on.</summary>
public enum SensorBusKind
{
    I2c,
    Spi,
    OneWire,
    Gpio,
}

/// <summary>Creates a driver for a configured device.</summary>
public interface ISensorDriverFactory
{
    /// <summary>Opens the bus and constructs the driver (which checks the chip's identity).</summary>
    IPolledSensor Create(SensorDeviceOptions device);
}

/// <summary>Maps driver names to driver classes over an <see cref="IDeviceBusProvider"/>.</summary>
public sealed class SensorDriverFactory(IDeviceBusProvider buses, SensorDelay? delay = null) : ISensorDriverFactory
{
    private static readonly Dictionary<string, (SensorBusKind Kind, int DefaultAddress)> Drivers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bme280"] = (SensorBusKind.I2c, Bme280.Bme280.DefaultI2cAddress),
        ["sht3x"] = (SensorBusKind.I2c, Sht3x.DefaultI2cAddress),
        ["sht4x"] = (SensorBusKind.I2c, Sht4x.DefaultI2cAddress),
        ["ads1115"] = (SensorBusKind.I2c, Ads1115.Ads1115.DefaultI2cAddress),
        ["adxl345"] = (SensorBusKind.I2c, Adxl345.Adxl345.DefaultI2cAddress),
        ["ds18b20"] = (SensorBusKind.OneWire, 0),
        ["max31865"] = (SensorBusKind.Spi, 0),
        ["max31855"] = (SensorBusKind.Spi, 0),
        ["counter"] = (SensorBusKind.Gpio, 0),
    };

    public static IEnumerable<string> KnownDrivers => Drivers.Keys;

    public static bool IsKnown(string? driver) => driver is not null && Drivers.ContainsKey(driver);

    public static SensorBusKind KindOf(string? driver) => driver is not null && Drivers.TryGetValue(driver, out var d) ? d.Kind : SensorBusKind.Gpio;

    /// <summary>Parses "0x76", "76h" is not accepted; decimal "118" is.</summary>
    public static bool TryParseAddress(string text, out int address)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out address)
            : int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out address);
        return ok && address is >= 0x03 and <= 0x77;
    }

    /// <summary>The quantities a driver delivers, known before the device is opened (so that Bad samples have tags).</summary>
    public static IReadOnlyList<SensorQuantity> QuantitiesOf(SensorDeviceOptions device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Driver.ToLowerInvariant() switch
        {
            "bme280" => [new("temperature", "°C"), new("pressure", "Pa"), new("humidity", "%")],
            "sht3x" or "sht4x" => [new("temperature", "°C"), new("humidity", "%")],
            "ads1115" => device.Channels.Count == 0 ? [new("ain0", "V")] : device.Channels.Select(c => new SensorQuantity(c.Name, c.Unit ?? (c.Kind == Ads1115.AnalogInputKind.Voltage ? "V" : null))).ToArray(),
            "adxl345" => [new("rms_x", "m/s²"), new("rms_y", "m/s²"), new("rms_z", "m/s²"), new("peak", "m/s²"), new("crest_factor", null)],
            "ds18b20" => [new("temperature", "°C")],
            "max31865" => [new("temperature", "°C"), new("resistance", "Ω")],
            "max31855" => [new("temperature", "°C"), new("internal_temperature", "°C")],
            "counter" => [new("count", null), new("cycle_time", "s"), new("state", null)],
            _ => [],
        };
    }

    public IPolledSensor Create(SensorDeviceOptions device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!Drivers.TryGetValue(device.Driver, out var info))
            throw new ArgumentException($"Sensor '{device.Name}': unknown driver '{device.Driver}'.", nameof(device));
        switch (info.Kind)
        {
            case SensorBusKind.I2c:
            {
                var address = device.Address is null ? info.DefaultAddress
                    : TryParseAddress(device.Address, out var a) ? a
                    : throw new ArgumentException($"Sensor '{device.Name}': address '{device.Address}' is not a 7-bit I2C address.", nameof(device));
                var i2c = buses.OpenI2c(device.Bus, address);
                try
                {
                    return device.Driver.ToLowerInvariant() switch
                    {
                        "bme280" => new Bme280.Bme280(i2c, delay: delay),
                        "sht3x" => new Sht3x(i2c, delay: delay),
                        "sht4x" => new Sht4x(i2c, delay: delay),
                        "ads1115" => new Ads1115.Ads1115(i2c, device.Channels, delay: delay),
                        _ => new Adxl345.Adxl345(i2c,
                            Enum.Parse<Adxl345Range>(Setting(device, "range", nameof(Adxl345Range.PlusMinus16G)), ignoreCase: true),
                            (byte)Int(device, "rateCode", 0x0D),
                            Int(device, "window", 256)),
                    };
                }
                catch
                {
                    i2c.Dispose();
                    throw;
                }
            }
            case SensorBusKind.Spi:
            {
                var isRtd = device.Driver.Equals("max31865", StringComparison.OrdinalIgnoreCase);
                var spi = buses.OpenSpi(new SpiConnectionSettings(device.Bus, device.ChipSelect)
                {
                    Mode = isRtd ? 1 : 0,
                    ClockFrequencyHz = device.SpiClockHz,
                });
                try
                {
                    if (!isRtd) return new Max31855.Max31855(spi);
                    var rtd = Enum.Parse<RtdType>(Setting(device, "rtd", nameof(RtdType.Pt100)), ignoreCase: true);
                    return new Max31865.Max31865(spi, rtd,
                        device.Settings.ContainsKey("referenceOhms") ? Double(device, "referenceOhms", 430) : null,
                        Int(device, "wires", 3),
                        Int(device, "mainsHz", 50) == 50);
                }
                catch
                {
                    spi.Dispose();
                    throw;
                }
            }
            case SensorBusKind.OneWire:
            {
                var id = device.DeviceId;
                if (string.IsNullOrEmpty(id))
                {
                    var found = buses.OneWire.EnumerateDeviceIds(Ds18b20.Ds18b20.FamilyCode);
                    if (found.Count == 0) throw new DeviceNotRespondingException($"Sensor '{device.Name}': no DS18B20 under {buses.OneWire.RootPath}.");
                    id = found[0];
                }
                return new Ds18b20.Ds18b20(buses.OneWire, id);
            }
            default:
            {
                var edge = Enum.Parse<GpioEdge>(Setting(device, "edge", nameof(GpioEdge.Rising)), ignoreCase: true);
                var debounce = TimeSpan.FromMilliseconds(Double(device, "debounceMs", 10));
                var line = buses.OpenGpioLine(device.GpioChip, new GpioLineRequestOptions
                {
                    Offset = device.Line,
                    Edges = GpioEdgeDetection.Both,
                    Bias = Enum.Parse<GpioBias>(Setting(device, "bias", nameof(GpioBias.AsIs)), ignoreCase: true),
                    ActiveLow = bool.Parse(Setting(device, "activeLow", "false")),
                    Debounce = bool.Parse(Setting(device, "kernelDebounce", "false")) ? debounce : TimeSpan.Zero,
                    Consumer = "sfe:" + device.Name,
                    EventBufferSize = 256,
                });
                return new DigitalInputCounter(line, debounce, edge);
            }
        }
    }

    private static string Setting(SensorDeviceOptions d, string key, string fallback) =>
        d.Settings.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : fallback;

    private static int Int(SensorDeviceOptions d, string key, int fallback)
    {
        var s = Setting(d, key, fallback.ToString(CultureInfo.InvariantCulture));
        return s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : int.Parse(s, CultureInfo.InvariantCulture);
    }

    private static double Double(SensorDeviceOptions d, string key, double fallback) =>
        double.Parse(Setting(d, key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
