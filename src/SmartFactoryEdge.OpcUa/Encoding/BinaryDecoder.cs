using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.OpcUa.Encoding;

/// <summary>
/// Limits that keep hostile input from allocating much memory or recursing deeply. Every length is also
/// checked against the bytes actually left, so a 4-byte length field can never ask for gigabytes.
/// </summary>
public sealed record DecodingLimits
{
    public static readonly DecodingLimits Default = new();

    /// <summary>Longest String in bytes (UTF-8).</summary>
    public int MaxStringLength { get; init; } = 1024 * 1024;

    /// <summary>Longest ByteString in bytes.</summary>
    public int MaxByteStringLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most elements in one array.</summary>
    public int MaxArrayLength { get; init; } = 1024 * 1024;

    /// <summary>Deepest nesting of Variants, DataValues, ExtensionObjects and DiagnosticInfos.</summary>
    public int MaxNestingDepth { get; init; } = 32;
}

/// <summary>Malformed UA Binary: says what failed and at which byte offset.</summary>
public sealed class UaDecodingException : ProtocolViolationException
{
    public UaDecodingException(string message, int offset, uint statusCode = StatusCodes.BadDecodingError)
        : base($"{message} (at byte {offset})")
    {
        Offset = offset;
        StatusCode = statusCode;
    }

    public int Offset { get; }

    public StatusCode StatusCode { get; }
}

/// <summary>A reader of one element of an array of structures.</summary>
public delegate T DecodeElement<T>(ref BinaryDecoder decoder);

