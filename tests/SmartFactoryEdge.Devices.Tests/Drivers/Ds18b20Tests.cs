using SmartFactoryEdge.Devices.Common;
using SmartFactoryEdge.Devices.Sensors;
using SmartFactoryEdge.TestKit.Devices;
using Ds18b20Driver = SmartFactoryEdge.Devices.Ds18b20.Ds18b20;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class Ds18b20Tests : IDisposable
{
    private const string Id = "28-0316a279a2ff";
    private readonly FakeW1Sysfs _sysfs = new();

    [Fact]
    public void MaximCrcOfTheDatasheetRomExampleIsZeroOverAllNineBytes()
    {
        // Application note 27's ROM example: family 02, serial 1C B8 01 00 00 00, CRC A2.
        Assert.Equal(0xA2, Crc8.Maxim([0x02, 0x1C, 0xB8, 0x01, 0x00, 0x00, 0x00]));
    }

    [Theory]
    [InlineData(new byte[] { 0xD0, 0x07 }, 125.0)]
    [InlineData(new byte[] { 0x91, 0x01 }, 25.0625)]
    [InlineData(new byte[] { 0x08, 0x00 }, 0.5)]
    [InlineData(new byte[] { 0x00, 0x00 }, 0.0)]
    [InlineData(new byte[] { 0xF8, 0xFF }, -0.5)]
    [InlineData(new byte[] { 0x5E, 0xFF }, -10.125)]
    [InlineData(new byte[] { 0x6F, 0xFE }, -25.0625)]
    [InlineData(new byte[] { 0x90, 0xFC }, -55.0)]
    public void DecodesTheDatasheetTemperatureTable(byte[] raw, double expected)
    {
        byte[] scratchpad = [raw[0], raw[1], 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0];
        Assert.Equal(expected, Ds18b20Driver.DecodeDegreesCelsius(scratchpad));
    }

    [Fact]
    public void NineBitResolutionMasksUndefinedBits()
    {
        byte[] scratchpad = [0x97, 0x01, 0x4B, 0x46, 0x1F, 0xFF, 0x0C, 0x10, 0];
        Assert.Equal(25.0, Ds18b20Driver.DecodeDegreesCelsius(scratchpad));
    }

    [Fact]
    public void ReadsFromTheFakeSysfs()
    {
        _sysfs.SetTemperature(Id, 23.125);
        using var sensor = new Ds18b20Driver(_sysfs.CreateBus(), Id);
        Assert.True(sensor.TryReadTemperature(out var t));
        Assert.Equal(23.125, t);
        Assert.Equal([Id], _sysfs.CreateBus().EnumerateDeviceIds(0x28));
    }

    [Fact]
    public void CrcErrorThrowsDeviceCrcException()
    {
        _sysfs.CorruptCrc(Id, 20.0);
        using var sensor = new Ds18b20Driver(_sysfs.CreateBus(), Id);
        var ex = Assert.Throws<DeviceCrcException>(() => sensor.TryReadTemperature(out _));
        Assert.Contains(Id, ex.Message);
    }

    [Fact]
    public void PowerOnValueIsRejectedUntilConfirmed()
    {
        _sysfs.SetTemperature(Id, 21.0);
        using var sensor = new Ds18b20Driver(_sysfs.CreateBus(), Id);
        Assert.True(sensor.TryReadTemperature(out _));
        _sysfs.SetPowerOnValue(Id);
        Assert.False(sensor.TryReadTemperature(out _));
        var readings = new SensorReading[1];
        _sysfs.SetTemperature(Id, 21.5);
        Assert.True(sensor.TryReadTemperature(out var t));
        Assert.Equal(21.5, t);
        _sysfs.SetPowerOnValue(Id);
        Assert.Throws<SensorFaultException>(() => ((IPolledSensor)sensor).Read(readings));
        ((IPolledSensor)sensor).Read(readings); // a second 85 °C in a row is a real 85 °C
        Assert.Equal(85.0, readings[0].Value);
    }

    [Fact]
    public void DisappearingSlaveIsDeviceNotResponding()
    {
        _sysfs.SetTemperature(Id, 21.0);
        using var sensor = new Ds18b20Driver(_sysfs.CreateBus(), Id);
        _sysfs.Remove(Id);
        Assert.Throws<DeviceNotRespondingException>(() => sensor.TryReadTemperature(out _));
        Assert.Throws<DeviceNotRespondingException>(() => new Ds18b20Driver(_sysfs.CreateBus(), Id));
        _sysfs.SetTemperature(Id, 22.0);
        Assert.True(sensor.TryReadTemperature(out var t));
        Assert.Equal(22.0, t);
    }

    [Fact]
    public void WrongFamilyAndGarbageAreRejected()
    {
        Assert.Throws<ChipIdentityException>(() => new Ds18b20Driver(_sysfs.CreateBus(), "10-000802b4f0d4"));
        var scratchpad = new byte[9];
        Assert.Throws<SmartFactoryEdge.Core.DeviceCommunicationException>(() => Ds18b20Driver.ParseScratchpad("garbage", scratchpad, Id));
        Assert.Throws<DeviceNotRespondingException>(() => Ds18b20Driver.ParseScratchpad("00 00 00 00 00 00 00 00 00 : crc=00 YES", scratchpad, Id));
    }

    [Fact]
    public void EveryTruncationOfW1SlaveFailsCleanly()
    {
        _sysfs.SetTemperature(Id, 19.5);
        var text = File.ReadAllText(Path.Combine(_sysfs.RootPath, Id, "w1_slave"));
        var scratchpad = new byte[9];
        for (var cut = 0; cut < 26; cut++) // the ninth byte ends at column 26
        {
            var truncated = text[..cut];
            Assert.ThrowsAny<SmartFactoryEdge.Core.DeviceCommunicationException>(() => Ds18b20Driver.ParseScratchpad(truncated, scratchpad, Id));
        }
        var random = new Random(8);
        for (var i = 0; i < 2000; i++)
        {
            var chars = text.ToCharArray();
            chars[random.Next(chars.Length)] = (char)random.Next(32, 127);
            try
            {
                Ds18b20Driver.ParseScratchpad(new string(chars), scratchpad, Id);
            }
            catch (SmartFactoryEdge.Core.DeviceCommunicationException)
            {
                // expected for most mutations
            }
        }
    }

    public void Dispose() => _sysfs.Dispose();
}
