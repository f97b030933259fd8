using System.Globalization;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.Devices.Sht;

namespace SmartFactoryEdge.Devices.Scan;

/// <summary>A chip found at an address, named by its identity register.</summary>
public sealed record ScannedChip(int Bus, int Address, string Chip, string Evidence);

/// <summary>
/// Probes only the addresses of the chips we support and identifies them by their id registers (never a blind
/// write to every address, which could upset unknown devices): BME280/BMP280 (0xD0), SHT3x (status CRC),
/// SHT4x (serial CRC), ADS1115 (threshold reset values), ADXL345 (DEVID 0xE5).
/// </summary>
public static class DeviceScanner
{
    public static readonly IReadOnlyList<int> KnownAddresses = [0x1D, 0x44, 0x45, 0x48, 0x49, 0x4A, 0x4B, 0x53, 0x76, 0x77];

    /// <summary>The I2C bus numbers that exist under <paramref name="devRoot"/> (/dev/i2c-N).</summary>
    public static IReadOnlyList<int> FindI2cBuses(string devRoot = "/dev")
    {
        if (!Directory.Exists(devRoot)) return [];
        return Directory.EnumerateFileSystemEntries(devRoot, "i2c-*")
            .Select(p => int.TryParse(Path.GetFileName(p).AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0).Order().ToArray();
    }

    /// <summary>Probes the known addresses of one bus.</summary>
    public static IReadOnlyList<ScannedChip> ScanI2cBus(IDeviceBusProvider buses, int bus)
    {
        ArgumentNullException.ThrowIfNull(buses);
        var found = new List<ScannedChip>();
        foreach (var address in KnownAddresses)
        {
            I2cDevice device;
            try
            {
                device = buses.OpenI2c(bus, address);
            }
            catch (DeviceCommunicationException)
            {
                continue;
            }
            using (device)
            {
                if (Identify(device) is { } chip) found.Add(new ScannedChip(bus, address, chip.Name, chip.Evidence));
            }
        }
        return found;
    }

    /// <summary>Identifies the chip at one address, or null when nothing known answers.</summary>
    public static (string Name, string Evidence)? Identify(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        static T? Try<T>(Func<T> probe) where T : struct
        {
            try { return probe(); }
            catch (DeviceCommunicationException) { return null; }
        }

        SensorDelay quick = static d => Thread.Sleep(d);
        switch (device.Address)
        {
            case 0x76 or 0x77:
                var id = Try(() => device.ReadRegister(0xD0));
                return id switch
                {
                    0x60 => ("BME280", "chip id 0x60 at 0xD0"),
                    0x58 => ("BMP280", "chip id 0x58 at 0xD0"),
                    0x61 => ("BME680", "chip id 0x61 at 0xD0 (not supported yet)"),
                    null => null,
                    _ => ("unknown", $"register 0xD0 = 0x{id:X2}"),
                };
            case 0x44 or 0x45:
                if (Try(() => { _ = new Sht3x(device, shouldDispose: false, delay: quick); return true; }) == true) return ("SHT3x", "status register with valid CRC");
                if (Try(() => new Sht4x(device, shouldDispose: false, delay: quick).SerialNumber) is { } serial)
                    return ("SHT4x", $"serial 0x{serial:X8} with valid CRC");
                return null;
            case >= 0x48 and <= 0x4B:
                if (Try(() => { _ = new Ads1115.Ads1115(device, shouldDispose: false, delay: quick); return true; }) == true)
                    return ("ADS1115", "threshold registers at reset values 0x8000/0x7FFF");
                return null;
            case 0x53 or 0x1D:
                var devId = Try(() => device.ReadRegister(0x00));
                return devId == Adxl345.Adxl345.ExpectedDeviceId ? ("ADXL345", "DEVID 0xE5") : devId is null ? null : ("unknown", $"register 0x00 = 0x{devId:X2}");
            default:
                return null;
        }
    }
}
