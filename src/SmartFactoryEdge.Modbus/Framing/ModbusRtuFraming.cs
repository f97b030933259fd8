using System.Buffers;

namespace SmartFactoryEdge.Modbus.Framing;

/// <summary>A Modbus RTU frame found in a buffer: the address (unit id) and the PDU, a slice of that buffer.</summary>
public readonly struct ModbusRtuFrame
{
    public ModbusRtuFrame(byte unitId, ReadOnlySequence<byte> pdu)
    {
        UnitId = unitId;
        Pdu = pdu;
    }

    public byte UnitId { get; }

    /// <summary>Function code and data; valid until the reader advances.</summary>
    public ReadOnlySequence<byte> Pdu { get; }
}

/// <summary>
/// Modbus RTU framing (Modbus over serial line 1.02, section 2.5.1): address, PDU, CRC-16 low byte first; at most
/// 256 bytes. RTU frames carry no length, so a response's length follows from its function code and byte count.
/// </summary>
public static class ModbusRtuFraming
{
    /// <summary>Largest RTU ADU: address + 253 PDU bytes + 2 CRC bytes.</summary>
    public const int MaxAduLength = 256;

    /// <summary>Smallest response ADU: address, function, exception code, CRC.</summary>
    public const int MinResponseLength = 5;

    /// <summary>Writes the request ADU (address, PDU, CRC) and returns its length.</summary>
    public static int WriteRequest(Span<byte> destination, byte unitId, in ModbusRequest request)
    {
        int pduLength = request.PduLength;
        int total = 1 + pduLength + 2;
        if (destination.Length < total) throw new ArgumentException($"The ADU needs {total} bytes.", nameof(destination));
        destination[0] = unitId;
        request.WritePdu(destination[1..]);
        ushort crc = Crc16.Compute(destination[..(1 + pduLength)]);
        destination[1 + pduLength] = (byte)crc;
        destination[2 + pduLength] = (byte)(crc >> 8);
        return total;
    }

    /// <summary>
    /// Looks for one response ADU at the start of <paramref name="buffer"/>. On <see cref="FrameParseStatus.Incomplete"/>
    /// nothing is consumed and everything is examined; on <see cref="FrameParseStatus.Frame"/> both point past the frame;
    /// on <see cref="FrameParseStatus.Invalid"/> (unknown function code, bad byte count, wrong CRC) consumed points one
    /// byte on, so that a caller may hunt for the next frame start, and the error names the offset.
    /// </summary>
    public static FrameParseStatus TryParseResponse(in ReadOnlySequence<byte> buffer, out ModbusRtuFrame frame,
        out SequencePosition consumed, out SequencePosition examined, out string? error)
    {
        frame = default;
        error = null;
        consumed = buffer.Start;
        examined = buffer.End;
        if (buffer.Length < 2) return FrameParseStatus.Incomplete;

        Span<byte> adu = stackalloc byte[MaxAduLength];
        int have = (int)Math.Min(buffer.Length, MaxAduLength);
        buffer.Slice(0, have).CopyTo(adu);
        int pduLength = ModbusPdu.GetResponsePduLength(adu[1..have]);
        if (pduLength == 0) return FrameParseStatus.Incomplete;
        if (pduLength < 0)
        {
            error = adu[1] is 0x01 or 0x02 or 0x03 or 0x04 or 0x17
                ? $"byte count {adu[2]} at offset 2 (unit {adu[0]}, function 0x{adu[1]:X2}) is out of range"
                : adu[1] == 0x2B ? $"device identification at offset 1 (unit {adu[0]}) is malformed or longer than 253 bytes"
                : $"function code 0x{adu[1]:X2} at offset 1 (unit {adu[0]}) is not a response this client expects";
            consumed = examined = buffer.GetPosition(1);
            return FrameParseStatus.Invalid;
        }
        int total = 1 + pduLength + 2;
        if (have < total) return FrameParseStatus.Incomplete;

        ushort computed = Crc16.Compute(adu[..(1 + pduLength)]);
        ushort received = (ushort)(adu[1 + pduLength] | adu[2 + pduLength] << 8);
        if (computed != received)
        {
            error = $"CRC 0x{received:X4} at offset {1 + pduLength} (unit {adu[0]}, function 0x{adu[1]:X2}, {total} bytes), computed 0x{computed:X4}";
            consumed = examined = buffer.GetPosition(1);
            return FrameParseStatus.Invalid;
        }
        var pdu = buffer.Slice(1, pduLength);
        frame = new ModbusRtuFrame(adu[0], pdu);
        consumed = examined = buffer.GetPosition(total);
        return FrameParseStatus.Frame;
    }
}

/// <summary>
/// RTU character timing (Modbus over serial line 1.02, section 2.5.1.1): a frame ends after 3.5 character times of
/// silence, and a gap over 1.5 character times inside a frame breaks it. Above 19200 baud the fixed values 750 µs and
/// 1.75 ms apply. An RTU character is 11 bits (start, 8 data, parity or second stop, stop).
/// </summary>
public static class RtuTiming
{
    public static TimeSpan CharacterTime(int baudRate) =>
        baudRate > 0 ? TimeSpan.FromTicks((long)Math.Ceiling(11.0 * TimeSpan.TicksPerSecond / baudRate)) : throw new ArgumentOutOfRangeException(nameof(baudRate));

    /// <summary>t1.5: the longest silence allowed between two characters of one frame.</summary>
    public static TimeSpan InterCharacterTimeout(int baudRate) =>
        baudRate > 19200 ? TimeSpan.FromTicks(7_500) : TimeSpan.FromTicks(CharacterTime(baudRate).Ticks * 3 / 2);

    /// <summary>t3.5: the silence that separates two frames.</summary>
    public static TimeSpan InterFrameDelay(int baudRate) =>
        baudRate > 19200 ? TimeSpan.FromTicks(17_500) : TimeSpan.FromTicks(CharacterTime(baudRate).Ticks * 7 / 2);

    /// <summary>How long <paramref name="bytes"/> take on the line.</summary>
    public static TimeSpan TransmitTime(int baudRate, int bytes) => TimeSpan.FromTicks(CharacterTime(baudRate).Ticks * bytes);
}