/// <summary>
/// Reads UA Binary (Part 6, 5.2) from a span. Never reads past the end, never allocates more than the input
/// justifies, throws <see cref="UaDecodingException"/> with the offset on malformed input.
/// </summary>
public ref struct BinaryDecoder
{
    private static readonly long Epoch1601Ticks = new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly long MaxEncodedTicks = DateTime.MaxValue.Ticks - Epoch1601Ticks;
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _depth;

    public BinaryDecoder(ReadOnlySpan<byte> data, DecodingLimits? limits = null)
    {
        _data = data;
        Limits = limits ?? DecodingLimits.Default;
    }

    public DecodingLimits Limits { get; }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_data.Length - _position))
            throw new UaDecodingException($"Message ends early: needed {count} bytes, {_data.Length - _position} left", _position);
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public bool ReadBoolean() => Take(1)[0] != 0;
    public sbyte ReadSByte() => unchecked((sbyte)Take(1)[0]);
    public byte ReadByte() => Take(1)[0];
    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
    public StatusCode ReadStatusCode() => new(ReadUInt32());

    public DateTime ReadDateTime()
    {
        var ticks = ReadInt64();
        if (ticks <= 0) return DateTime.MinValue;
        if (ticks >= MaxEncodedTicks) return DateTime.MaxValue;
        return new DateTime(Epoch1601Ticks + ticks, DateTimeKind.Utc);
    }

    public Guid ReadGuid() => new(Take(16));

    private int ReadLength(int max, string what, int minElementSize = 1)
    {
        var at = _position;
        var length = ReadInt32();
        if (length < -1) throw new UaDecodingException($"{what} has a negative length {length}", at);
        if (length > max) throw new UaDecodingException($"{what} length {length} exceeds the limit {max}", at, StatusCodes.BadEncodingLimitsExceeded);
        if (length > 0 && (long)length * minElementSize > Remaining)
            throw new UaDecodingException($"{what} length {length} exceeds the {Remaining} bytes left", at);
        return length;
    }

    public string? ReadString()
    {
        var length = ReadLength(Limits.MaxStringLength, "String");
        if (length < 0) return null;
        if (length == 0) return string.Empty;
        var at = _position;
        try
        {
            return StrictUtf8.GetString(Take(length));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new UaDecodingException("String is not valid UTF-8", at);
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);

    public byte[]? ReadByteString()
    {
        var length = ReadLength(Limits.MaxByteStringLength, "ByteString");
        if (length < 0) return null;
        return Take(length).ToArray();
    }

    /// <summary>Reads a ByteString without copying (null when the encoded value is null).</summary>
    public ReadOnlySpan<byte> ReadByteStringSpan(out bool isNull)
    {
        var length = ReadLength(Limits.MaxByteStringLength, "ByteString");
        isNull = length < 0;
        return length <= 0 ? default : Take(length);
    }

    public NodeId ReadNodeId()
    {
        var at = _position;
        var encoding = ReadByte();
        if ((encoding & 0xC0) != 0) throw new UaDecodingException($"NodeId encoding byte 0x{encoding:X2} has ExpandedNodeId flags", at);
        return ReadNodeIdBody(encoding, at);
    }

    private NodeId ReadNodeIdBody(byte encoding, int at)
    {
        switch (encoding & 0x3F)
        {
            case 0x00:
                return new NodeId(ReadByte());
            case 0x01:
                {
                    var ns = ReadByte();
                    return new NodeId(ReadUInt16(), ns);
                }
            case 0x02:
                {
                    var ns = ReadUInt16();
                    return new NodeId(ReadUInt32(), ns);
                }
            case 0x03:
                {
                    var ns = ReadUInt16();
                    var s = ReadString() ?? throw new UaDecodingException("String NodeId has a null identifier", at);
                    return new NodeId(s, ns);
                }
            case 0x04:
                {
                    var ns = ReadUInt16();
                    return new NodeId(ReadGuid(), ns);
                }
            case 0x05:
                {
                    var ns = ReadUInt16();
                    return new NodeId(ReadByteString() ?? [], ns);
                }
            default:
                throw new UaDecodingException($"Unknown NodeId encoding 0x{encoding:X2}", at);
        }
    }

    public ExpandedNodeId ReadExpandedNodeId()
    {
        var at = _position;
        var encoding = ReadByte();
        var nodeId = ReadNodeIdBody(encoding, at);
        var uri = (encoding & 0x80) != 0 ? ReadString() : null;
        var server = (encoding & 0x40) != 0 ? ReadUInt32() : 0u;
        return new ExpandedNodeId(nodeId, uri, server);
    }

    public QualifiedName ReadQualifiedName()
    {
        var ns = ReadUInt16();
        return new QualifiedName(ns, ReadString());
    }

    public LocalizedText ReadLocalizedText()
    {
        var at = _position;
        var mask = ReadByte();
        if ((mask & 0xFC) != 0) throw new UaDecodingException($"LocalizedText mask 0x{mask:X2} has unknown bits", at);
        var locale = (mask & 0x01) != 0 ? ReadString() : null;
        var text = (mask & 0x02) != 0 ? ReadString() : null;
        return locale is null && text is null ? LocalizedText.Empty : new LocalizedText(locale, text);
    }

    private void Enter(string what)
    {
        if (++_depth > Limits.MaxNestingDepth)
            throw new UaDecodingException($"{what} nesting exceeds depth {Limits.MaxNestingDepth}", _position, StatusCodes.BadEncodingLimitsExceeded);
    }

    public ExtensionObject ReadExtensionObject()
    {
        Enter("ExtensionObject");
        var typeId = ReadNodeId();
        var at = _position;
        var encoding = ReadByte();
        ExtensionObject result;
        switch (encoding)
        {
            case 0:
                result = typeId.IsNull ? ExtensionObject.Null : new ExtensionObject(typeId, ExtensionObjectEncoding.None, null);
                break;
            case 1:
            case 2:
                var body = ReadByteString();
                result = new ExtensionObject(typeId, (ExtensionObjectEncoding)encoding, body ?? []);
                break;
            default:
                throw new UaDecodingException($"ExtensionObject encoding {encoding} is not 0, 1 or 2", at);
        }
        _depth--;
        return result;
    }

    /// <summary>Reads an ExtensionObject header and returns its binary body span without copying; typeId is null-NodeId when absent.</summary>
    public ReadOnlySpan<byte> ReadExtensionObjectBody(out NodeId typeId, out ExtensionObjectEncoding encoding)
    {
        typeId = ReadNodeId();
        var at = _position;
        var enc = ReadByte();
        if (enc > 2) throw new UaDecodingException($"ExtensionObject encoding {enc} is not 0, 1 or 2", at);
        encoding = (ExtensionObjectEncoding)enc;
        if (enc == 0) return default;
        return ReadByteStringSpan(out _);
    }

    public DataValue ReadDataValue()
    {
        Enter("DataValue");
        var at = _position;
        var mask = ReadByte();
        if ((mask & 0xC0) != 0) throw new UaDecodingException($"DataValue mask 0x{mask:X2} has unknown bits", at);
        var value = (mask & 0x01) != 0 ? ReadVariant() : Variant.Null;
        var status = (mask & 0x02) != 0 ? ReadStatusCode() : default;
        var source = (mask & 0x04) != 0 ? ReadDateTime().Ticks : DataValue.NoTimestamp;
        ushort sourcePico = (mask & 0x10) != 0 ? ReadUInt16() : (ushort)0;
        var server = (mask & 0x08) != 0 ? ReadDateTime().Ticks : DataValue.NoTimestamp;
        ushort serverPico = (mask & 0x20) != 0 ? ReadUInt16() : (ushort)0;
        _depth--;
        return new DataValue(value, status, source, sourcePico, server, serverPico);
    }

    public DiagnosticInfo? ReadDiagnosticInfo()
    {
        var at = _position;
        var mask = ReadByte();
        if (mask == 0) return null;
        if ((mask & 0x80) != 0) throw new UaDecodingException($"DiagnosticInfo mask 0x{mask:X2} has unknown bits", at);
        Enter("DiagnosticInfo");
        var result = new DiagnosticInfo
        {
            SymbolicId = (mask & 0x01) != 0 ? ReadInt32() : null,
            NamespaceUri = (mask & 0x02) != 0 ? ReadInt32() : null,
            Locale = (mask & 0x08) != 0 ? ReadInt32() : null,
            LocalizedText = (mask & 0x04) != 0 ? ReadInt32() : null,
            AdditionalInfo = (mask & 0x10) != 0 ? ReadString() : null,
            InnerStatusCode = (mask & 0x20) != 0 ? ReadStatusCode() : null,
            InnerDiagnosticInfo = (mask & 0x40) != 0 ? ReadDiagnosticInfo() ?? new DiagnosticInfo() : null,
        };
        _depth--;
        return result;
    }

    public Variant ReadVariant()
    {
        var at = _position;
        var mask = ReadByte();
        if (mask == 0) return Variant.Null;
        // fast path: fixed-size numeric scalars (the bulk of process data) need no nesting bookkeeping
        switch (mask)
        {
            case (byte)BuiltInType.Double: return Variant.FromScalarBits(BuiltInType.Double, ReadUInt64());
            case (byte)BuiltInType.Float: return Variant.FromScalarBits(BuiltInType.Float, ReadUInt32());
            case (byte)BuiltInType.Int32: return new Variant(ReadInt32());
            case (byte)BuiltInType.UInt32: return new Variant(ReadUInt32());
            case (byte)BuiltInType.Boolean: return new Variant(ReadBoolean());
            case (byte)BuiltInType.Int16: return new Variant(ReadInt16());
            case (byte)BuiltInType.UInt16: return new Variant(ReadUInt16());
            case (byte)BuiltInType.Int64: return new Variant(ReadInt64());
            case (byte)BuiltInType.UInt64: return new Variant(ReadUInt64());
        }
        var typeId = mask & 0x3F;
        if (typeId == 0 || typeId > (int)BuiltInType.DiagnosticInfo)
            throw new UaDecodingException($"Variant type id {typeId} is not a built-in type", at);
        var type = (BuiltInType)typeId;
        Enter("Variant");
        Variant result;
        if ((mask & 0x80) == 0)
        {
            if ((mask & 0x40) != 0) throw new UaDecodingException("Variant scalar has array dimensions", at);
            if (type == BuiltInType.Variant) throw new UaDecodingException("Variant holds a scalar Variant", at);
            result = ReadScalar(type);
        }
        else
        {
            var length = ReadLength(Limits.MaxArrayLength, $"{type} array", MinEncodedSize(type));
            if (length < 0)
            {
                // a null array: keep it as an empty array of the type (a Variant cannot say "null array" otherwise)
                length = 0;
            }
            var array = ReadArrayElements(type, length);
            int[]? dims = null;
            if ((mask & 0x40) != 0)
            {
                var dimsAt = _position;
                var count = ReadLength(Limits.MaxArrayLength, "ArrayDimensions", 4);
                if (count <= 0) throw new UaDecodingException("Variant matrix has no dimensions", dimsAt);
                dims = new int[count];
                long product = 1;
                for (int i = 0; i < count; i++)
                {
                    dims[i] = ReadInt32();
                    if (dims[i] < 0) throw new UaDecodingException($"Array dimension {i} is negative ({dims[i]})", dimsAt);
                    product = Math.Min(product * dims[i], int.MaxValue + 1L);
                }
                if (product != length)
                    throw new UaDecodingException($"Array dimensions multiply to {product}, the array has {length} elements", dimsAt);
            }
            result = Variant.FromArray(type, array, dims);
        }
        _depth--;
        return result;
    }

    private static int MinEncodedSize(BuiltInType type) => type switch
    {
        BuiltInType.Boolean or BuiltInType.SByte or BuiltInType.Byte or BuiltInType.LocalizedText or BuiltInType.DataValue
            or BuiltInType.Variant or BuiltInType.DiagnosticInfo => 1,
        BuiltInType.Int16 or BuiltInType.UInt16 or BuiltInType.NodeId or BuiltInType.ExpandedNodeId => 2,
        BuiltInType.Int32 or BuiltInType.UInt32 or BuiltInType.Float or BuiltInType.String or BuiltInType.XmlElement
            or BuiltInType.ByteString or BuiltInType.StatusCode => 4,
        BuiltInType.ExtensionObject => 3,
        BuiltInType.QualifiedName => 6,
        BuiltInType.Guid => 16,
        _ => 8,
    };

    private Variant ReadScalar(BuiltInType type) => type switch
    {
        BuiltInType.Boolean => new Variant(ReadBoolean()),
        BuiltInType.SByte => new Variant(ReadSByte()),
        BuiltInType.Byte => new Variant(ReadByte()),
        BuiltInType.Int16 => new Variant(ReadInt16()),
        BuiltInType.UInt16 => new Variant(ReadUInt16()),
        BuiltInType.Int32 => new Variant(ReadInt32()),
        BuiltInType.UInt32 => new Variant(ReadUInt32()),
        BuiltInType.Int64 => new Variant(ReadInt64()),
        BuiltInType.UInt64 => new Variant(ReadUInt64()),
        BuiltInType.Float => new Variant(ReadFloat()),
        BuiltInType.Double => new Variant(ReadDouble()),
        BuiltInType.DateTime => new Variant(ReadDateTime()),
        BuiltInType.StatusCode => new Variant(ReadStatusCode()),
        BuiltInType.String => ReadString() is { } s ? Variant.FromScalarRef(BuiltInType.String, s) : Variant.Null,
        BuiltInType.XmlElement => Variant.FromXmlElement(ReadString()),
        BuiltInType.Guid => new Variant(ReadGuid()),
        BuiltInType.ByteString => Variant.FromByteString(ReadByteString()),
        BuiltInType.NodeId => new Variant(ReadNodeId()),
        BuiltInType.ExpandedNodeId => new Variant(ReadExpandedNodeId()),
        BuiltInType.QualifiedName => new Variant(ReadQualifiedName()),
        BuiltInType.LocalizedText => new Variant(ReadLocalizedText()),
        BuiltInType.ExtensionObject => new Variant(ReadExtensionObject()),
        BuiltInType.DataValue => new Variant(ReadDataValue()),
        BuiltInType.DiagnosticInfo => Variant.FromScalarRef(BuiltInType.DiagnosticInfo, ReadDiagnosticInfo() ?? new DiagnosticInfo()),
        _ => throw new UaDecodingException($"Variant type {type} cannot be a scalar", _position),
    };

    private Array ReadArrayElements(BuiltInType type, int n)
    {
        switch (type)
        {
            case BuiltInType.Boolean: { var a = new bool[n]; for (int i = 0; i < n; i++) a[i] = ReadBoolean(); return a; }
            case BuiltInType.SByte: return MemoryMarshal.Cast<byte, sbyte>(Take(n)).ToArray();
            case BuiltInType.Byte: return Take(n).ToArray();
            case BuiltInType.Int16: { var a = new short[n]; for (int i = 0; i < n; i++) a[i] = ReadInt16(); return a; }
            case BuiltInType.UInt16: { var a = new ushort[n]; for (int i = 0; i < n; i++) a[i] = ReadUInt16(); return a; }
            case BuiltInType.Int32: { var a = new int[n]; for (int i = 0; i < n; i++) a[i] = ReadInt32(); return a; }
            case BuiltInType.UInt32: { var a = new uint[n]; for (int i = 0; i < n; i++) a[i] = ReadUInt32(); return a; }
            case BuiltInType.Int64: { var a = new long[n]; for (int i = 0; i < n; i++) a[i] = ReadInt64(); return a; }
            case BuiltInType.UInt64: { var a = new ulong[n]; for (int i = 0; i < n; i++) a[i] = ReadUInt64(); return a; }
            case BuiltInType.Float: { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = ReadFloat(); return a; }
            case BuiltInType.Double: { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = ReadDouble(); return a; }
            case BuiltInType.String:
            case BuiltInType.XmlElement: { var a = new string?[n]; for (int i = 0; i < n; i++) a[i] = ReadString(); return a; }
            case BuiltInType.DateTime: { var a = new DateTime[n]; for (int i = 0; i < n; i++) a[i] = ReadDateTime(); return a; }
            case BuiltInType.Guid: { var a = new Guid[n]; for (int i = 0; i < n; i++) a[i] = ReadGuid(); return a; }
            case BuiltInType.ByteString: { var a = new byte[]?[n]; for (int i = 0; i < n; i++) a[i] = ReadByteString(); return a; }
            case BuiltInType.NodeId: { var a = new NodeId[n]; for (int i = 0; i < n; i++) a[i] = ReadNodeId(); return a; }
            case BuiltInType.ExpandedNodeId: { var a = new ExpandedNodeId[n]; for (int i = 0; i < n; i++) a[i] = ReadExpandedNodeId(); return a; }
            case BuiltInType.StatusCode: { var a = new StatusCode[n]; for (int i = 0; i < n; i++) a[i] = ReadStatusCode(); return a; }
            case BuiltInType.QualifiedName: { var a = new QualifiedName[n]; for (int i = 0; i < n; i++) a[i] = ReadQualifiedName(); return a; }
            case BuiltInType.LocalizedText: { var a = new LocalizedText[n]; for (int i = 0; i < n; i++) a[i] = ReadLocalizedText(); return a; }
            case BuiltInType.ExtensionObject: { var a = new ExtensionObject[n]; for (int i = 0; i < n; i++) a[i] = ReadExtensionObject(); return a; }
            case BuiltInType.DataValue: { var a = new DataValue[n]; for (int i = 0; i < n; i++) a[i] = ReadDataValue(); return a; }
            case BuiltInType.Variant: { var a = new Variant[n]; for (int i = 0; i < n; i++) a[i] = ReadVariant(); return a; }
            case BuiltInType.DiagnosticInfo: { var a = new DiagnosticInfo[n]; for (int i = 0; i < n; i++) a[i] = ReadDiagnosticInfo() ?? new DiagnosticInfo(); return a; }
            default: throw new UaDecodingException($"No arrays of {type}", _position);
        }
    }

    /// <summary>Reads an array of structures: Int32 length (-1 = null, returned as empty) then each element.</summary>
    public T[] ReadArray<T>(DecodeElement<T> readElement, string what, int minElementSize = 1)
    {
        var length = ReadLength(Limits.MaxArrayLength, what, minElementSize);
        if (length <= 0) return [];
        var result = new T[length];
        for (int i = 0; i < length; i++) result[i] = readElement(ref this);
        return result;
    }

    public string?[] ReadStringArray() => ReadArray(static (ref BinaryDecoder d) => d.ReadString(), "String array", 4);

    public uint[] ReadUInt32Array() => ReadArray(static (ref BinaryDecoder d) => d.ReadUInt32(), "UInt32 array", 4);

    public StatusCode[] ReadStatusCodeArray() => ReadArray(static (ref BinaryDecoder d) => d.ReadStatusCode(), "StatusCode array", 4);

    public DiagnosticInfo?[] ReadDiagnosticInfoArray() => ReadArray(static (ref BinaryDecoder d) => d.ReadDiagnosticInfo(), "DiagnosticInfo array");

    /// <summary>Reads the length of an array that the caller reads element by element (0 for null).</summary>
    public int ReadArrayLength(string what, int minElementSize = 1) => Math.Max(0, ReadLength(Limits.MaxArrayLength, what, minElementSize));
}
