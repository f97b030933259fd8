using System.Buffers;
using SmartFactoryEdge.Modbus.Framing;
using static SmartFactoryEdge.TestKit.Modbus.ModbusTestFrames;

namespace SmartFactoryEdge.Modbus.Tests.Framing;

public class ModbusRtuFramingTests
{
    /// <summary>Modbus Application Protocol 1.1b3, 6.21: the basic identification of a device, three objects in one answer.</summary>
    internal static readonly byte[] DeviceIdentificationExample =
    [
        0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x03,
        0x00, 0x16, .. "Company identification"u8,
        0x01, 0x0D, .. "Product code "u8, // 13 bytes, as the example's length says
        0x02, 0x05, .. "V2.11"u8,
    ];

    private static readonly byte[][] Frames =
    [
        Rtu(1, RegistersPdu(3, 0x1234, 0xABCD, 0x0000)),
        Rtu(247, BitsPdu(2, true, false, true, true, false, false, true, true, true, false, true)),
        Rtu(17, 0x81, 0x01),
        Rtu(2, 0x0F, 0x00, 0x13, 0x00, 0x0A),
        Rtu(3, 0x05, 0x00, 0xAC, 0xFF, 0x00),
        Rtu(4, 0x06, 0x00, 0x01, 0x00, 0x03),
        Rtu(5, 0x10, 0x00, 0x01, 0x00, 0x02),
        Rtu(6, RegistersPdu(0x17, 0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF)),
        Rtu(1, RegistersPdu(4, new ushort[125])),
        Rtu(1, DeviceIdentificationExample),
    ];


    public static TheoryData<byte[]> Responses() => new(Frames);

