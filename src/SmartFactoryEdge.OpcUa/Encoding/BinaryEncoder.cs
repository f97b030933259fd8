using System.Buffers;
using System.Buffers.Binary;
using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.OpcUa.Encoding;

/// <summary>
/// Writes UA Binary (Part 6, 5.2) into a growable buffer rented from the array pool. Reuse one encoder per
/// channel with <see cref="Reset"/>; dispose it to return the buffer.
/// </summary>
public sealed class BinaryEncoder : IDisposable
{
    private static readonly long Epoch1601Ticks = new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private byte[] _buffer;
    private int _position;

    public BinaryEncoder(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    /// <summary>Bytes written so far (also settable to patch a header written earlier).</summary>
    public int Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Ensure(value - _position);
            _position = value;
        }
    }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Reset() => _position = 0;

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }

    private Span<byte> Take(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private void Ensure(int count)
    {
        if (count <= 0 || _position + count <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + count));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    public void WriteBoolean(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;
    public void WriteSByte(sbyte value) => Take(1)[0] = unchecked((byte)value);
    public void WriteByte(byte value) => Take(1)[0] = value;
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Take(2), value);
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), value);
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);
    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), value);
    public void WriteFloat(float value) => BinaryPrimitives.WriteSingleLittleEndian(Take(4), value);
    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(8), value);

    /// <summary>Writes a UInt32 at an earlier position without moving the write position.</summary>
    public void PatchUInt32(int position, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(position, 4), value);

    public void WriteString(string? value)
    {
        if (value is null) { WriteInt32(-1); return; }
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(4 + max);
        var written = System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position + 4));
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_position), written);
        _position += 4 + written;
    }

    /// <summary>DateTime as 100 ns intervals since 1601-01-01 UTC; MinValue (and earlier) is 0, MaxValue is Int64.MaxValue.</summary>
    public void WriteDateTime(DateTime value)
    {
        if (value == DateTime.MaxValue) { WriteInt64(long.MaxValue); return; }
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        WriteInt64(utc.Ticks <= Epoch1601Ticks ? 0 : utc.Ticks - Epoch1601Ticks);
    }

    public void WriteGuid(Guid value)
    {
        // Data1 UInt32, Data2 UInt16, Data3 UInt16 little-endian then Data4 bytes: the same as .NET's byte layout.
        if (!value.TryWriteBytes(Take(16))) throw new InvalidOperationException("Guid did not fit.");
    }

    public void WriteByteString(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull) { WriteInt32(-1); return; }
        WriteInt32(value.Length);
        WriteBytes(value);
    }

    public void WriteByteString(byte[]? value)
    {
        if (value is null) WriteInt32(-1);
        else WriteByteString(value.AsSpan());
    }

    public void WriteStatusCode(StatusCode value) => WriteUInt32(value.Code);

    public void WriteNodeId(NodeId value) => WriteNodeIdCore(value ?? NodeId.Null, 0);

    private void WriteNodeIdCore(NodeId value, byte flags)
    {
        switch (value.IdType)
        {
            case NodeIdType.Numeric:
                var n = value.Numeric;
                if (value.NamespaceIndex == 0 && n <= byte.MaxValue)
                {
                    WriteByte(flags);
                    WriteByte((byte)n);
                }
                else if (value.NamespaceIndex <= byte.MaxValue && n <= ushort.MaxValue)
                {
                    WriteByte((byte)(0x01 | flags));
                    WriteByte((byte)value.NamespaceIndex);
                    WriteUInt16((ushort)n);
                }
                else
                {
                    WriteByte((byte)(0x02 | flags));
                    WriteUInt16(value.NamespaceIndex);
                    WriteUInt32(n);
                }
                break;
            case NodeIdType.String:
                WriteByte((byte)(0x03 | flags));
                WriteUInt16(value.NamespaceIndex);
                WriteString(value.StringId);
                break;
            case NodeIdType.Guid:
                WriteByte((byte)(0x04 | flags));
                WriteUInt16(value.NamespaceIndex);
                WriteGuid(value.GuidId);
                break;
            default:
                WriteByte((byte)(0x05 | flags));
                WriteUInt16(value.NamespaceIndex);
                WriteByteString(value.OpaqueId);
                break;
        }
    }

    public void WriteExpandedNodeId(ExpandedNodeId value)
    {
        value ??= ExpandedNodeId.Null;
        byte flags = 0;
        if (value.NamespaceUri is not null) flags |= 0x80;
        if (value.ServerIndex != 0) flags |= 0x40;
        WriteNodeIdCore(value.NodeId, flags);
        if (value.NamespaceUri is not null) WriteString(value.NamespaceUri);
        if (value.ServerIndex != 0) WriteUInt32(value.ServerIndex);
    }

    public void WriteQualifiedName(QualifiedName value)
    {
        WriteUInt16(value.NamespaceIndex);
        WriteString(value.Name);
    }

    public void WriteLocalizedText(LocalizedText? value)
    {
        value ??= LocalizedText.Empty;
        byte mask = 0;
        if (value.Locale is not null) mask |= 0x01;
        if (value.Text is not null) mask |= 0x02;
        WriteByte(mask);
        if (value.Locale is not null) WriteString(value.Locale);
        if (value.Text is not null) WriteString(value.Text);
    }

    public void WriteExtensionObject(ExtensionObject? value)
    {
        value ??= ExtensionObject.Null;
        WriteNodeId(value.TypeId);
        if (value.Encoding == ExtensionObjectEncoding.None || value.Body is null)
        {
            WriteByte(0);
            return;
        }
        WriteByte((byte)value.Encoding);
        WriteByteString(value.Body);
    }

    /// <summary>Writes an encodeable structure as an ExtensionObject without an intermediate array.</summary>
    public void WriteExtensionObject(IEncodeable value)
    {
        WriteNodeId(new NodeId(value.BinaryEncodingId));
        WriteByte(1);
        var lengthAt = _position;
        WriteInt32(0);
        value.Encode(this);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(lengthAt), _position - lengthAt - 4);
    }

    public void WriteDataValue(DataValue value)
    {
        byte mask = 0;
        if (!value.Value.IsNull) mask |= 0x01;
        if (value.StatusCode.Code != 0) mask |= 0x02;
        if (value.SourceTimestamp is not null) mask |= 0x04;
        if (value.ServerTimestamp is not null) mask |= 0x08;
        if (value.SourcePicoseconds != 0) mask |= 0x10;
        if (value.ServerPicoseconds != 0) mask |= 0x20;
        WriteByte(mask);
        if ((mask & 0x01) != 0) WriteVariant(value.Value);
        if ((mask & 0x02) != 0) WriteStatusCode(value.StatusCode);
        if ((mask & 0x04) != 0) WriteDateTime(value.SourceTimestamp!.Value);
        if ((mask & 0x10) != 0) WriteUInt16(value.SourcePicoseconds);
        if ((mask & 0x08) != 0) WriteDateTime(value.ServerTimestamp!.Value);
        if ((mask & 0x20) != 0) WriteUInt16(value.ServerPicoseconds);
    }

    public void WriteDiagnosticInfo(DiagnosticInfo? value)
    {
        if (value is null) { WriteByte(0); return; }
        byte mask = 0;
        if (value.SymbolicId is not null) mask |= 0x01;
        if (value.NamespaceUri is not null) mask |= 0x02;
        if (value.LocalizedText is not null) mask |= 0x04;
        if (value.Locale is not null) mask |= 0x08;
        if (value.AdditionalInfo is not null) mask |= 0x10;
        if (value.InnerStatusCode is not null) mask |= 0x20;
        if (value.InnerDiagnosticInfo is not null) mask |= 0x40;
        WriteByte(mask);
        if (value.SymbolicId is { } s) WriteInt32(s);
        if (value.NamespaceUri is { } n) WriteInt32(n);
        if (value.Locale is { } l) WriteInt32(l);
        if (value.LocalizedText is { } t) WriteInt32(t);
        if (value.AdditionalInfo is { } a) WriteString(a);
        if (value.InnerStatusCode is { } c) WriteStatusCode(c);
        if (value.InnerDiagnosticInfo is { } inner) WriteDiagnosticInfo(inner);
    }

    public void WriteVariant(Variant value)
    {
        if (value.IsNull) { WriteByte(0); return; }
        var type = value.Type;
        if (!value.IsArray)
        {
            if (type == BuiltInType.Variant) throw new ArgumentException("A Variant cannot hold a scalar Variant (Part 6, 5.2.2.16).");
            WriteByte((byte)type);
            WriteScalar(value);
            return;
        }
        var array = (Array)value.Reference!;
        WriteByte((byte)((byte)type | 0x80 | (value.Dimensions is null ? 0 : 0x40)));
        WriteInt32(array.Length);
        WriteArrayElements(type, array);
        if (value.Dimensions is { } dims)
        {
            WriteInt32(dims.Length);
            foreach (var d in dims) WriteInt32(d);
        }
    }

    private void WriteScalar(Variant v)
    {
        var bits = v.Bits;
        switch (v.Type)
        {
            case BuiltInType.Boolean: WriteBoolean(bits != 0); break;
            case BuiltInType.SByte: WriteSByte(unchecked((sbyte)bits)); break;
            case BuiltInType.Byte: WriteByte((byte)bits); break;
            case BuiltInType.Int16: WriteInt16(unchecked((short)bits)); break;
            case BuiltInType.UInt16: WriteUInt16((ushort)bits); break;
            case BuiltInType.Int32: WriteInt32(unchecked((int)bits)); break;
            case BuiltInType.UInt32: WriteUInt32((uint)bits); break;
            case BuiltInType.Int64: WriteInt64(unchecked((long)bits)); break;
            case BuiltInType.UInt64: WriteUInt64(bits); break;
            case BuiltInType.Float: WriteUInt32((uint)bits); break;
            case BuiltInType.Double: WriteUInt64(bits); break;
            case BuiltInType.DateTime: WriteDateTime(new DateTime(unchecked((long)bits), DateTimeKind.Utc)); break;
            case BuiltInType.StatusCode: WriteUInt32((uint)bits); break;
            default: WriteRefElement(v.Type, v.Reference); break;
        }
    }

    private void WriteRefElement(BuiltInType type, object? value)
    {
        switch (type)
        {
            case BuiltInType.String:
            case BuiltInType.XmlElement: WriteString((string?)value); break;
            case BuiltInType.Guid: WriteGuid((Guid)value!); break;
            case BuiltInType.ByteString: WriteByteString((byte[]?)value); break;
            case BuiltInType.NodeId: WriteNodeId((NodeId)value!); break;
            case BuiltInType.ExpandedNodeId: WriteExpandedNodeId((ExpandedNodeId)value!); break;
            case BuiltInType.QualifiedName: WriteQualifiedName((QualifiedName)value!); break;
            case BuiltInType.LocalizedText: WriteLocalizedText((LocalizedText?)value); break;
            case BuiltInType.ExtensionObject: WriteExtensionObject((ExtensionObject?)value); break;
            case BuiltInType.DataValue: WriteDataValue((DataValue)value!); break;
            case BuiltInType.DiagnosticInfo: WriteDiagnosticInfo((DiagnosticInfo?)value); break;
            case BuiltInType.Variant: WriteVariant((Variant)value!); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "Not a reference type.");
        }
    }

    private void WriteArrayElements(BuiltInType type, Array array)
    {
        switch (array)
        {
            case bool[] a: foreach (var x in a) WriteBoolean(x); break;
            case sbyte[] a: foreach (var x in a) WriteSByte(x); break;
            case byte[] a: WriteBytes(a); break;
            case short[] a: foreach (var x in a) WriteInt16(x); break;
            case ushort[] a: foreach (var x in a) WriteUInt16(x); break;
            case int[] a: foreach (var x in a) WriteInt32(x); break;
            case uint[] a: foreach (var x in a) WriteUInt32(x); break;
            case long[] a: foreach (var x in a) WriteInt64(x); break;
            case ulong[] a: foreach (var x in a) WriteUInt64(x); break;
            case float[] a: foreach (var x in a) WriteFloat(x); break;
            case double[] a: foreach (var x in a) WriteDouble(x); break;
            case DateTime[] a: foreach (var x in a) WriteDateTime(x); break;
            case StatusCode[] a: foreach (var x in a) WriteStatusCode(x); break;
            default:
                foreach (var x in array) WriteRefElement(type, x);
                break;
        }
    }

    /// <summary>Writes an array of structures: Int32 length (-1 for null) then each element.</summary>
    public void WriteArray<T>(IReadOnlyList<T>? values, Action<BinaryEncoder, T> writeElement)
    {
        if (values is null) { WriteInt32(-1); return; }
        WriteInt32(values.Count);
        for (int i = 0; i < values.Count; i++) writeElement(this, values[i]);
    }

    public void WriteEncodeableArray<T>(IReadOnlyList<T>? values) where T : IEncodeable
    {
        if (values is null) { WriteInt32(-1); return; }
        WriteInt32(values.Count);
        for (int i = 0; i < values.Count; i++) values[i].Encode(this);
    }

    public void WriteStringArray(IReadOnlyList<string?>? values) => WriteArray(values, static (e, v) => e.WriteString(v));

    public void WriteUInt32Array(IReadOnlyList<uint>? values) => WriteArray(values, static (e, v) => e.WriteUInt32(v));
}
