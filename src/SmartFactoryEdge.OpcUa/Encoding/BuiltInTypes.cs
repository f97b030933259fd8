using System.Globalization;
using System.Text;
using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.OpcUa.Encoding;

/// <summary>The 25 built-in types of OPC UA (Part 6, 5.1.2), with their Variant type ids.</summary>
public enum BuiltInType : byte
{
    Null = 0,
    Boolean = 1,
    SByte = 2,
    Byte = 3,
    Int16 = 4,
    UInt16 = 5,
    Int32 = 6,
    UInt32 = 7,
    Int64 = 8,
    UInt64 = 9,
    Float = 10,
    Double = 11,
    String = 12,
    DateTime = 13,
    Guid = 14,
    ByteString = 15,
    XmlElement = 16,
    NodeId = 17,
    ExpandedNodeId = 18,
    StatusCode = 19,
    QualifiedName = 20,
    LocalizedText = 21,
    ExtensionObject = 22,
    DataValue = 23,
    Variant = 24,
    DiagnosticInfo = 25,
}

/// <summary>The kind of identifier a <see cref="NodeId"/> carries.</summary>
public enum NodeIdType : byte
{
    Numeric = 0,
    String = 1,
    Guid = 2,
    Opaque = 3,
}

/// <summary>
/// An OPC UA node identifier (Part 3, 8.2; binary form Part 6, 5.2.2.9): namespace index plus a numeric,
/// string, GUID or opaque (ByteString) identifier. Immutable; compares by value.
/// </summary>
public sealed class NodeId : IEquatable<NodeId>
{
    /// <summary>The null NodeId (ns=0;i=0).</summary>
    public static readonly NodeId Null = new(0u);

    private readonly uint _numeric;
    private readonly object? _identifier;

    public NodeId(uint value, ushort namespaceIndex = 0)
    {
        IdType = NodeIdType.Numeric;
        _numeric = value;
        NamespaceIndex = namespaceIndex;
    }

    public NodeId(string value, ushort namespaceIndex)
    {
        IdType = NodeIdType.String;
        _identifier = value ?? throw new ArgumentNullException(nameof(value));
        NamespaceIndex = namespaceIndex;
    }

    public NodeId(Guid value, ushort namespaceIndex)
    {
        IdType = NodeIdType.Guid;
        _identifier = value;
        NamespaceIndex = namespaceIndex;
    }

    public NodeId(byte[] value, ushort namespaceIndex)
    {
        IdType = NodeIdType.Opaque;
        _identifier = value ?? throw new ArgumentNullException(nameof(value));
        NamespaceIndex = namespaceIndex;
    }

    public NodeIdType IdType { get; }

    public ushort NamespaceIndex { get; }

    public uint Numeric => IdType == NodeIdType.Numeric ? _numeric : throw new InvalidOperationException($"{this} is not numeric.");

    public string StringId => IdType == NodeIdType.String ? (string)_identifier! : throw new InvalidOperationException($"{this} is not a string NodeId.");

    public Guid GuidId => IdType == NodeIdType.Guid ? (Guid)_identifier! : throw new InvalidOperationException($"{this} is not a GUID NodeId.");

    public byte[] OpaqueId => IdType == NodeIdType.Opaque ? (byte[])_identifier! : throw new InvalidOperationException($"{this} is not an opaque NodeId.");

    public bool IsNull => IdType switch
    {
        NodeIdType.Numeric => _numeric == 0 && NamespaceIndex == 0,
        NodeIdType.String => NamespaceIndex == 0 && ((string)_identifier!).Length == 0,
        NodeIdType.Guid => NamespaceIndex == 0 && (Guid)_identifier! == Guid.Empty,
        _ => NamespaceIndex == 0 && ((byte[])_identifier!).Length == 0,
    };

    public static implicit operator NodeId(uint value) => new(value);

    /// <summary>Parses the standard text form: "i=85", "ns=1;s=Line1.Temp", "ns=2;g=...", "ns=3;b=base64".</summary>
    /// <exception cref="FormatException">The text is not a NodeId.</exception>
    public static NodeId Parse(string text)
    {
        if (TryParse(text, out var id)) return id;
        throw new FormatException($"'{text}' is not a NodeId (expected e.g. 'i=85' or 'ns=1;s=Line1.Temperature').");
    }

    public static bool TryParse(string? text, out NodeId nodeId)
    {
        nodeId = Null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.AsSpan().Trim();
        ushort ns = 0;
        if (s.StartsWith("ns=", StringComparison.Ordinal))
        {
            var semi = s.IndexOf(';');
            if (semi < 0 || !ushort.TryParse(s[3..semi], NumberStyles.None, CultureInfo.InvariantCulture, out ns)) return false;
            s = s[(semi + 1)..];
        }
        if (s.Length < 2 || s[1] != '=') return false;
        var value = s[2..];
        switch (s[0])
        {
            case 'i':
                if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
                nodeId = new NodeId(n, ns);
                return true;
            case 's':
                nodeId = new NodeId(value.ToString(), ns);
                return true;
            case 'g':
                if (!Guid.TryParse(value, out var g)) return false;
                nodeId = new NodeId(g, ns);
                return true;
            case 'b':
                var buffer = new byte[value.Length];
                if (!Convert.TryFromBase64Chars(value, buffer, out var written)) return false;
                nodeId = new NodeId(buffer[..written], ns);
                return true;
            default:
                return false;
        }
    }

