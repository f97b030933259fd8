using SmartFactoryEdge.Core;

namespace SmartFactoryEdge.Devices.Buses;

/// <summary>
/// The Linux w1 subsystem through sysfs: each slave is a folder "ff-xxxxxxxxxxxx" (family code, serial) under
/// <see cref="RootPath"/>. Tests point the root at a temporary folder with the same shape.
/// </summary>
public sealed class OneWireBus
{
    /// <summary>Where the kernel lists w1 slaves.</summary>
    public const string DefaultRootPath = "/sys/bus/w1/devices";

    public OneWireBus(string rootPath = DefaultRootPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        RootPath = rootPath;
    }

    public string RootPath { get; }

    /// <summary>Slave ids ("28-0316a279a2ff"), optionally only one family (0x28 = DS18B20).</summary>
    public IReadOnlyList<string> EnumerateDeviceIds(byte? familyCode = null)
    {
        if (!Directory.Exists(RootPath)) return [];
        var prefix = familyCode is { } f ? f.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + "-" : null;
        var ids = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(RootPath))
        {
            var name = Path.GetFileName(dir);
            if (name.Length < 4 || name[2] != '-') continue; // skips w1_bus_master1
            if (prefix is not null && !name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            ids.Add(name);
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Whether the slave's folder exists.</summary>
    public bool IsPresent(string deviceId) => Directory.Exists(Path.Combine(RootPath, deviceId));

    /// <summary>Reads an attribute of a slave (e.g. "w1_slave"); reading w1_slave starts a conversion and blocks ~750 ms on hardware.</summary>
    /// <exception cref="DeviceNotRespondingException">The slave's folder is gone (the master no longer sees it).</exception>
    /// <exception cref="DeviceCommunicationException">The read failed.</exception>
    public string ReadAttribute(string deviceId, string attribute)
    {
        var path = Path.Combine(RootPath, deviceId, attribute);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            throw new DeviceNotRespondingException($"1-Wire slave {deviceId} is not present under {RootPath}.", ex);
        }
        catch (IOException ex)
        {
            throw new DeviceCommunicationException($"Reading {path} failed: {ex.Message}", ex);
        }
    }
}