    [Fact]
    public void ParsesTheSpecificationReadExample()
    {
        // unit 1 answers three registers: 01 03 06 02 2B 00 00 00 64 + CRC
        var adu = Rtu(1, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64);
        Assert.Equal(FrameParseStatus.Frame, ModbusRtuFraming.TryParseResponse(new ReadOnlySequence<byte>(adu), out var frame, out _, out _, out _));
        Span<ushort> regs = stackalloc ushort[3];
        ModbusPdu.ReadRegisters(frame.Pdu.ToArray(), regs);
        Assert.Equal([555, 0, 100], regs.ToArray());
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void ParsesWholeFramesAndPointsPastThem(byte[] adu)
    {
        var buffer = new ReadOnlySequence<byte>([.. adu, 0x01, 0x03]);
        Assert.Equal(FrameParseStatus.Frame, ModbusRtuFraming.TryParseResponse(buffer, out var frame, out var consumed, out var examined, out var error));
        Assert.Null(error);
        Assert.Equal(adu[0], frame.UnitId);
        Assert.Equal(adu[1..^2], frame.Pdu.ToArray());
        Assert.Equal(adu.Length, buffer.Slice(0, consumed).Length);
        Assert.Equal(consumed, examined);
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void FramesCutAtEveryByteAreIncompleteThenWhole(byte[] adu)
    {
        for (int cut = 0; cut <= adu.Length; cut++)
        {
            if (cut < adu.Length)
            {
                var prefix = new ReadOnlySequence<byte>(adu, 0, cut);
                Assert.Equal(FrameParseStatus.Incomplete, ModbusRtuFraming.TryParseResponse(prefix, out _, out var c, out var e, out _));
                Assert.Equal(prefix.Start, c);
                Assert.Equal(prefix.End, e);
            }
            Assert.Equal(FrameParseStatus.Frame, ModbusRtuFraming.TryParseResponse(Split(adu, cut), out var frame, out _, out _, out _));
            Assert.Equal(adu[1..^2], frame.Pdu.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void EveryFlippedBitIsCaught(byte[] adu)
    {
        // CRC-16 detects every single-bit error; a flip in the length fields may also make the frame incomplete
        for (int bit = 0; bit < adu.Length * 8; bit++)
        {
            var bad = (byte[])adu.Clone();
            bad[bit / 8] ^= (byte)(1 << (bit % 8));
            var status = ModbusRtuFraming.TryParseResponse(new ReadOnlySequence<byte>(bad), out _, out _, out _, out _);
            Assert.NotEqual(FrameParseStatus.Frame, status);
        }
    }

    [Fact]
    public void ParsesTheDeviceIdentificationExample()
    {
        var adu = Rtu(1, DeviceIdentificationExample);
        Assert.Equal(FrameParseStatus.Frame, ModbusRtuFraming.TryParseResponse(new ReadOnlySequence<byte>(adu), out var frame, out _, out _, out _));
        var pdu = frame.Pdu.ToArray();
        Assert.Equal(ResponseCheck.Ok, ModbusPdu.Check(ModbusRequest.ReadDeviceIdentification(), pdu, out _, out _));
        var objects = new Dictionary<int, string>();
        ModbusPdu.ReadDeviceIdentification(pdu, objects, out var conformity, out var more, out _);
        Assert.Equal(1, conformity);
        Assert.False(more);
        Assert.Equal("Company identification", objects[0]);
        Assert.Equal("V2.11", objects[2]);
        // an object list that runs past its frame is a mismatch, not a crash
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(ModbusRequest.ReadDeviceIdentification(), pdu[..^2], out _, out _));
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(ModbusRequest.ReadDeviceIdentification(2), pdu, out _, out _));
    }

    [Fact]
    public void WrongCrcIsInvalidAndSaysWhere()
    {
        var adu = Rtu(1, RegistersPdu(3, 7));
        adu[^1] ^= 0xFF;
        var buffer = new ReadOnlySequence<byte>(adu);
        Assert.Equal(FrameParseStatus.Invalid, ModbusRtuFraming.TryParseResponse(buffer, out _, out var consumed, out _, out var error));
        Assert.Contains("CRC", error);
        Assert.Contains("offset 5", error);
        Assert.Equal(1, buffer.Slice(0, consumed).Length);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0x2C, 0, 0, 0 }, "function code 0x2C at offset 1")]
    [InlineData(new byte[] { 1, 0x2B, 0x0D, 0, 0 }, "device identification at offset 1")]
    [InlineData(new byte[] { 1, 0x03, 0, 0, 0 }, "byte count 0 at offset 2")]
    [InlineData(new byte[] { 1, 0x03, 251, 0, 0 }, "byte count 251 at offset 2")]
    [InlineData(new byte[] { 1, 0x80, 0, 0, 0 }, "function code 0x80 at offset 1")]
    public void MalformedFramesAreInvalid(byte[] adu, string expected)
    {
        Assert.Equal(FrameParseStatus.Invalid, ModbusRtuFraming.TryParseResponse(new ReadOnlySequence<byte>(adu), out _, out _, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void RoundTripsRequestsThroughTheEncoderWithAValidCrc()
    {
        var buffer = new byte[ModbusRtuFraming.MaxAduLength];
        var requests = new[]
        {
            ModbusRequest.ReadCoils(5, 11), ModbusRequest.WriteMultipleRegisters(8, new ushort[123]),
            ModbusRequest.ReadWriteMultipleRegisters(1, 125, 2, new ushort[121]), ModbusRequest.WriteMultipleCoils(0, new bool[1968]),
        };
        foreach (var request in requests)
        {
            int n = ModbusRtuFraming.WriteRequest(buffer, 9, request);
            Assert.True(n <= ModbusRtuFraming.MaxAduLength, $"{request} is {n} bytes");
            Assert.Equal(0, Crc16.Compute(buffer.AsSpan(0, n))); // a frame with its CRC appended sums to zero
        }
    }

    [Fact]
    public void RandomlyMutatedStreamsNeverCrashOrHang()
    {
        int iterations = FuzzSettings.Iterations;
        var random = new Random(1102);
        var seeds = Frames;
        long frames = 0, invalid = 0;
        for (int i = 0; i < iterations; i++)
        {
            var data = FuzzSettings.Mutate(random, seeds[random.Next(seeds.Length)], seeds[random.Next(seeds.Length)]);
            var sequence = random.Next(2) == 0 ? new ReadOnlySequence<byte>(data) : Split(data, random.Next(data.Length + 1));
            // hunt through the stream as the client does: each Invalid skips a byte, each Frame skips the frame
            for (int steps = 0; ; steps++)
            {
                Assert.True(steps <= data.Length, "the parser did not make progress");
                var status = ModbusRtuFraming.TryParseResponse(sequence, out var frame, out var consumed, out _, out var error);
                if (status == FrameParseStatus.Incomplete) break;
                Assert.True(sequence.Slice(0, consumed).Length > 0);
                if (status == FrameParseStatus.Invalid)
                {
                    Assert.NotNull(error);
                    invalid++;
                }
                else
                {
                    frames++;
                    var pdu = frame.Pdu.ToArray();
                    ModbusPdu.Check(ModbusRequest.ReadCoils(0, 11), pdu, out _, out _);
                }
                sequence = sequence.Slice(consumed);
            }
        }
        Assert.True(frames > iterations / 10, $"only {frames} frames parsed in {iterations} mutations");
        Assert.True(invalid > iterations / 10, $"only {invalid} invalid frames in {iterations} mutations");
    }
}
