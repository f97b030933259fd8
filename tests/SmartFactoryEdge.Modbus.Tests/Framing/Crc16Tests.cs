using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.TestKit.Modbus;

namespace SmartFactoryEdge.Modbus.Tests.Framing;

public class Crc16Tests
{
    [Fact]
    public void MatchesTheClassicReadHoldingRegistersExample()
    {
        // 01 03 00 00 00 0A is sent as ... C5 CD (low byte first)
        Assert.Equal(0xCDC5, Crc16.Compute([0x01, 0x03, 0x00, 0x00, 0x00, 0x0A]));
    }

    [Fact]
    public void MatchesTheBitwiseReferenceOnRandomData()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            Assert.Equal(ModbusTestFrames.BitwiseCrc(data), Crc16.Compute(data));
        }
    }

    [Fact]
    public void UpdateContinuesAcrossPieces()
    {
        byte[] data = [0x11, 0x22, 0x33, 0x44, 0x55];
        Assert.Equal(Crc16.Compute(data), Crc16.Update(Crc16.Compute(data.AsSpan(0, 2)), data.AsSpan(2)));
    }
}

public class RtuTimingTests
{
    [Fact]
    public void UsesCharacterTimesUpTo19200Baud()
    {
        // 9600 baud: 11 bits = 1.1458 ms per character; t3.5 = 4.01 ms, t1.5 = 1.72 ms
        Assert.InRange(RtuTiming.InterFrameDelay(9600).TotalMilliseconds, 4.00, 4.02);
        Assert.InRange(RtuTiming.InterCharacterTimeout(9600).TotalMilliseconds, 1.71, 1.73);
    }

    [Fact]
    public void UsesFixedValuesAbove19200Baud()
    {
        Assert.Equal(1.75, RtuTiming.InterFrameDelay(115200).TotalMilliseconds, 6);
        Assert.Equal(0.75, RtuTiming.InterCharacterTimeout(115200).TotalMilliseconds, 6);
    }
}
