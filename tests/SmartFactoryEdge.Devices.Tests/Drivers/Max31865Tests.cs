using SmartFactoryEdge.Devices.Max31865;
using SmartFactoryEdge.TestKit.Devices;
using Max31865Driver = SmartFactoryEdge.Devices.Max31865.Max31865;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class Max31865Tests
{
    [Theory]
    [InlineData(0.0, 100.0)]
    [InlineData(100.0, 138.51)]
    [InlineData(200.0, 175.86)]
    [InlineData(-100.0, 60.26)]
    [InlineData(-200.0, 18.52)]
    [InlineData(850.0, 390.48)]
    public void CallendarVanDusenMatchesTheIec60751Table(double degreesCelsius, double ohms)
    {
        Assert.Equal(ohms, CallendarVanDusen.Resistance(degreesCelsius, 100.0), 0.01);
        Assert.Equal(degreesCelsius, CallendarVanDusen.DegreesCelsius(CallendarVanDusen.Resistance(degreesCelsius, 100.0), 100.0), 1e-6);
    }

    [Fact]
    public void Pt100AtZeroDegreesIsOneHundredOhms()
    {
        var sim = new Max31865Simulator(430.0);
        sim.SetResistance(100.0);
        using var rtd = new Max31865Driver(sim, RtdType.Pt100, 430.0, wires: 3);
        Assert.Equal(0xD1, sim.Configuration); // VBIAS, auto, 3-wire, 50 Hz
        Assert.Equal(100.0, rtd.ReadResistanceOhms(), 0.01); // code 7620 x 430 / 32768 = 99.994 Ω
        Assert.Equal(0.0, rtd.ReadDegreesCelsius(), 0.05);
    }

    [Theory]
    [InlineData(RtdType.Pt100, 430.0, -50.0)]
    [InlineData(RtdType.Pt100, 430.0, 350.0)]
    [InlineData(RtdType.Pt1000, 4300.0, 121.0)]
    [InlineData(RtdType.Pt1000, 4300.0, -180.0)]
    public void ReadsTemperaturesAcrossTheRange(RtdType type, double reference, double degreesCelsius)
    {
        var sim = new Max31865Simulator(reference);
        sim.SetTemperature(degreesCelsius, type == RtdType.Pt100 ? 100.0 : 1000.0);
        using var rtd = new Max31865Driver(sim, type, reference);
        Assert.Equal(degreesCelsius, rtd.ReadDegreesCelsius(), 0.1);
    }

    [Fact]
    public void FaultBitReadsAndClearsTheFaultRegister()
    {
        var sim = new Max31865Simulator();
        sim.SetResistance(110.0);
        using var rtd = new Max31865Driver(sim);
        sim.InjectFault(Max31865Fault.RtdHighThreshold | Max31865Fault.RefInMinusBelow85PercentOfBias);
        var ex = Assert.Throws<SensorFaultException>(() => rtd.ReadResistanceOhms());
        Assert.Contains("open element", ex.Message);
        Assert.Contains("0x90", ex.Message);
        Assert.Equal(110.0, rtd.ReadResistanceOhms(), 0.02); // cleared
    }

    [Fact]
    public void MissingChipFailsTheReadBackCheck()
    {
        var sim = new Max31865Simulator { Present = false };
        Assert.Throws<ChipIdentityException>(() => new Max31865Driver(sim));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Max31865Driver(new Max31865Simulator(), wires: 5));
    }
}
