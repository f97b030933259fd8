using System.Globalization;
using System.Text;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Common;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// A temporary folder shaped like /sys/bus/w1/devices: a w1_bus_master1 folder and one "28-xxxxxxxxxxxx" folder per
/// DS18B20 with a w1_slave file in the kernel's format. Deleted on dispose.
/// </summary>
public sealed class FakeW1Sysfs : IDisposable
{
    public FakeW1Sysfs()
    {
        RootPath = Directory.CreateTempSubdirectory("sfe-w1-").FullName;
        Directory.CreateDirectory(Path.Combine(RootPath, "w1_bus_master1"));
    }

    public string RootPath { get; }

    public OneWireBus CreateBus() => new(RootPath);

    /// <summary>Adds (or updates) a DS18B20 reading <paramref name="degreesCelsius"/> at 12-bit resolution.</summary>
    public void SetTemperature(string deviceId, double degreesCelsius)
    {
        var raw = (short)Math.Round(degreesCelsius * 16.0);
        byte[] scratchpad = [(byte)raw, (byte)(raw >> 8), 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0];
        scratchpad[8] = Crc8.Maxim(scratchpad.AsSpan(0, 8));
        SetScratchpad(deviceId, scratchpad);
    }

    /// <summary>The power-on reset scratchpad (85 °C).</summary>
    public void SetPowerOnValue(string deviceId) => SetTemperature(deviceId, 85.0);

    /// <summary>Writes a scratchpad as the kernel would print it (with its own crc=.. YES/NO verdict).</summary>
    public void SetScratchpad(string deviceId, ReadOnlySpan<byte> scratchpad)
    {
        var dir = Path.Combine(RootPath, deviceId);
        Directory.CreateDirectory(dir);
        var hex = new StringBuilder();
        foreach (var b in scratchpad) hex.Append(b.ToString("x2", CultureInfo.InvariantCulture)).Append(' ');
        var ok = Crc8.Maxim(scratchpad[..8]) == scratchpad[8];
        var raw = (short)(scratchpad[0] | scratchpad[1] << 8);
        var text = $"{hex}: crc={scratchpad[8]:x2} {(ok ? "YES" : "NO")}\n{hex}t={raw * 1000 / 16}\n";
        var path = Path.Combine(dir, "w1_slave");
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Rewrites the slave's scratchpad with a wrong CRC byte.</summary>
    public void CorruptCrc(string deviceId, double degreesCelsius)
    {
        var raw = (short)Math.Round(degreesCelsius * 16.0);
        byte[] scratchpad = [(byte)raw, (byte)(raw >> 8), 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0];
        scratchpad[8] = (byte)(Crc8.Maxim(scratchpad.AsSpan(0, 8)) ^ 0x01);
        SetScratchpad(deviceId, scratchpad);
    }

    /// <summary>The master no longer sees the slave: its folder disappears.</summary>
    public void Remove(string deviceId)
    {
        var dir = Path.Combine(RootPath, deviceId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public void Dispose()
    {
        try { Directory.Delete(RootPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
