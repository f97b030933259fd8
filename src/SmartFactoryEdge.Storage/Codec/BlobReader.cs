using System.Buffers.Binary;
using System.Text;

namespace SmartFactoryEdge.Storage.Codec;

/// <summary>A bounds-checked reader over a record blob; every failure names the offset.</summary>
internal ref struct BlobReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private readonly int _fullLength;
    private int _pos;

    public BlobReader(ReadOnlySpan<byte> data, int start, string what, int fullLength)
    {
        _data = data;
        _pos = start;
        _what = what;
        _fullLength = fullLength;
    }

    public readonly int Position => _pos;

    public readonly int Remaining => _data.Length - _pos;

    public OutboxRecordCorruptException Fail(string reason) => new(_what, _pos, _fullLength, reason);

    public byte ReadByte()
    {
        if (_pos >= _data.Length) throw Fail("unexpected end of data reading a byte");
        return _data[_pos++];
    }

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        int start = _pos;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _data.Length) { _pos = start; throw Fail("varint runs past the end"); }
            byte b = _data[_pos++];
            if (shift == 63 && b > 1) { _pos = start; throw Fail("varint overflows 64 bits"); }
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        _pos = start;
        throw Fail("varint longer than 10 bytes");
    }

    public long ReadZigZag64()
    {
        ulong v = ReadVarUInt64();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>A non-negative count or index no larger than <paramref name="max"/>.</summary>
    public int ReadCount(long max, string name)
    {
        int start = _pos;
        ulong v = ReadVarUInt64();
        if (v > (ulong)max) { _pos = start; throw Fail($"{name} {v} exceeds the limit {max}"); }
        return (int)v;
    }

    /// <summary>A string's byte length; the error message is only built on failure (this runs once per string).</summary>
    private int ReadStringLength(string name)
    {
        int start = _pos;
        int max = Remaining;
        ulong v = ReadVarUInt64();
        if (v > (ulong)max) { _pos = start; throw Fail($"{name} length {v} exceeds the limit {max}"); }
        return (int)v;
    }

    public uint ReadVarUInt32()
    {
        int start = _pos;
        ulong v = ReadVarUInt64();
        if (v > uint.MaxValue) { _pos = start; throw Fail($"value {v} does not fit 32 bits"); }
        return (uint)v;
    }

    public long ReadInt64()
    {
        if (Remaining < 8) throw Fail("unexpected end of data reading 8 bytes");
        long v = BinaryPrimitives.ReadInt64LittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    public double ReadDouble()
    {
        if (Remaining < 8) throw Fail("unexpected end of data reading a double");
        double v = BinaryPrimitives.ReadDoubleLittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    /// <summary>Reads a string; with a <paramref name="cache"/>, a text seen before comes back as the same instance.</summary>
    public string ReadString(string name, bool allowEmpty, StringCache? cache = null)
    {
        int start = _pos;
        int len = ReadStringLength(name);
        if (len > Remaining) { _pos = start; throw Fail($"{name} length {len} runs past the end ({Remaining} bytes left)"); }
        if (len == 0 && !allowEmpty) { _pos = start; throw Fail($"{name} is empty"); }
        var utf8 = _data.Slice(_pos, len);
        if (!(cache is null ? TryDecodeStrict(utf8, out var s) : cache.TryGet(utf8, out s)))
        {
            _pos = start;
            throw Fail($"{name} is not valid UTF-8");
        }
        _pos += len;
        return s;
    }

    private static bool TryDecodeStrict(ReadOnlySpan<byte> utf8, out string value)
    {
        try
        {
            value = StrictUtf8.GetString(utf8);
            return true;
        }
        catch (DecoderFallbackException)
        {
            value = "";
            return false;
        }
    }

    public DateTime ToDateTime(long ticks, string name)
    {
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks) throw Fail($"{name} ticks {ticks} are out of range");
        return new DateTime(ticks, DateTimeKind.Utc);
    }
}
