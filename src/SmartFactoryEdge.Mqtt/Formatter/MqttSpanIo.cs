using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Formatter;

/// <summary>
/// Writes MQTT data types (1.5) into a span, or only counts bytes when created in measuring mode, so that one body
/// routine both sizes and writes a packet.
/// </summary>
internal ref struct MqttSpanWriter
{
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Span<byte> _span;
    private readonly bool _measure;

    public MqttSpanWriter(Span<byte> span)
    {
        _span = span;
        _measure = false;
        Position = 0;
    }

    private MqttSpanWriter(bool measure)
    {
        _span = default;
        _measure = measure;
        Position = 0;
    }

    public static MqttSpanWriter Measuring() => new(true);

    public int Position { get; private set; }

    public readonly bool IsMeasuring => _measure;

    /// <summary>Counts bytes without writing them (measuring mode only).</summary>
    public void Skip(int count)
    {
        if (!_measure) throw new InvalidOperationException("Skip is only for measuring.");
        Position += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (!_measure) _span[Position] = value;
        Position++;
    }

    public void WriteUInt16(ushort value)
    {
        if (!_measure) BinaryPrimitives.WriteUInt16BigEndian(_span[Position..], value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        if (!_measure) BinaryPrimitives.WriteUInt32BigEndian(_span[Position..], value);
        Position += 4;
    }

    public void WriteVariableByteInteger(uint value)
    {
        if (value > MqttVariableByteInteger.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(value), value, "A variable byte integer holds at most 268,435,455.");
        if (_measure)
        {
            Position += MqttVariableByteInteger.GetSize(value);
            return;
        }
        Position += MqttVariableByteInteger.Write(_span[Position..], value);
    }

    public void WriteString(string value)
    {
        int count;
        try
        {
            count = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"'{value}' is not valid UTF-16 (a lone surrogate).", nameof(value), e);
        }
        if (count > ushort.MaxValue) throw new ArgumentException($"A UTF-8 string field holds at most 65,535 bytes, this one has {count}.", nameof(value));
        if (value.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("MQTT strings must not contain U+0000.", nameof(value));
        WriteUInt16((ushort)count);
        if (!_measure) StrictUtf8.GetBytes(value, _span[Position..]);
        Position += count;
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue) throw new ArgumentException($"Binary data holds at most 65,535 bytes, this one has {value.Length}.", nameof(value));
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        if (!_measure) value.CopyTo(_span[Position..]);
        Position += value.Length;
    }
}

/// <summary>Reads MQTT data types from a packet body; every failure names the field and its offset in the packet.</summary>
internal ref struct MqttSpanReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly int _base;

    public MqttSpanReader(ReadOnlySpan<byte> body, int baseOffset, MqttPacketType type)
    {
        _span = body;
        _base = baseOffset;
        Type = type;
        Position = 0;
    }

    public MqttPacketType Type { get; }

    public int Position { get; private set; }

    public readonly int Remaining => _span.Length - Position;

    public readonly int Offset => _base + Position;

    public readonly MqttProtocolViolationException Fail(string field, string detail, MqttReasonCode code = MqttReasonCode.MalformedPacket) =>
        new(Type, field, Offset, detail, code);

    public readonly MqttProtocolViolationException FailAt(string field, int position, string detail, MqttReasonCode code = MqttReasonCode.MalformedPacket) =>
        new(Type, field, _base + position, detail, code);

    private readonly void Need(int count, string field)
    {
        if (Remaining < count) throw Fail(field, $"needs {count} byte(s) but only {Remaining} remain in the packet");
    }

    public byte ReadByte(string field)
    {
        Need(1, field);
        return _span[Position++];
    }

    public ushort ReadUInt16(string field)
    {
        Need(2, field);
        var v = BinaryPrimitives.ReadUInt16BigEndian(_span[Position..]);
        Position += 2;
        return v;
    }

    public uint ReadUInt32(string field)
    {
        Need(4, field);
        var v = BinaryPrimitives.ReadUInt32BigEndian(_span[Position..]);
        Position += 4;
        return v;
    }

    public uint ReadVariableByteInteger(string field)
    {
        var status = MqttVariableByteInteger.TryRead(_span[Position..], out var value, out var size);
        if (status == MqttVariableByteInteger.Status.NeedMore) throw Fail(field, "variable byte integer runs past the end of the packet");
        if (status == MqttVariableByteInteger.Status.Malformed) throw Fail(field, "variable byte integer is longer than 4 bytes or not minimally encoded");
        Position += size;
        return value;
    }

    public ReadOnlySpan<byte> ReadBinarySpan(string field)
    {
        var start = Position;
        var len = ReadUInt16(field);
        if (Remaining < len) throw FailAt(field, start, $"length {len} but only {Remaining} byte(s) remain in the packet");
        var s = _span.Slice(Position, len);
        Position += len;
        return s;
    }

    public byte[] ReadBinary(string field) => ReadBinarySpan(field).ToArray();

    public string ReadString(string field)
    {
        var start = Position;
        var bytes = ReadBinarySpan(field);
        if (bytes.Length == 0) return "";
        if (bytes.IndexOf((byte)0) >= 0) throw FailAt(field, start, "UTF-8 string contains U+0000");
        try
        {
            return MqttSpanWriter.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw FailAt(field, start, "string is not well-formed UTF-8");
        }
    }

    public ReadOnlySpan<byte> ReadRest()
    {
        var s = _span[Position..];
        Position = _span.Length;
        return s;
    }

    public readonly void ExpectEnd()
    {
        if (Remaining != 0) throw Fail("end of packet", $"{Remaining} unexpected trailing byte(s)");
    }
}

/// <summary>The variable byte integer of MQTT (1.5.5): 7 bits per byte, at most 4 bytes, at most 268,435,455.</summary>
public static class MqttVariableByteInteger
{
    public const uint MaxValue = 268_435_455;

    public enum Status : byte { Ok, NeedMore, Malformed }

    public static int GetSize(uint value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

    public static int Write(Span<byte> destination, uint value)
    {
        if (value > MaxValue) throw new ArgumentOutOfRangeException(nameof(value));
        int i = 0;
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0) b |= 0x80;
            destination[i++] = b;
        } while (value > 0);
        return i;
    }

    /// <summary>Reads one value; Malformed for a fifth byte or a non-minimal encoding (MQTT-1.5.5-1).</summary>
    public static Status TryRead(ReadOnlySpan<byte> source, out uint value, out int size)
    {
        value = 0;
        size = 0;
        int shift = 0;
        for (int i = 0; i < 4; i++)
        {
            if (i >= source.Length) return Status.NeedMore;
            var b = source[i];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                size = i + 1;
                if (size > 1 && b == 0) return Status.Malformed; // non-minimal: trailing zero group
                return Status.Ok;
            }
            shift += 7;
        }
        return Status.Malformed;
    }
}
