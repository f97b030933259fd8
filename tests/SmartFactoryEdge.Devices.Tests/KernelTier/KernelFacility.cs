using System.Diagnostics;

namespace SmartFactoryEdge.Devices.Tests.KernelTier;

/// <summary>Kernel test facilities that let the access layer run against real kernel code without hardware.</summary>
public enum KernelFacility
{
    /// <summary>gpio-sim (CONFIG_GPIO_SIM): simulated GPIO chips configured through configfs.</summary>
    GpioSim,
    /// <summary>i2c-stub (CONFIG_I2C_STUB): an SMBus adapter with register-file chips at chosen addresses.</summary>
    I2cStub,
}

/// <summary>Finds (and, when root and modprobe are there, loads) a kernel facility; says why not otherwise.</summary>
public static class KernelFacilities
{
    public const string GpioSimConfigRoot = "/sys/kernel/config/gpio-sim";

    private static readonly Lazy<string?> GpioSimWhyNot = new(() => Probe(
        () => Directory.Exists(GpioSimConfigRoot),
        "gpio-sim",
        $"gpio-sim is not available here: {GpioSimConfigRoot} is missing (needs a kernel with CONFIG_GPIO_SIM, configfs mounted at /sys/kernel/config, root, and 'modprobe gpio-sim')."));

    private static readonly Lazy<string?> I2cStubWhyNot = new(() => Probe(
        () => FindI2cStubBus() is not null,
        "i2c-stub chip_addr=0x76",
        "i2c-stub is not available here: no I2C adapter named 'SMBus stub driver' under /sys/class/i2c-adapter (needs CONFIG_I2C_STUB, root and 'modprobe i2c-dev; modprobe i2c-stub chip_addr=0x76')."));

    public static string? WhyNot(KernelFacility facility) => facility == KernelFacility.GpioSim ? GpioSimWhyNot.Value : I2cStubWhyNot.Value;

    /// <summary>The bus number of the i2c-stub adapter, if loaded.</summary>
    public static int? FindI2cStubBus()
    {
        const string root = "/sys/class/i2c-adapter";
        if (!Directory.Exists(root)) return null;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var nameFile = Path.Combine(dir, "name");
            if (File.Exists(nameFile) && File.ReadAllText(nameFile).Trim() == "SMBus stub driver"
                && int.TryParse(Path.GetFileName(dir).AsSpan(4), out var bus) && File.Exists($"/dev/i2c-{bus}"))
                return bus;
        }
        return null;
    }

    private static string? Probe(Func<bool> present, string module, string why)
    {
        if (present()) return null;
        var modprobe = new[] { "/usr/sbin/modprobe", "/sbin/modprobe" }.FirstOrDefault(File.Exists);
        if (modprobe is not null && Environment.UserName == "root")
        {
            try
            {
                foreach (var m in new[] { "i2c-dev", module })
                {
                    using var process = Process.Start(new ProcessStartInfo(modprobe, m.Split(' ')) { RedirectStandardError = true, RedirectStandardOutput = true });
                    process?.WaitForExit(10_000);
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // modprobe could not run
            }
            if (present()) return null;
        }
        return why;
    }
}

/// <summary>An xunit 2 fact that is skipped with a clear message when the kernel facility is absent.</summary>
public sealed class KernelFacilityFactAttribute : FactAttribute
{
    public KernelFacilityFactAttribute(KernelFacility facility)
    {
        if (KernelFacilities.WhyNot(facility) is { } why) Skip = why;
    }
}
