using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Devices.Max31855;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.TestKit.Devices;
using Max31855Driver = SmartFactoryEdge.Devices.Max31855.Max31855;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class Max31855Tests
{
    [Theory]
    [InlineData(0b01_1001_0000_0000, 1600.00)]
    [InlineData(0b00_1111_1010_0000, 1000.00)]
    [InlineData(0b00_0001_1001_0011, 100.75)]
    [InlineData(0b00_0000_0110_0100, 25.00)]
    [InlineData(0b00_0000_0000_0000, 0.00)]
    [InlineData(0b11_1111_1111_1111, -0.25)]
    [InlineData(0b11_1111_1111_1100, -1.00)]
    [InlineData(0b11_1100_0001_1000, -250.00)]
    public void DecodesTheDatasheetThermocoupleTable(int code14, double expected)
    {
        var frame = (uint)code14 << 18 | 0x190u << 4; // internal +25 °C
        var r = Max31855Driver.Decode(frame);
        Assert.Equal(expected, r.ThermocoupleDegreesCelsius);
        Assert.Equal(25.0, r.InternalDegreesCelsius);
    }

    [Theory]
    [InlineData(0b0111_1111_0000, 127.0)]
    [InlineData(0b0110_0100_1001, 100.5625)]
    [InlineData(0b1111_1111_1111, -0.0625)]
    [InlineData(0b1110_1100_0000, -20.0)]
    [InlineData(0b1100_1001_0000, -55.0)]
    public void DecodesTheDatasheetInternalTemperatureTable(int code12, double expected)
    {
        Assert.Equal(expected, Max31855Driver.Decode((uint)code12 << 4 | 1u << 20).InternalDegreesCelsius);
    }

    [Fact]
    public void OpenThermocoupleIsASensorFaultOnlyOnTheThermocoupleQuantity()
    {
        var sim = new Max31855Simulator { ThermocoupleDegreesCelsius = 812.25, InternalDegreesCelsius = 31.5 };
        using var tc = new Max31855Driver(sim);
        Assert.True(tc.TryReadThermocouple(out var t, out _));
        Assert.Equal(812.25, t);
        sim.Fault = (byte)Max31855Fault.OpenCircuit;
        Assert.False(tc.TryReadThermocouple(out _, out var fault));
        Assert.Equal(Max31855Fault.OpenCircuit, fault);
        Span<SensorReading> readings = stackalloc SensorReading[2];
        ((IPolledSensor)tc).Read(readings);
        Assert.Equal(StatusCodes.BadSensorFailure, readings[0].Quality.Code);
        Assert.True(readings[1].Quality.IsGood);
        Assert.Equal(31.5, readings[1].Value);
        sim.Fault = (byte)Max31855Fault.ShortToGround;
        Assert.Equal(Max31855Fault.ShortToGround, tc.Read().Fault);
    }

    [Fact]
    public void MissingChipReadsAllOnesAndIsNotResponding()
    {
        var sim = new Max31855Simulator { Present = false };
        Assert.Throws<DeviceNotRespondingException>(() => new Max31855Driver(sim));
        sim.Present = true;
        using var tc = new Max31855Driver(sim);
        sim.Present = false;
        Assert.Throws<DeviceNotRespondingException>(() => tc.Read());
    }
}