    public override string ToString()
    {
        var prefix = NamespaceIndex == 0 ? "" : "ns=" + NamespaceIndex.ToString(CultureInfo.InvariantCulture) + ";";
        return IdType switch
        {
            NodeIdType.Numeric => prefix + "i=" + _numeric.ToString(CultureInfo.InvariantCulture),
            NodeIdType.String => prefix + "s=" + (string)_identifier!,
            NodeIdType.Guid => prefix + "g=" + ((Guid)_identifier!).ToString("D"),
            _ => prefix + "b=" + Convert.ToBase64String((byte[])_identifier!),
        };
    }

    public bool Equals(NodeId? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (IdType != other.IdType || NamespaceIndex != other.NamespaceIndex) return false;
        return IdType switch
        {
            NodeIdType.Numeric => _numeric == other._numeric,
            NodeIdType.String => string.Equals((string)_identifier!, (string)other._identifier!, StringComparison.Ordinal),
            NodeIdType.Guid => (Guid)_identifier! == (Guid)other._identifier!,
            _ => ((byte[])_identifier!).AsSpan().SequenceEqual((byte[])other._identifier!),
        };
    }

    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    public override int GetHashCode() => IdType switch
    {
        NodeIdType.Numeric => HashCode.Combine(NamespaceIndex, _numeric),
        NodeIdType.String => HashCode.Combine(NamespaceIndex, StringComparer.Ordinal.GetHashCode((string)_identifier!)),
        NodeIdType.Guid => HashCode.Combine(NamespaceIndex, (Guid)_identifier!),
        _ => HashCode.Combine(NamespaceIndex, ((byte[])_identifier!).Length),
    };

    public static bool operator ==(NodeId? left, NodeId? right) => left is null ? right is null : left.Equals(right);
    public static bool operator !=(NodeId? left, NodeId? right) => !(left == right);
}

/// <summary>A NodeId that may name its namespace by URI and live on another server (Part 6, 5.2.2.10).</summary>
public sealed record ExpandedNodeId(NodeId NodeId, string? NamespaceUri = null, uint ServerIndex = 0)
{
    public static readonly ExpandedNodeId Null = new(NodeId.Null);

    public bool IsLocal => NamespaceUri is null && ServerIndex == 0;

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (ServerIndex != 0) sb.Append("svr=").Append(ServerIndex.ToString(CultureInfo.InvariantCulture)).Append(';');
        if (NamespaceUri is not null) sb.Append("nsu=").Append(NamespaceUri).Append(';');
        sb.Append(NodeId);
        return sb.ToString();
    }
}

/// <summary>A name qualified by a namespace index (browse names; Part 6, 5.2.2.13).</summary>
public readonly record struct QualifiedName(ushort NamespaceIndex, string? Name)
{
    public QualifiedName(string name) : this(0, name) { }

    public override string ToString() => NamespaceIndex == 0 ? Name ?? "" : NamespaceIndex.ToString(CultureInfo.InvariantCulture) + ":" + Name;

    /// <summary>Parses "Name" or "2:Name".</summary>
    public static QualifiedName Parse(string text)
    {
        var colon = text.IndexOf(':');
        if (colon > 0 && ushort.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ns))
            return new QualifiedName(ns, text[(colon + 1)..]);
        return new QualifiedName(0, text);
    }
}

/// <summary>Human-readable text with an optional locale (Part 6, 5.2.2.14).</summary>
public sealed record LocalizedText(string? Locale, string? Text)
{
    public static readonly LocalizedText Empty = new(null, null);

    public LocalizedText(string? text) : this(null, text) { }

    public override string ToString() => Text ?? "";
}

/// <summary>Encoding of an <see cref="ExtensionObject"/> body (Part 6, 5.2.2.15).</summary>
public enum ExtensionObjectEncoding : byte
{
    None = 0,
    Binary = 1,
    Xml = 2,
}

/// <summary>
/// A structure the decoder does not know statically: its encoding NodeId and body. Bodies stay as bytes
/// and are decoded on demand (<see cref="TryDecode{T}"/>), so unknown structures pass through untouched.
/// </summary>
public sealed class ExtensionObject : IEquatable<ExtensionObject>
{
    public static readonly ExtensionObject Null = new(NodeId.Null, ExtensionObjectEncoding.None, null);

    public ExtensionObject(NodeId typeId, ExtensionObjectEncoding encoding, byte[]? body)
    {
        TypeId = typeId;
        Encoding = encoding;
        Body = body;
    }

    /// <summary>Wraps an encodeable structure (encoded immediately into binary).</summary>
    public static ExtensionObject From(IEncodeable value)
    {
        var encoder = new BinaryEncoder();
        value.Encode(encoder);
        return new ExtensionObject(new NodeId(value.BinaryEncodingId), ExtensionObjectEncoding.Binary, encoder.ToArray());
    }

