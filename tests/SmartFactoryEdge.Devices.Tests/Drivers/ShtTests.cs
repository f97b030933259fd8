using SmartFactoryEdge.Devices.Common;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.Devices.Sht;
using SmartFactoryEdge.TestKit.Devices;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class ShtTests
{
    private static readonly SensorDelay NoDelay = _ => { };

    [Fact]
    public void SensirionCrcMatchesTheDatasheetExample()
    {
        // SHT3x datasheet table 19: CRC(0xBEEF) = 0x92.
        Assert.Equal(0x92, Crc8.Sensirion([0xBE, 0xEF]));
    }

    [Fact]
    public void Sht3xConvertsRawWordsWithTheDatasheetFormulas()
    {
        var sim = new Sht3xSimulator { RawTemperature = 0x6666, RawHumidity = 0x8000 };
        using var sht = new Sht3x(sim, delay: NoDelay);
        var r = sht.Read();
        Assert.Equal(-45.0 + 175.0 * 0x6666 / 65535.0, r.DegreesCelsius, 1e-9);
        Assert.Equal(100.0 * 0x8000 / 65535.0, r.RelativeHumidityPercent, 1e-9);
        sim.Set(-40.0, 0.0);
        Assert.Equal(-40.0, sht.Read().DegreesCelsius, 0.01);
        sim.Set(125.0, 100.0);
        Assert.Equal(100.0, sht.Read().RelativeHumidityPercent, 0.01);
    }

    [Fact]
    public void Sht3xCrcErrorThrowsDeviceCrcExceptionAndTheNextReadRecovers()
    {
        var sim = new Sht3xSimulator();
        sim.Set(21.5, 40.0);
        using var sht = new Sht3x(sim, delay: NoDelay);
        sim.CorruptNextCrcs = 1;
        var ex = Assert.Throws<DeviceCrcException>(() => sht.Read());
        Assert.Contains("word 0", ex.Message);
        Assert.Equal(21.5, sht.Read().DegreesCelsius, 0.01);
    }

    [Fact]
    public void Sht3xIdentityFailsWhenTheStatusCrcIsWrong()
    {
        var sim = new Sht3xSimulator { CorruptNextCrcs = 1 };
        Assert.Throws<ChipIdentityException>(() => new Sht3x(sim, delay: NoDelay));
    }

    [Fact]
    public void Sht3xAbsentDeviceNacks()
    {
        var sim = new Sht3xSimulator { Present = false };
        Assert.Throws<DeviceNotRespondingException>(() => new Sht3x(sim, delay: NoDelay));
    }

    [Fact]
    public void Sht4xReadsSerialAndConvertsHumidityWithItsOffset()
    {
        var sim = new Sht4xSimulator { SerialNumber = 0x0BADCAFE };
        sim.Set(30.0, 55.0);
        using var sht = new Sht4x(sim, delay: NoDelay);
        Assert.Equal(0x0BADCAFEu, sht.SerialNumber);
        var r = sht.Read();
        Assert.Equal(30.0, r.DegreesCelsius, 0.01);
        Assert.Equal(55.0, r.RelativeHumidityPercent, 0.01);
        sim.RawHumidity = 0; // -6 %RH clamps to 0
        Assert.Equal(0.0, sht.Read().RelativeHumidityPercent);
        sim.CorruptNextCrcs = 1;
        Assert.Throws<DeviceCrcException>(() => sht.Read());
    }
}
