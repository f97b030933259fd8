using System.Buffers;
using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.TestKit.Modbus;
using static SmartFactoryEdge.TestKit.Modbus.ModbusTestFrames;

namespace SmartFactoryEdge.Modbus.Tests.Framing;

public class ModbusTcpFramingTests
{
    private static readonly byte[][] Frames =
    [
        Tcp(1, 1, RegistersPdu(3, 0x1234, 0xABCD, 0x0000)),
        Tcp(0xFFFF, 247, BitsPdu(1, true, false, true, true, false, false, true, true, true, false, true)),
        Tcp(7, 0, 0x83, 0x02),
        Tcp(300, 9, 0x10, 0x00, 0x01, 0x00, 0x02),
        Tcp(2, 1, RegistersPdu(4, new ushort[125])),
    ];

    public static TheoryData<byte[]> Responses() => new(Frames);

    [Theory]
    [MemberData(nameof(Responses))]
    public void ParsesWholeFramesAndPointsPastThem(byte[] adu)
    {
        var buffer = new ReadOnlySequence<byte>([.. adu, .. adu]);
        var status = ModbusTcpFraming.TryParseFrame(buffer, out var frame, out var consumed, out var examined, out var error);
        Assert.Equal(FrameParseStatus.Frame, status);
        Assert.Null(error);
        Assert.Equal((ushort)(adu[0] << 8 | adu[1]), frame.TransactionId);
        Assert.Equal(adu[6], frame.UnitId);
        Assert.Equal(adu[7..], frame.Pdu.ToArray());
        Assert.Equal(adu.Length, buffer.Slice(0, consumed).Length);
        Assert.Equal(consumed, examined);
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void FramesCutAtEveryByteAreIncompleteThenWhole(byte[] adu)
    {
        for (int cut = 0; cut <= adu.Length; cut++)
        {
            // a prefix alone is incomplete, and nothing is consumed
            var prefix = new ReadOnlySequence<byte>(adu, 0, cut);
            if (cut < adu.Length)
            {
                Assert.Equal(FrameParseStatus.Incomplete, ModbusTcpFraming.TryParseFrame(prefix, out _, out var c, out var e, out _));
                Assert.Equal(prefix.Start, c);
                Assert.Equal(prefix.End, e);
            }
            // the whole frame split across two segments at this byte parses the same
            var split = Split(adu, cut);
            Assert.Equal(FrameParseStatus.Frame, ModbusTcpFraming.TryParseFrame(split, out var frame, out _, out _, out _));
            Assert.Equal(adu[7..], frame.Pdu.ToArray());
        }
    }

    [Fact]
    public void RoundTripsEveryFunctionCodeThroughTheEncoder()
    {
        var requests = new[]
        {
            ModbusRequest.ReadCoils(5, 11), ModbusRequest.ReadDiscreteInputs(0, 2000), ModbusRequest.ReadHoldingRegisters(100, 125),
            ModbusRequest.ReadInputRegisters(9, 1), ModbusRequest.WriteSingleCoil(3, true), ModbusRequest.WriteSingleRegister(4, 0xBEEF),
            ModbusRequest.WriteMultipleCoils(7, new bool[1968]), ModbusRequest.WriteMultipleRegisters(8, new ushort[123]),
            ModbusRequest.ReadWriteMultipleRegisters(1, 125, 2, new ushort[121]),
        };
        var buffer = new byte[ModbusTcpFraming.MaxAduLength];
        foreach (var request in requests)
        {
            int n = ModbusTcpFraming.WriteRequest(buffer, 42, 3, request);
            Assert.True(n <= ModbusTcpFraming.MaxAduLength);
            Assert.Equal(FrameParseStatus.Frame, ModbusTcpFraming.TryParseFrame(new ReadOnlySequence<byte>(buffer, 0, n), out var frame, out _, out _, out _));
            Assert.Equal(42, frame.TransactionId);
            Assert.Equal(3, frame.UnitId);
            Assert.Equal((byte)request.Function, frame.Pdu.FirstSpan[0]);
            Assert.Equal(request.PduLength, frame.Pdu.Length);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 0, 1, 0, 3, 1, 0x03, 0x00 }, "protocol id 1 at offset 2")]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 1, 0x03 }, "MBAP length 1 at offset 4")]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 0, 1 }, "MBAP length 0 at offset 4")]
    [InlineData(new byte[] { 0, 1, 0, 0, 0x01, 0x00, 1 }, "MBAP length 256 at offset 4")]
    [InlineData(new byte[] { 0, 1, 0, 0, 0xFF, 0xFF, 1 }, "MBAP length 65535 at offset 4")]
    public void MalformedHeadersAreInvalidAndSayWhere(byte[] adu, string expected)
    {
        var status = ModbusTcpFraming.TryParseFrame(new ReadOnlySequence<byte>(adu), out _, out _, out _, out var error);
        Assert.Equal(FrameParseStatus.Invalid, status);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ResponseChecksCatchMismatchesAndExceptions()
    {
        var read = ModbusRequest.ReadHoldingRegisters(0, 2);
        Assert.Equal(ResponseCheck.Ok, ModbusPdu.Check(read, RegistersPdu(3, 1, 2), out _, out _));
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(read, RegistersPdu(3, 1), out _, out var e1));
        Assert.Contains("byte count 2", e1);
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(read, RegistersPdu(4, 1, 2), out _, out var e2));
        Assert.Contains("function 0x04", e2);
        Assert.Equal(ResponseCheck.Exception, ModbusPdu.Check(read, [0x83, 0x02], out var code, out _));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, code);
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(read, [0x83, 0x02, 0x00], out _, out _));
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(read, [], out _, out _));
        var write = ModbusRequest.WriteSingleRegister(5, 77);
        Assert.Equal(ResponseCheck.Ok, ModbusPdu.Check(write, [0x06, 0, 5, 0, 77], out _, out _));
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(write, [0x06, 0, 5, 0, 78], out _, out var e3));
        Assert.Contains("echo", e3);
        var coils = ModbusRequest.ReadCoils(0, 9);
        Assert.Equal(ResponseCheck.Ok, ModbusPdu.Check(coils, BitsPdu(1, new bool[9]), out _, out _));
        Assert.Equal(ResponseCheck.Mismatch, ModbusPdu.Check(coils, BitsPdu(1, new bool[8]), out _, out _));
    }

    [Fact]
    public void DecodesRegistersAndBits()
    {
        Span<ushort> regs = stackalloc ushort[3];
        Assert.Equal(3, ModbusPdu.ReadRegisters(RegistersPdu(3, 0x0102, 0xFFFF, 0x8000), regs));
        Assert.Equal([0x0102, 0xFFFF, 0x8000], regs.ToArray());
        // spec example: coils 20..38 = CD 6B 05
        Span<bool> bits = stackalloc bool[19];
        Assert.Equal(19, ModbusPdu.ReadBits([0x01, 0x03, 0xCD, 0x6B, 0x05], bits));
        Assert.Equal([true, false, true, true, false, false, true, true, true, true, false, true, false, true, true, false, true, false, true], bits.ToArray());
    }

    [Fact]
    public void RandomlyMutatedStreamsNeverCrashOrHang()
    {
        int iterations = FuzzSettings.Iterations;
        var random = new Random(20261122);
        var seeds = Frames;
        long frames = 0, invalid = 0;
        for (int i = 0; i < iterations; i++)
        {
            var data = FuzzSettings.Mutate(random, seeds[random.Next(seeds.Length)], seeds[random.Next(seeds.Length)]);
            var sequence = random.Next(2) == 0 ? new ReadOnlySequence<byte>(data) : Split(data, random.Next(data.Length + 1));
            // consume the stream as a PipeReader loop would: every step must make progress or stop
            for (int steps = 0; ; steps++)
            {
                Assert.True(steps <= data.Length, "the parser did not make progress");
                var status = ModbusTcpFraming.TryParseFrame(sequence, out var frame, out var consumed, out _, out var error);
                if (status == FrameParseStatus.Incomplete) break;
                if (status == FrameParseStatus.Invalid)
                {
                    Assert.NotNull(error);
                    invalid++;
                    break; // TCP cannot resynchronise: the connection is closed
                }
                frames++;
                Assert.InRange(frame.Pdu.Length, 1, ModbusPdu.MaxPduLength);
                var pdu = frame.Pdu.ToArray();
                ModbusPdu.Check(ModbusRequest.ReadHoldingRegisters(0, 3), pdu, out _, out _);
                Assert.True(sequence.Slice(0, consumed).Length > 0);
                sequence = sequence.Slice(consumed);
            }
        }
        Assert.True(frames > iterations / 10, $"only {frames} frames parsed in {iterations} mutations");
        Assert.True(invalid > iterations / 20, $"only {invalid} invalid frames in {iterations} mutations");
    }
}

/// <summary>Settings and mutations shared by the randomized tests (SFE_FUZZ_ITERATIONS overrides the count).</summary>
internal static class FuzzSettings
{
    public static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : 100_000;

    public static byte[] Mutate(Random random, byte[] frame, byte[] other)
    {
        var data = new List<byte>(frame);
        int mutations = random.Next(0, 4);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(6))
            {
                case 0 when data.Count > 0: data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8)); break;
                case 1 when data.Count > 0: data[random.Next(data.Count)] = (byte)random.Next(256); break;
                case 2 when data.Count > 0: data.RemoveRange(random.Next(data.Count), 1); break;
                case 3: data.Insert(random.Next(data.Count + 1), (byte)random.Next(256)); break;
                case 4 when data.Count > 1:
                {
                    int keep = random.Next(data.Count / 2, data.Count); // truncation
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                }
                default: data.AddRange(other); break;
            }
        }
        if (random.Next(4) == 0) data.AddRange(other);
        return data.ToArray();
    }
}
