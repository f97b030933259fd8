using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.DigitalCounter;
using SmartFactoryEdge.Devices.Linux;
using Bme280Driver = SmartFactoryEdge.Devices.Bme280.Bme280;
using Ds18b20Driver = SmartFactoryEdge.Devices.Ds18b20.Ds18b20;
using Max31855Driver = SmartFactoryEdge.Devices.Max31855.Max31855;

namespace SmartFactoryEdge.Devices.Tests.Hardware;

/// <summary>
/// Hardware-in-the-loop tier: needs the rig described in hardware/README.md (a Raspberry Pi with a BME280 on I2C-1 at
/// 0x76, a DS18B20 on the w1-gpio pin, a MAX31855 on SPI0 CE0, and GPIO17 jumpered to GPIO27). Never runs in CI
/// (scripts/test.sh filters requirement=hardware), and skipped unless SFE_HARDWARE=1.
/// Run on the rig with: SFE_HARDWARE=1 dotnet test --filter requirement=hardware
/// </summary>
[Trait("requirement", "hardware")]
public sealed class HardwareRigTests
{
    private static string GpioChip => Environment.GetEnvironmentVariable("SFE_HW_GPIOCHIP") ?? "/dev/gpiochip0";

    [HardwareFact]
    public void Bme280OnI2c1ReadsPlausibleWeather()
    {
        using var bme = new Bme280Driver(new LinuxI2cDevice(1, 0x76));
        var r = bme.Read();
        Assert.InRange(r.DegreesCelsius, -20, 60);
        Assert.InRange(r.Pascals, 80_000, 110_000);
        Assert.InRange(r.RelativeHumidityPercent, 1, 100);
    }

    [HardwareFact]
    public void JumperedGpioLoopbackCountsEveryPulse()
    {
        using var chip = new LinuxGpioChip(GpioChip);
        using var output = chip.RequestLine(new GpioLineRequestOptions { Offset = 17, Output = true });
        using var input = chip.RequestLine(new GpioLineRequestOptions { Offset = 27, Edges = GpioEdgeDetection.Both, Bias = GpioBias.PullDown });
        using var counter = new DigitalInputCounter(input, TimeSpan.Zero, shouldDispose: false);
        for (var i = 0; i < 5; i++)
        {
            output.Write(true);
            output.Write(false);
        }
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (counter.PartCount < 5 && DateTime.UtcNow < deadline) counter.Update();
        Assert.Equal(5, counter.PartCount);
    }

    [HardwareFact]
    public void Ds18b20AndMax31855ReadPlausibleTemperatures()
    {
        var bus = new OneWireBus();
        var id = Assert.Single(bus.EnumerateDeviceIds(0x28).Take(1));
        using var ds = new Ds18b20Driver(bus, id);
        Assert.True(ds.TryReadTemperature(out var t) || ds.TryReadTemperature(out t));
        Assert.InRange(t, -10, 60);
        using var tc = new Max31855Driver(new LinuxSpiDevice(new SpiConnectionSettings(0, 0) { ClockFrequencyHz = 1_000_000 }));
        Assert.InRange(tc.Read().InternalDegreesCelsius, -10, 70);
    }
}

/// <summary>A fact that runs only on the rig (SFE_HARDWARE=1), so that a plain dotnet test elsewhere stays green.</summary>
public sealed class HardwareFactAttribute : FactAttribute
{
    public HardwareFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SFE_HARDWARE") != "1")
            Skip = "Hardware-in-the-loop test: needs the rig in hardware/README.md; set SFE_HARDWARE=1 on the board to run it.";
    }
}
