using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Linux;

namespace SmartFactoryEdge.Devices.Tests.Linux;

/// <summary>The real P/Invoke paths that run without hardware: open failures, errno translation, flag mapping.</summary>
public sealed class LinuxAccessTests
{
    [Fact]
    public void MissingI2cBusIsDeviceNotRespondingAndNamesThePath()
    {
        var ex = Assert.Throws<DeviceNotRespondingException>(() => new LinuxI2cDevice(97, 0x76));
        Assert.Contains("/dev/i2c-97", ex.Message, StringComparison.Ordinal);
        Assert.Contains("errno 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSpidevAndGpioChipAreDeviceNotResponding()
    {
        Assert.Contains("/dev/spidev9.3", Assert.Throws<DeviceNotRespondingException>(() => new LinuxSpiDevice(new SpiConnectionSettings(9, 3))).Message, StringComparison.Ordinal);
        Assert.Throws<DeviceNotRespondingException>(() => new LinuxGpioChip("/dev/gpiochip97"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxI2cDevice(1, 0x80));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxSpiDevice(new SpiConnectionSettings(0, 0) { Mode = 4 }));
    }

    [Fact]
    public void ANonGpioCharacterDeviceFailsTheChipInfoIoctlWithAMessage()
    {
        var ex = Assert.ThrowsAny<DeviceCommunicationException>(() => new LinuxGpioChip("/dev/null"));
        Assert.Contains("GPIO_GET_CHIPINFO_IOCTL on /dev/null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChipNamesResolveToDevicePathsAndUnknownLabelsSayWhere()
    {
        Assert.Equal("/dev/gpiochip4", LinuxDeviceBusProvider.ResolveChip("gpiochip4"));
        Assert.Equal("/dev/gpiochip0", LinuxDeviceBusProvider.ResolveChip("/dev/gpiochip0"));
        var ex = Assert.Throws<DeviceNotRespondingException>(() => LinuxDeviceBusProvider.ResolveChip("pinctrl-rp1", "/nonexistent"));
        Assert.Contains("pinctrl-rp1", ex.Message, StringComparison.Ordinal);
        Assert.Null(LinuxGpioChip.FindByLabel("pinctrl-rp1", "/nonexistent"));
    }

    [Theory]
    [InlineData(false, false, GpioBias.AsIs, GpioEdgeDetection.Both, GpioV2.FlagInput | GpioV2.FlagEdgeRising | GpioV2.FlagEdgeFalling)]
    [InlineData(false, true, GpioBias.PullUp, GpioEdgeDetection.Falling, GpioV2.FlagInput | GpioV2.FlagActiveLow | GpioV2.FlagBiasPullUp | GpioV2.FlagEdgeFalling)]
    [InlineData(false, false, GpioBias.PullDown, GpioEdgeDetection.None, GpioV2.FlagInput | GpioV2.FlagBiasPullDown)]
    [InlineData(true, false, GpioBias.Disabled, GpioEdgeDetection.Both, GpioV2.FlagOutput | GpioV2.FlagBiasDisabled)]
    public void LineRequestFlagsFollowTheOptions(bool output, bool activeLow, GpioBias bias, GpioEdgeDetection edges, ulong expected)
    {
        var options = new GpioLineRequestOptions { Offset = 17, Output = output, ActiveLow = activeLow, Bias = bias, Edges = edges };
        Assert.Equal(expected, LinuxGpioChip.BuildFlags(options));
    }

    [Fact]
    public void OneWireBusListsSlavesButNotTheMaster()
    {
        using var w1 = new TestKit.Devices.FakeW1Sysfs();
        w1.SetTemperature("28-000000000002", 1);
        w1.SetTemperature("28-000000000001", 1);
        w1.SetTemperature("10-000000000003", 1);
        var bus = w1.CreateBus();
        Assert.Equal(["10-000000000003", "28-000000000001", "28-000000000002"], bus.EnumerateDeviceIds());
        Assert.Equal(["28-000000000001", "28-000000000002"], bus.EnumerateDeviceIds(0x28));
        Assert.Empty(new OneWireBus("/nonexistent-w1").EnumerateDeviceIds());
        Assert.Throws<DeviceNotRespondingException>(() => bus.ReadAttribute("28-00000000000f", "w1_slave"));
    }
}
