using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.DigitalCounter;
using SmartFactoryEdge.Devices.Linux;

namespace SmartFactoryEdge.Devices.Tests.KernelTier;

/// <summary>
/// Runs the GPIO v2 access layer against the kernel's gpio-sim: creates a simulated chip through configfs, requests a
/// line with edge detection, drives the simulated pull from sysfs and reads the kernel's edge events.
/// </summary>
[Trait("tier", "kernel")]
public sealed class GpioSimTests
{
    [KernelFacilityFact(KernelFacility.GpioSim)]
    public void EdgeEventsFromASimulatedChipFeedTheCounter()
    {
        var name = "sfe-test-" + Environment.ProcessId;
        var dir = Path.Combine(KernelFacilities.GpioSimConfigRoot, name);
        Directory.CreateDirectory(dir);
        var bank = Path.Combine(dir, "bank0");
        Directory.CreateDirectory(bank);
        try
        {
            File.WriteAllText(Path.Combine(bank, "num_lines"), "8");
            File.WriteAllText(Path.Combine(dir, "live"), "1");
            var chipName = File.ReadAllText(Path.Combine(bank, "chip_name")).Trim();
            var devName = File.ReadAllText(Path.Combine(dir, "dev_name")).Trim();
            var pull = Path.Combine("/sys/devices/platform", devName, chipName, "sim_gpio3", "pull");

            using var chip = new LinuxGpioChip("/dev/" + chipName);
            Assert.Equal(8, chip.LineCount);
            using var line = chip.RequestLine(new GpioLineRequestOptions { Offset = 3, Edges = GpioEdgeDetection.Both });
            using var counter = new DigitalInputCounter(line, TimeSpan.Zero, shouldDispose: false);
            for (var i = 0; i < 3; i++)
            {
                File.WriteAllText(pull, "pull-up");
                File.WriteAllText(pull, "pull-down");
            }
            Assert.Equal(3, counter.Update());
            Assert.False(line.Read());
            File.WriteAllText(pull, "pull-up");
            Assert.True(line.Read());
        }
        finally
        {
            File.WriteAllText(Path.Combine(dir, "live"), "0");
            Directory.Delete(bank);
            Directory.Delete(dir);
        }
    }
}
