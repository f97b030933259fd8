using SmartFactoryEdge.Devices.Bme280;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.TestKit.Devices;
using Bme280Driver = SmartFactoryEdge.Devices.Bme280.Bme280;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class Bme280Tests
{
    private static readonly SensorDelay NoDelay = _ => { };

    [Fact]
    public void CompensationReproducesTheDatasheetExample()
    {
        // BMP280 datasheet 3.11.3 / BME280 uses the same T and P formulas: adc_T 519888 -> 25.08 °C, adc_P 415148 -> 100653.27 Pa.
        var c = Bme280Simulator.DatasheetExample;
        var t = Bme280Compensation.DegreesCelsius(519888, c, out var tFine);
        var p = Bme280Compensation.Pascals(415148, tFine, c);
        Assert.Equal(25.08, t, 0.005);
        Assert.Equal(128422.0, tFine, 1.0);
        Assert.Equal(100653.27, p, 0.01);
    }

    [Theory]
    [InlineData(30000)]
    [InlineData(20000)]
    [InlineData(40000)]
    [InlineData(0)]
    [InlineData(65535)]
    public void HumidityAgreesWithTheDatasheetInt32Formula(int adcH)
    {
        var c = Bme280Simulator.DatasheetExample;
        Bme280Compensation.DegreesCelsius(519888, c, out var tFine);
        var expected = ReferenceHumidityQ22_10(adcH, 128422, c) / 1024.0;
        Assert.Equal(expected, Bme280Compensation.RelativeHumidityPercent(adcH, tFine, c), 0.05);
    }

    [Fact]
    public void ReadsThroughTheRegisterSimulatorInForcedMode()
    {
        var sim = new Bme280Simulator();
        using var bme = new Bme280Driver(sim, delay: NoDelay);
        Assert.Equal(Bme280Simulator.DatasheetExample, bme.Calibration);
        var r = bme.Read();
        Assert.Equal(25.08, r.DegreesCelsius, 0.005);
        Assert.Equal(100653.27, r.Pascals, 0.01);
        Assert.InRange(r.RelativeHumidityPercent, 0.0, 100.0);
        Assert.Equal(1, sim.Measurements);
        Assert.Equal(0x01, sim.Registers[0xF2]); // ctrl_hum osrs_h x1
    }

    [Fact]
    public void WrongChipIdThrowsAtConstructionAndNamesTheChip()
    {
        var sim = new Bme280Simulator();
        sim.SetChipId(0x58);
        var ex = Assert.Throws<ChipIdentityException>(() => new Bme280Driver(sim, delay: NoDelay));
        Assert.Contains("BMP280", ex.Message);
        sim.SetChipId(0x00);
        ex = Assert.Throws<ChipIdentityException>(() => new Bme280Driver(sim, delay: NoDelay));
        Assert.Contains("0xD0", ex.Message);
    }

    [Fact]
    public void NackIsADeviceNotRespondingException()
    {
        var sim = new Bme280Simulator();
        using var bme = new Bme280Driver(sim, delay: NoDelay);
        sim.NackNextTransfers = 1;
        var ex = Assert.Throws<DeviceNotRespondingException>(() => bme.Read());
        Assert.Contains("0x76", ex.Message);
        Assert.Equal(25.08, bme.Read().DegreesCelsius, 0.005);
    }

    [Fact]
    public void CalibrationParsesTheSplitH4AndH5Nibbles()
    {
        var sim = new Bme280Simulator(calibration: Bme280Simulator.DatasheetExample with { H4 = -300, H5 = -7 });
        using var bme = new Bme280Driver(sim, delay: NoDelay);
        Assert.Equal(-300, bme.Calibration.H4);
        Assert.Equal(-7, bme.Calibration.H5);
    }

    private static long ReferenceHumidityQ22_10(int adcH, int tFine, Bme280Calibration c)
    {
        int v = tFine - 76800;
        v = ((((adcH << 14) - (c.H4 << 20) - (c.H5 * v)) + 16384) >> 15) *
            (((((((v * c.H6) >> 10) * (((v * c.H3) >> 11) + 32768)) >> 10) + 2097152) * c.H2 + 8192) >> 14);
        v -= ((((v >> 15) * (v >> 15)) >> 7) * c.H1) >> 4;
        v = Math.Clamp(v, 0, 419430400);
        return v >> 12;
    }
}