    public NodeId TypeId { get; }

    public ExtensionObjectEncoding Encoding { get; }

    /// <summary>Binary body, or the UTF-8 XML text when <see cref="Encoding"/> is Xml.</summary>
    public byte[]? Body { get; }

    public bool IsNull => Encoding == ExtensionObjectEncoding.None && TypeId.IsNull;

    /// <summary>Decodes the body as <typeparamref name="T"/> when its type id matches.</summary>
    public bool TryDecode<T>(out T value, DecodingLimits? limits = null) where T : IDecodeable<T>
    {
        value = default!;
        if (Encoding != ExtensionObjectEncoding.Binary || Body is null) return false;
        if (TypeId.IdType != NodeIdType.Numeric || TypeId.NamespaceIndex != 0 || TypeId.Numeric != T.BinaryEncodingIdStatic) return false;
        var decoder = new BinaryDecoder(Body, limits ?? DecodingLimits.Default);
        value = T.Decode(ref decoder);
        return true;
    }

    public bool Equals(ExtensionObject? other) =>
        other is not null && TypeId == other.TypeId && Encoding == other.Encoding &&
        (Body ?? []).AsSpan().SequenceEqual(other.Body ?? []);

    public override bool Equals(object? obj) => obj is ExtensionObject o && Equals(o);

    public override int GetHashCode() => HashCode.Combine(TypeId, Encoding, Body?.Length ?? -1);

    public override string ToString() => $"ExtensionObject({TypeId}, {Body?.Length ?? 0} bytes)";
}

/// <summary>Vendor-specific diagnostics for an operation (Part 4, 7.8; Part 6, 5.2.2.12). Recursive.</summary>
public sealed record DiagnosticInfo
{
    public int? SymbolicId { get; init; }
    public int? NamespaceUri { get; init; }
    public int? Locale { get; init; }
    public int? LocalizedText { get; init; }
    public string? AdditionalInfo { get; init; }
    public StatusCode? InnerStatusCode { get; init; }
    public DiagnosticInfo? InnerDiagnosticInfo { get; init; }
}

/// <summary>
/// A value with its status and timestamps (Part 6, 5.2.2.17). Timestamps are stored as ticks (no nullable
/// wrappers) to keep the struct small: notifications of 1000 values stay out of the large-object heap.
/// </summary>
public readonly struct DataValue : IEquatable<DataValue>
{
    private const long Absent = long.MinValue;
    private readonly long _source;
    private readonly long _server;

    public DataValue(Variant value, StatusCode status = default, DateTime? sourceTimestamp = null, DateTime? serverTimestamp = null)
    {
        Value = value;
        StatusCode = status;
        _source = sourceTimestamp?.Ticks ?? Absent;
        _server = serverTimestamp?.Ticks ?? Absent;
    }

    internal DataValue(Variant value, StatusCode status, long sourceTicks, ushort sourcePicoseconds, long serverTicks, ushort serverPicoseconds)
    {
        Value = value;
        StatusCode = status;
        _source = sourceTicks;
        _server = serverTicks;
        SourcePicoseconds = sourcePicoseconds;
        ServerPicoseconds = serverPicoseconds;
    }

    internal const long NoTimestamp = Absent;

    public Variant Value { get; init; }
    public StatusCode StatusCode { get; init; }

    public DateTime? SourceTimestamp
    {
        get => _source == Absent ? null : new DateTime(_source, DateTimeKind.Utc);
        init => _source = value?.Ticks ?? Absent;
    }

    public ushort SourcePicoseconds { get; init; }

    public DateTime? ServerTimestamp
    {
        get => _server == Absent ? null : new DateTime(_server, DateTimeKind.Utc);
        init => _server = value?.Ticks ?? Absent;
    }

    public ushort ServerPicoseconds { get; init; }

    public bool Equals(DataValue other) => Value.Equals(other.Value) && StatusCode == other.StatusCode && _source == other._source
        && _server == other._server && SourcePicoseconds == other.SourcePicoseconds && ServerPicoseconds == other.ServerPicoseconds;

    public override bool Equals(object? obj) => obj is DataValue d && Equals(d);

    public override int GetHashCode() => HashCode.Combine(Value, StatusCode, _source, _server);

    public static bool operator ==(DataValue left, DataValue right) => left.Equals(right);
    public static bool operator !=(DataValue left, DataValue right) => !left.Equals(right);

    public override string ToString() => $"{Value} [{StatusCode}] @ {SourceTimestamp:O}";
}

/// <summary>Something that encodes itself in UA Binary and has a DefaultBinary encoding NodeId (ns=0).</summary>
public interface IEncodeable
{
    uint BinaryEncodingId { get; }

    void Encode(BinaryEncoder encoder);
}

/// <summary>A structure decodable from UA Binary.</summary>
public interface IDecodeable<TSelf> where TSelf : IDecodeable<TSelf>
{
    static abstract uint BinaryEncodingIdStatic { get; }

    static abstract TSelf Decode(ref BinaryDecoder decoder);
}
