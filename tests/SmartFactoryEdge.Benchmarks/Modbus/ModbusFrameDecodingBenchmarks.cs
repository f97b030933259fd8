using System.Buffers;
using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.Modbus.RegisterMap;

namespace SmartFactoryEdge.Benchmarks.Modbus;

/// <summary>
/// Frame decoding on the receive path: find a 125-register response in the buffer (MBAP or RTU with CRC), check it
/// against its request, copy the registers out, and decode 62 float32 values. Target: zero allocations.
/// </summary>
[MemoryDiagnoser]
public class ModbusFrameDecodingBenchmarks
{
    private readonly ushort[] _registers = new ushort[125];
    private readonly ModbusRequest _request = ModbusRequest.ReadHoldingRegisters(0, 125);
    private readonly ModbusPointOptions _point = new() { TagId = "x", Type = ModbusDataType.Float32, Order = WordOrder.CDAB };
    private ReadOnlySequence<byte> _tcp;
    private ReadOnlySequence<byte> _rtu;
    private ReadOnlySequence<byte> _tcpSplit;

    [GlobalSetup]
    public void Setup()
    {
        var pdu = new byte[2 + 250];
        pdu[0] = 3;
        pdu[1] = 250;
        new Random(1).NextBytes(pdu.AsSpan(2));
        var tcp = new byte[7 + pdu.Length];
        tcp[1] = 1;
        tcp[4] = (byte)((pdu.Length + 1) >> 8);
        tcp[5] = (byte)(pdu.Length + 1);
        tcp[6] = 1;
        pdu.CopyTo(tcp, 7);
        _tcp = new ReadOnlySequence<byte>(tcp);
        var rtu = new byte[1 + pdu.Length + 2];
        rtu[0] = 1;
        pdu.CopyTo(rtu, 1);
        var crc = Crc16.Compute(rtu.AsSpan(0, 1 + pdu.Length));
        rtu[^2] = (byte)crc;
        rtu[^1] = (byte)(crc >> 8);
        _rtu = new ReadOnlySequence<byte>(rtu);
        _tcpSplit = Split(tcp, 100);
    }

    [Benchmark(Baseline = true)]
    public int TcpFrame125Registers() => Decode(_tcp, tcp: true);

    [Benchmark]
    public int TcpFrameSplitAcrossSegments() => Decode(_tcpSplit, tcp: true);

    [Benchmark]
    public int RtuFrame125RegistersWithCrc() => Decode(_rtu, tcp: false);

    [Benchmark]
    public double DecodeFloat32Cdab62Values()
    {
        double sum = 0;
        for (int i = 0; i + 1 < _registers.Length; i += 2)
            sum += ModbusValueDecoder.Decode(_registers.AsSpan(i, 2), _point).AsDouble;
        return sum;
    }

    private int Decode(in ReadOnlySequence<byte> buffer, bool tcp)
    {
        ReadOnlySequence<byte> pduSequence;
        if (tcp)
        {
            if (ModbusTcpFraming.TryParseFrame(buffer, out var frame, out _, out _, out _) != FrameParseStatus.Frame) return -1;
            pduSequence = frame.Pdu;
        }
        else
        {
            if (ModbusRtuFraming.TryParseResponse(buffer, out var frame, out _, out _, out _) != FrameParseStatus.Frame) return -1;
            pduSequence = frame.Pdu;
        }
        Span<byte> pdu = stackalloc byte[ModbusPdu.MaxPduLength];
        int length = (int)pduSequence.Length;
        pduSequence.CopyTo(pdu);
        if (ModbusPdu.Check(_request, pdu[..length], out _, out _) != ResponseCheck.Ok) return -2;
        return ModbusPdu.ReadRegisters(pdu[..length], _registers);
    }

    private static ReadOnlySequence<byte> Split(byte[] data, int cut)
    {
        var first = new Segment(data.AsMemory(0, cut), 0);
        var second = new Segment(data.AsMemory(cut), cut);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, data.Length - cut);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
