using System.Buffers.Binary;
using System.Text;

namespace SmartFactoryEdge.Storage.Codec;

/// <summary>A growable buffer for encoding record blobs, reused between records (not thread-safe).</summary>
internal sealed class BlobWriter
{
    private byte[] _buffer;
    private int _pos;

    public BlobWriter(int initialCapacity = 16 * 1024) => _buffer = new byte[initialCapacity];

    public int Length => _pos;

    public void Reset() => _pos = 0;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _pos);

    public void Ensure(int extra)
    {
        if (_pos + extra <= _buffer.Length) return;
        var bigger = new byte[Math.Max(_buffer.Length * 2, _pos + extra)];
        _buffer.AsSpan(0, _pos).CopyTo(bigger);
        _buffer = bigger;
    }

    public void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[_pos++] = b;
    }

    public void WriteVarUInt64(ulong v)
    {
        Ensure(10);
        while (v >= 0x80)
        {
            _buffer[_pos++] = (byte)(v | 0x80);
            v >>= 7;
        }
        _buffer[_pos++] = (byte)v;
    }

    public void WriteZigZag64(long v) => WriteVarUInt64((ulong)((v << 1) ^ (v >> 63)));

    public void WriteInt64(long v)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_pos, 8), v);
        _pos += 8;
    }

    public void WriteDouble(double v)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_pos, 8), v);
        _pos += 8;
    }

    public void WriteUInt32(uint v)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_pos, 4), v);
        _pos += 4;
    }

    public void WriteString(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        Ensure(max + 5);
        int len = Encoding.UTF8.GetByteCount(s);
        WriteVarUInt64((ulong)len);
        _pos += Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_pos));
    }

    /// <summary>Appends the CRC-32C of everything written so far and returns the blob as a new array.</summary>
    public byte[] FinishWithChecksum()
    {
        WriteUInt32(Crc32C.Compute(_buffer.AsSpan(0, _pos)));
        return _buffer.AsSpan(0, _pos).ToArray();
    }
}
