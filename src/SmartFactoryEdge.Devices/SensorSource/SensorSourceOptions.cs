using System.Globalization;
using Microsoft.Extensions.Options;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Devices.Ads1115;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.Devices.SensorSource;

/// <summary>Configuration of the local sensors (YAML section <c>sources.sensors</c>).</summary>
public sealed record SensorSourceOptions
{
    public const string SectionName = "sources:sensors";

    public bool Enabled { get; init; } = true;

    /// <summary>Where the w1 subsystem lists slaves.</summary>
    public string OneWireRootPath { get; init; } = OneWireBus.DefaultRootPath;

    /// <summary>Backoff between attempts to reopen a failed device (a success resets it).</summary>
    public RetryPolicyOptions Backoff { get; init; } = new() { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromMinutes(1) };

    public List<SensorDeviceOptions> Devices { get; init; } = [];
}

/// <summary>One sensor: its driver, where it is wired, how often to read it and which tags its quantities feed.</summary>
public sealed record SensorDeviceOptions
{
    /// <summary>Unique name for logs and health ("oven-air").</summary>
    public string Name { get; init; } = "";

    /// <summary>bme280, sht3x, sht4x, ads1115, adxl345, ds18b20, max31865, max31855, counter.</summary>
    public string Driver { get; init; } = "";

    /// <summary>I2C bus number (/dev/i2c-N) or SPI bus number (/dev/spidevN.C).</summary>
    public int Bus { get; init; } = 1;

    /// <summary>I2C address, "0x76" or "118"; the driver's default when empty.</summary>
    public string? Address { get; init; }

    /// <summary>SPI chip select.</summary>
    public int ChipSelect { get; init; }

    public int SpiClockHz { get; init; } = 1_000_000;

    /// <summary>1-Wire slave id ("28-0316a279a2ff"); the first DS18B20 found when empty.</summary>
    public string? DeviceId { get; init; }

    /// <summary>GPIO chip (path, name or label) for the counter.</summary>
    public string GpioChip { get; init; } = "gpiochip0";

    /// <summary>GPIO line offset for the counter (BCM number on a Raspberry Pi).</summary>
    public int Line { get; init; }

    public TimeSpan Rate { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Quantity name → tag id; empty publishes every quantity as "{Name}.{quantity}".</summary>
    public Dictionary<string, string> Tags { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Quantity name → unit symbol, overriding the driver's.</summary>
    public Dictionary<string, string> Units { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Driver settings: max31865 rtd/referenceOhms/wires/filter; adxl345 range/rateCode/window; counter debounce/edge/bias.</summary>
    public Dictionary<string, string> Settings { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>ADS1115 inputs.</summary>
    public List<Ads1115Channel> Channels { get; init; } = [];

    /// <summary>The bus group this device's poll loop belongs to.</summary>
    public string BusKey => SensorDriverFactory.KindOf(Driver) switch
    {
        SensorBusKind.I2c => "i2c-" + Bus.ToString(CultureInfo.InvariantCulture),
        SensorBusKind.Spi => "spi-" + Bus.ToString(CultureInfo.InvariantCulture),
        SensorBusKind.OneWire => "w1",
        _ => "gpio-" + GpioChip,
    };
}

/// <summary>Cross-field checks with messages that name the device and print the values.</summary>
public sealed class SensorSourceOptionsValidator : IValidateOptions<SensorSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, SensorSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Devices.Count; i++)
        {
            var d = options.Devices[i];
            var where = $"sources.sensors.devices[{i}]" + (string.IsNullOrEmpty(d.Name) ? "" : $" ({d.Name})");
            if (string.IsNullOrWhiteSpace(d.Name)) errors.Add($"{where}.name is required.");
            else if (!names.Add(d.Name)) errors.Add($"{where}.name '{d.Name}' is used twice.");
            if (!SensorDriverFactory.IsKnown(d.Driver))
                errors.Add($"{where}.driver '{d.Driver}' is unknown; use one of {string.Join(", ", SensorDriverFactory.KnownDrivers)}.");
            if (d.Rate < TimeSpan.FromMilliseconds(10)) errors.Add($"{where}.rate {d.Rate} is below the 10 ms minimum.");
            if (d.Address is not null && !SensorDriverFactory.TryParseAddress(d.Address, out _))
                errors.Add($"{where}.address '{d.Address}' is not a 7-bit I2C address (0x03-0x77).");
            foreach (var (quantity, tag) in d.Tags)
            {
                if (string.IsNullOrWhiteSpace(tag)) errors.Add($"{where}.tags.{quantity} is empty.");
                else if (!tags.Add(tag)) errors.Add($"{where}.tags.{quantity}: tag '{tag}' is already used by another quantity.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
