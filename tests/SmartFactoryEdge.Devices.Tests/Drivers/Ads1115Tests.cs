using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Devices.Ads1115;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.TestKit.Devices;
using Ads1115Driver = SmartFactoryEdge.Devices.Ads1115.Ads1115;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class Ads1115Tests
{
    private static readonly SensorDelay NoDelay = _ => { };

    [Theory]
    [InlineData(Ads1115Range.PlusMinus4096mV, 1.0, 8000)]
    [InlineData(Ads1115Range.PlusMinus2048mV, 1.0, 16000)]
    [InlineData(Ads1115Range.PlusMinus6144mV, -1.5, -8000)]
    [InlineData(Ads1115Range.PlusMinus256mV, 1.0, 32767)] // clipped at full scale
    public void ConvertsAtTheSelectedGain(Ads1115Range range, double volts, int expectedCode)
    {
        var sim = new Ads1115Simulator();
        sim.SetInputVolts(2, volts);
        using var adc = new Ads1115Driver(sim, delay: NoDelay);
        Assert.Equal(expectedCode, adc.ReadRaw(Ads1115Input.Ain2, range));
        Assert.Equal(expectedCode * Ads1115Driver.FullScaleVolts(range) / 32768.0, adc.ReadVolts(Ads1115Input.Ain2, range), 1e-9);
    }

    [Theory]
    [InlineData(4.0, 0.0)]
    [InlineData(12.0, 5.0)]
    [InlineData(20.0, 10.0)]
    public void CurrentLoopScalesFourToTwentyMilliamperes(double milliamperes, double expectedBar)
    {
        var sim = new Ads1115Simulator();
        sim.SetInputVolts(0, milliamperes / 1000.0 * 150.0);
        using var adc = new Ads1115Driver(sim, delay: NoDelay);
        var channel = new Ads1115Channel { Name = "pressure", Kind = AnalogInputKind.CurrentLoop4To20mA, ShuntOhms = 150, RangeLow = 0, RangeHigh = 10, Unit = "bar" };
        Assert.True(adc.TryReadChannel(channel, out var value, out var quality));
        Assert.Equal(expectedBar, value, 0.002);
        Assert.True(quality.IsGood);
    }

    [Fact]
    public void BrokenLoopIsABadSensorFailure()
    {
        var sim = new Ads1115Simulator();
        sim.SetInputVolts(0, 0.0001); // 0 mA: wire cut
        var channels = new[] { new Ads1115Channel { Name = "level", Kind = AnalogInputKind.CurrentLoop4To20mA } };
        using var adc = new Ads1115Driver(sim, channels, delay: NoDelay);
        Assert.False(adc.TryReadChannel(channels[0], out _, out var quality));
        Assert.Equal(StatusCodes.BadSensorFailure, quality.Code);
        Span<SensorReading> readings = stackalloc SensorReading[1];
        ((IPolledSensor)adc).Read(readings);
        Assert.Equal(StatusCodes.BadSensorFailure, readings[0].Quality.Code);
    }

    [Fact]
    public void ZeroToTenVoltsThroughADivider()
    {
        var sim = new Ads1115Simulator();
        sim.SetInputVolts(1, 7.5 / 3.0); // 7.5 V at the terminal, 3:1 divider
        using var adc = new Ads1115Driver(sim, delay: NoDelay);
        var channel = new Ads1115Channel { Name = "speed", Input = Ads1115Input.Ain1, Kind = AnalogInputKind.Voltage0To10V, DividerRatio = 3.0, RangeLow = 0, RangeHigh = 3000 };
        Assert.True(adc.TryReadChannel(channel, out var rpm, out _));
        Assert.Equal(2250.0, rpm, 0.5);
    }

    [Fact]
    public void IdentityCheckRejectsChangedThresholdRegisters()
    {
        var sim = new Ads1115Simulator();
        sim.SetRegister16(2, 0x1234);
        Assert.Throws<ChipIdentityException>(() => new Ads1115Driver(sim, delay: NoDelay));
    }
}
