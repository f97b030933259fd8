using System.Buffers;
using System.Text;

namespace SmartFactoryEdge.Center.Export;

/// <summary>
/// The Thrift compact protocol (as used by the Parquet footer and page headers): field headers with id deltas, zigzag
/// varints, length-prefixed binaries, list headers and struct nesting. Writes only what Parquet needs.
/// </summary>
internal sealed class ThriftCompactWriter(IBufferWriter<byte> output)
{
    public const byte TypeTrue = 1, TypeFalse = 2, TypeI32 = 5, TypeI64 = 6, TypeBinary = 8, TypeList = 9, TypeStruct = 12;

    private readonly Stack<short> _lastIds = new();
    private short _lastId;

    private void WriteByte(byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private void Varint(ulong v)
    {
        var span = output.GetSpan(10);
        var n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        output.Advance(n);
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    public void FieldHeader(short id, byte type)
    {
        var delta = id - _lastId;
        if (delta is > 0 and <= 15) WriteByte((byte)((delta << 4) | type));
        else
        {
            WriteByte(type);
            Varint(ZigZag(id));
        }
        _lastId = id;
    }

    public void I32(short id, int value) { FieldHeader(id, TypeI32); Varint(ZigZag(value)); }

    public void I64(short id, long value) { FieldHeader(id, TypeI64); Varint(ZigZag(value)); }

    public void Bool(short id, bool value) => FieldHeader(id, value ? TypeTrue : TypeFalse);

    public void BinaryField(short id, ReadOnlySpan<byte> value) { FieldHeader(id, TypeBinary); BinaryValue(value); }

    public void StringField(short id, string value) => BinaryField(id, Encoding.UTF8.GetBytes(value));

    public void BinaryValue(ReadOnlySpan<byte> value)
    {
        Varint((ulong)value.Length);
        value.CopyTo(output.GetSpan(value.Length));
        output.Advance(value.Length);
    }

    public void I32Value(int value) => Varint(ZigZag(value));

    /// <summary>A list field header; then write <paramref name="count"/> elements (values, or structs with BeginStruct/EndStruct).</summary>
    public void ListField(short id, byte elementType, int count)
    {
        FieldHeader(id, TypeList);
        if (count < 15) WriteByte((byte)((count << 4) | elementType));
        else
        {
            WriteByte((byte)(0xF0 | elementType));
            Varint((ulong)count);
        }
    }

    /// <summary>A struct field: its header, then its fields until <see cref="EndStruct"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(id, TypeStruct);
        BeginStruct();
    }

    /// <summary>Starts a struct (top level or a list element).</summary>
    public void BeginStruct()
    {
        _lastIds.Push(_lastId);
        _lastId = 0;
    }

    public void EndStruct()
    {
        WriteByte(0); // STOP
        _lastId = _lastIds.Count > 0 ? _lastIds.Pop() : (short)0;
    }
}
