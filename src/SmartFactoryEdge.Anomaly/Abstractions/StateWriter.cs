using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SmartFactoryEdge.Anomaly;

/// <summary>Little-endian writer for detector checkpoints.</summary>
public sealed class StateWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public void WriteHeader(string kind, int version)
    {
        WriteString(kind);
        WriteInt32(version);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteBool(bool value) => WriteInt32(value ? 1 : 0);

    public void WriteDoubles(ReadOnlySpan<double> values)
    {
        WriteInt32(values.Length);
        foreach (var v in values) WriteDouble(v);
    }

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt32(length);
        _buffer.Advance(Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length)));
    }

    /// <summary>What has been written since the writer was made or <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Starts over, keeping the buffer (a checkpoint written every minute reuses it rather than growing a new one).</summary>
    public void Reset() => _buffer.ResetWrittenCount();

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}

/// <summary>Reader for checkpoints written by <see cref="StateWriter"/>; every read is bounds-checked.</summary>
public ref struct StateReader
{
    private readonly ReadOnlySpan<byte> _data;

    public StateReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        Offset = 0;
    }

    public int Offset { get; private set; }

    public readonly int Remaining => _data.Length - Offset;

    public void ReadHeader(string kind, int version)
    {
        var k = ReadString();
        var v = ReadInt32();
        if (k != kind || v != version)
            throw new InvalidDataException($"Checkpoint is for '{k}' v{v}, expected '{kind}' v{version}.");
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > Remaining) throw new InvalidDataException($"Checkpoint truncated: need {n} bytes at offset {Offset}, have {Remaining}.");
        var s = _data.Slice(Offset, n);
        Offset += n;
        return s;
    }

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public bool ReadBool() => ReadInt32() != 0;

    /// <summary>Reads a length-prefixed double array into <paramref name="into"/>, whose length must match.</summary>
    public void ReadDoubles(Span<double> into)
    {
        var n = ReadInt32();
        if (n != into.Length) throw new InvalidDataException($"Checkpoint array of {n} values at offset {Offset - 4}, expected {into.Length} (other options?).");
        var src = Take(8 * n);
        for (var i = 0; i < n; i++) into[i] = BinaryPrimitives.ReadDoubleLittleEndian(src.Slice(8 * i, 8));
    }

    public string ReadString()
    {
        var n = ReadInt32();
        if (n > 1024) throw new InvalidDataException($"Checkpoint string of {n} bytes at offset {Offset - 4} is implausible.");
        return Encoding.UTF8.GetString(Take(n));
    }
}
