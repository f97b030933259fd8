using SmartFactoryEdge.Devices.Adxl345;
using SmartFactoryEdge.TestKit.Devices;
using Adxl345Driver = SmartFactoryEdge.Devices.Adxl345.Adxl345;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class Adxl345Tests
{
    [Fact]
    public void SineVibrationHasRmsAmplitudeOverRootTwoAndCrestFactorRootTwo()
    {
        var sim = new Adxl345Simulator();
        using var adxl = new Adxl345Driver(sim, windowLength: 128);
        Assert.Equal(0x08, sim.Registers[0x2D]); // measure
        Assert.Equal(0x80, sim.Registers[0x38]); // FIFO stream
        const double amplitudeG = 0.5;
        var features = default(VibrationFeatures);
        var filled = false;
        for (var i = 0; i < 128; i++)
        {
            // 1 g gravity on z, a sine on x with exactly 8 periods per window, nothing on y.
            sim.Enqueue(amplitudeG * Math.Sin(2 * Math.PI * 8 * i / 128.0), 0.0, 1.0);
            if (sim.FifoCount == 32) filled = adxl.TryReadVibration(out features);
        }
        Assert.True(filled);
        var amplitude = amplitudeG * Adxl345Driver.GravityMetersPerSecondSquared;
        Assert.Equal(amplitude / Math.Sqrt(2), features.RmsXMetersPerSecondSquared, 0.02);
        Assert.Equal(0.0, features.RmsZMetersPerSecondSquared, 1e-9); // gravity removed
        Assert.Equal(amplitude, features.PeakMetersPerSecondSquared, 0.05);
        Assert.Equal(Math.Sqrt(2), features.CrestFactor, 0.02);
    }

    [Fact]
    public void WindowReportsNothingUntilFull()
    {
        var sim = new Adxl345Simulator();
        using var adxl = new Adxl345Driver(sim, windowLength: 64);
        for (var i = 0; i < 10; i++) sim.Enqueue(0.1, 0, 1);
        Assert.False(adxl.TryReadVibration(out _));
        Assert.Equal(10, adxl.Window.Count);
        Assert.Equal(0, sim.FifoCount);
    }

    [Fact]
    public void ImpactsRaiseTheCrestFactor()
    {
        var x = new double[200];
        for (var i = 0; i < x.Length; i++) x[i] = Math.Sin(2 * Math.PI * i / 20.0);
        x[100] = 8.0;
        var zeros = new double[200];
        var f = VibrationFeatures.Compute(x, zeros, zeros);
        Assert.True(f.CrestFactor > 5, $"crest factor {f.CrestFactor}");
    }

    [Fact]
    public void WrongDeviceIdThrows()
    {
        var sim = new Adxl345Simulator();
        sim.SetRegister(0x00, 0x00);
        Assert.Throws<ChipIdentityException>(() => new Adxl345Driver(sim));
    }

    [Fact]
    public void ReadAccelerationScalesFullResolution()
    {
        var sim = new Adxl345Simulator();
        using var adxl = new Adxl345Driver(sim);
        sim.Enqueue(0, 0, 1.0);
        var a = adxl.ReadAcceleration();
        Assert.Equal(9.80665, a.ZMetersPerSecondSquared, 0.03);
    }
}
