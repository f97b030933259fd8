using System.Buffers;

namespace SmartFactoryEdge.TestKit.Modbus;

/// <summary>
/// Hand-built Modbus ADUs for codec tests, written byte by byte from the specification (independently of the
/// encoder under test), and multi-segment sequences for cut-at-every-byte tests.
/// </summary>
public static class ModbusTestFrames
{
    /// <summary>Modbus RTU CRC-16 computed bit by bit (the reference algorithm of Modbus over serial line 1.02, 6.2.2).</summary>
    public static ushort BitwiseCrc(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
        }
        return crc;
    }

    /// <summary>unit + pdu + CRC (low byte first).</summary>
    public static byte[] Rtu(byte unit, params byte[] pdu)
    {
        var adu = new byte[pdu.Length + 3];
        adu[0] = unit;
        pdu.CopyTo(adu, 1);
        var crc = BitwiseCrc(adu.AsSpan(0, pdu.Length + 1));
        adu[^2] = (byte)crc;
        adu[^1] = (byte)(crc >> 8);
        return adu;
    }

    /// <summary>MBAP header + pdu.</summary>
    public static byte[] Tcp(ushort transactionId, byte unit, params byte[] pdu)
    {
        var adu = new byte[pdu.Length + 7];
        adu[0] = (byte)(transactionId >> 8);
        adu[1] = (byte)transactionId;
        adu[4] = (byte)((pdu.Length + 1) >> 8);
        adu[5] = (byte)(pdu.Length + 1);
        adu[6] = unit;
        pdu.CopyTo(adu, 7);
        return adu;
    }

    /// <summary>A read-registers response PDU (FC 3, 4 or 23).</summary>
    public static byte[] RegistersPdu(byte function, params ushort[] registers)
    {
        var pdu = new byte[2 + 2 * registers.Length];
        pdu[0] = function;
        pdu[1] = (byte)(2 * registers.Length);
        for (int i = 0; i < registers.Length; i++)
        {
            pdu[2 + 2 * i] = (byte)(registers[i] >> 8);
            pdu[3 + 2 * i] = (byte)registers[i];
        }
        return pdu;
    }

    /// <summary>A read-bits response PDU (FC 1 or 2).</summary>
    public static byte[] BitsPdu(byte function, params bool[] bits)
    {
        int n = (bits.Length + 7) / 8;
        var pdu = new byte[2 + n];
        pdu[0] = function;
        pdu[1] = (byte)n;
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i]) pdu[2 + i / 8] |= (byte)(1 << (i % 8));
        }
        return pdu;
    }

    /// <summary>A sequence made of the given pieces, one segment each (empty pieces included).</summary>
    public static ReadOnlySequence<byte> Segments(params ReadOnlyMemory<byte>[] pieces)
    {
        if (pieces.Length == 0) return ReadOnlySequence<byte>.Empty;
        if (pieces.Length == 1) return new ReadOnlySequence<byte>(pieces[0]);
        var first = new Segment(pieces[0], 0);
        var last = first;
        for (int i = 1; i < pieces.Length; i++) last = last.Append(pieces[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="data"/> at <paramref name="cut"/> into a two-segment sequence.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int cut) => Segments(data.AsMemory(0, cut), data.AsMemory(cut));

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
