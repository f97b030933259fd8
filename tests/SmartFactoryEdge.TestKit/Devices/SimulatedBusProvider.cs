using SmartFactoryEdge.Devices;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// Hands out simulators by bus and address instead of kernel devices. An unknown address NACKs like an empty bus.
/// Simulators keep their state across driver re-creation (their Dispose does nothing).
/// </summary>
public sealed class SimulatedBusProvider : IDeviceBusProvider
{
    private readonly Dictionary<(int Bus, int Address), I2cDevice> _i2c = [];
    private readonly Dictionary<(int Bus, int ChipSelect), SpiDevice> _spi = [];
    private readonly Dictionary<(string Chip, int Line), GpioLineRequest> _gpio = [];

    public SimulatedBusProvider(string? oneWireRoot = null) => OneWire = new OneWireBus(oneWireRoot ?? Path.Combine(Path.GetTempPath(), "sfe-no-w1"));

    public OneWireBus OneWire { get; }

    /// <summary>How many times each endpoint was opened (reopen counts after failures).</summary>
    public Dictionary<string, int> Opens { get; } = new(StringComparer.Ordinal);

    public SimulatedBusProvider AddI2c(int bus, I2cDevice device)
    {
        _i2c[(bus, device.Address)] = device;
        return this;
    }

    public SimulatedBusProvider AddSpi(int bus, int chipSelect, SpiDevice device)
    {
        _spi[(bus, chipSelect)] = device;
        return this;
    }

    public SimulatedBusProvider AddGpio(string chip, GpioLineRequest line)
    {
        _gpio[(chip, line.Offset)] = line;
        return this;
    }

    public I2cDevice OpenI2c(int busId, int address)
    {
        Count($"i2c-{busId}@0x{address:X2}");
        return _i2c.TryGetValue((busId, address), out var d) ? d : new SimulatedI2cDevice(address, busId) { Present = false };
    }

    public SpiDevice OpenSpi(SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Count($"spi-{settings.BusId}.{settings.ChipSelect}");
        return _spi.TryGetValue((settings.BusId, settings.ChipSelect), out var d)
            ? d
            : throw new DeviceNotRespondingException($"sim /dev/spidev{settings.BusId}.{settings.ChipSelect} does not exist.");
    }

    public GpioLineRequest OpenGpioLine(string chip, GpioLineRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Count($"gpio-{chip}:{options.Offset}");
        return _gpio.TryGetValue((chip, options.Offset), out var line)
            ? line
            : throw new DeviceNotRespondingException($"sim {chip} has no line {options.Offset}.");
    }

    private void Count(string key)
    {
        lock (Opens) Opens[key] = Opens.GetValueOrDefault(key) + 1;
    }
}
