using SmartFactoryEdge.Devices.Linux;

namespace SmartFactoryEdge.Devices.Buses;

/// <summary>Opens bus endpoints; the Linux implementation uses the kernel devices, tests hand out simulators.</summary>
public interface IDeviceBusProvider
{
    I2cDevice OpenI2c(int busId, int address);

    SpiDevice OpenSpi(SpiConnectionSettings settings);

    /// <summary>Requests a line on a chip named by path (/dev/gpiochip4), name (gpiochip0) or label (pinctrl-rp1).</summary>
    GpioLineRequest OpenGpioLine(string chip, GpioLineRequestOptions options);

    OneWireBus OneWire { get; }
}

/// <summary>The real buses: i2c-dev, spidev, the GPIO character device and the w1 sysfs.</summary>
public sealed class LinuxDeviceBusProvider(string oneWireRootPath = OneWireBus.DefaultRootPath, string devRoot = "/dev") : IDeviceBusProvider
{
    public OneWireBus OneWire { get; } = new(oneWireRootPath);

    public I2cDevice OpenI2c(int busId, int address) => new LinuxI2cDevice(busId, address);

    public SpiDevice OpenSpi(SpiConnectionSettings settings) => new LinuxSpiDevice(settings);

    public GpioLineRequest OpenGpioLine(string chip, GpioLineRequestOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(chip);
        var path = ResolveChip(chip, devRoot);
        using var gpio = new LinuxGpioChip(path);
        return gpio.RequestLine(options); // the line request's fd outlives the chip fd
    }

    /// <summary>Maps a chip name or label to its device path.</summary>
    /// <exception cref="DeviceNotRespondingException">No chip has that label.</exception>
    public static string ResolveChip(string chip, string devRoot = "/dev")
    {
        if (chip.StartsWith('/')) return chip;
        if (chip.StartsWith("gpiochip", StringComparison.Ordinal)) return Path.Combine(devRoot, chip);
        return LinuxGpioChip.FindByLabel(chip, devRoot)
            ?? throw new DeviceNotRespondingException($"No GPIO chip labelled '{chip}' under {devRoot} (see hardware/boards for the labels per board).");
    }
}
