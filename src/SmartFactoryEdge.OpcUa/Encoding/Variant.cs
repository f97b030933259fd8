using System.Collections;
using System.Globalization;
using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.OpcUa.Encoding;

/// <summary>
/// A value of any built-in type, scalar or array, with optional array dimensions for matrices
/// (Part 6, 5.2.2.16). Numeric scalars live unboxed, so notifications of doubles do not allocate per value.
/// Arrays are stored flat (row-major) with <see cref="Dimensions"/> when the value is a matrix.
/// </summary>
public readonly struct Variant : IEquatable<Variant>
{
    private readonly object? _ref;
    private readonly ulong _bits;

    private Variant(BuiltInType type, ulong bits, object? reference, bool isArray, int[]? dimensions)
    {
        Type = type;
        _bits = bits;
        _ref = reference;
        IsArray = isArray;
        Dimensions = dimensions;
    }

    public static readonly Variant Null = default;

    public BuiltInType Type { get; }

    public bool IsArray { get; }

    /// <summary>Array dimensions for a matrix (product equals the flat array length), else null.</summary>
    public int[]? Dimensions { get; }

    public bool IsNull => Type == BuiltInType.Null;

    public Variant(bool value) : this(BuiltInType.Boolean, value ? 1UL : 0UL, null, false, null) { }
    public Variant(sbyte value) : this(BuiltInType.SByte, unchecked((ulong)value), null, false, null) { }
    public Variant(byte value) : this(BuiltInType.Byte, value, null, false, null) { }
    public Variant(short value) : this(BuiltInType.Int16, unchecked((ulong)value), null, false, null) { }
    public Variant(ushort value) : this(BuiltInType.UInt16, value, null, false, null) { }
    public Variant(int value) : this(BuiltInType.Int32, unchecked((ulong)value), null, false, null) { }
    public Variant(uint value) : this(BuiltInType.UInt32, value, null, false, null) { }
    public Variant(long value) : this(BuiltInType.Int64, unchecked((ulong)value), null, false, null) { }
    public Variant(ulong value) : this(BuiltInType.UInt64, value, null, false, null) { }
    public Variant(float value) : this(BuiltInType.Float, BitConverter.SingleToUInt32Bits(value), null, false, null) { }
    public Variant(double value) : this(BuiltInType.Double, BitConverter.DoubleToUInt64Bits(value), null, false, null) { }
    public Variant(DateTime value) : this(BuiltInType.DateTime, unchecked((ulong)DateTime.SpecifyKind(value, DateTimeKind.Utc).Ticks), null, false, null) { }
    public Variant(StatusCode value) : this(BuiltInType.StatusCode, value.Code, null, false, null) { }
    public Variant(string? value) : this(value is null ? BuiltInType.Null : BuiltInType.String, 0, value, false, null) { }
    public Variant(Guid value) : this(BuiltInType.Guid, 0, value, false, null) { }
    public Variant(NodeId value) : this(BuiltInType.NodeId, 0, value, false, null) { }
    public Variant(ExpandedNodeId value) : this(BuiltInType.ExpandedNodeId, 0, value, false, null) { }
    public Variant(QualifiedName value) : this(BuiltInType.QualifiedName, 0, value, false, null) { }
    public Variant(LocalizedText value) : this(BuiltInType.LocalizedText, 0, value, false, null) { }
    public Variant(ExtensionObject value) : this(BuiltInType.ExtensionObject, 0, value, false, null) { }
    public Variant(DataValue value) : this(BuiltInType.DataValue, 0, value, false, null) { }
    public Variant(DiagnosticInfo value) : this(BuiltInType.DiagnosticInfo, 0, value, false, null) { }

    /// <summary>A ByteString scalar.</summary>
    public static Variant FromByteString(byte[]? value) => value is null ? Null : new(BuiltInType.ByteString, 0, value, false, null);

    /// <summary>An XmlElement scalar (kept as its text).</summary>
    public static Variant FromXmlElement(string? value) => value is null ? Null : new(BuiltInType.XmlElement, 0, value, false, null);

    /// <summary>
    /// An array (or, with <paramref name="dimensions"/>, a flat row-major matrix). The CLR element type must match
    /// <paramref name="type"/>: double[] for Double, string?[] for String and XmlElement, byte[]?[] for ByteString, Variant[] for Variant.
    /// </summary>
    public static Variant FromArray(BuiltInType type, Array values, int[]? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (type == BuiltInType.Null) throw new ArgumentException("An array needs an element type.", nameof(type));
        if (values.GetType() != ArrayClrType(type))
            throw new ArgumentException($"A {type} array must be {ArrayClrType(type).Name}, not {values.GetType().Name}.", nameof(values));
        if (dimensions is not null)
        {
            long product = 1;
            foreach (var d in dimensions)
            {
                if (d < 0) throw new ArgumentOutOfRangeException(nameof(dimensions), "Dimensions must not be negative.");
                product *= d;
            }
            if (product != values.Length) throw new ArgumentException($"Dimensions multiply to {product}, the array has {values.Length} elements.", nameof(dimensions));
        }
        return new Variant(type, 0, values, true, dimensions);
    }

    internal static Variant FromScalarBits(BuiltInType type, ulong bits) => new(type, bits, null, false, null);

    internal static Variant FromScalarRef(BuiltInType type, object value) => new(type, 0, value, false, null);

    internal ulong Bits => _bits;

    internal object? Reference => _ref;

    /// <summary>The CLR array type used for arrays of <paramref name="type"/>.</summary>
    public static Type ArrayClrType(BuiltInType type) => type switch
    {
        BuiltInType.Boolean => typeof(bool[]),
        BuiltInType.SByte => typeof(sbyte[]),
        BuiltInType.Byte => typeof(byte[]),
        BuiltInType.Int16 => typeof(short[]),
        BuiltInType.UInt16 => typeof(ushort[]),
        BuiltInType.Int32 => typeof(int[]),
        BuiltInType.UInt32 => typeof(uint[]),
        BuiltInType.Int64 => typeof(long[]),
        BuiltInType.UInt64 => typeof(ulong[]),
        BuiltInType.Float => typeof(float[]),
        BuiltInType.Double => typeof(double[]),
        BuiltInType.String or BuiltInType.XmlElement => typeof(string[]),
        BuiltInType.DateTime => typeof(DateTime[]),
        BuiltInType.Guid => typeof(Guid[]),
        BuiltInType.ByteString => typeof(byte[][]),
        BuiltInType.NodeId => typeof(NodeId[]),
        BuiltInType.ExpandedNodeId => typeof(ExpandedNodeId[]),
        BuiltInType.StatusCode => typeof(StatusCode[]),
        BuiltInType.QualifiedName => typeof(QualifiedName[]),
        BuiltInType.LocalizedText => typeof(LocalizedText[]),
        BuiltInType.ExtensionObject => typeof(ExtensionObject[]),
        BuiltInType.DataValue => typeof(DataValue[]),
        BuiltInType.Variant => typeof(Variant[]),
        BuiltInType.DiagnosticInfo => typeof(DiagnosticInfo[]),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No array type."),
    };

    /// <summary>The value boxed (scalar) or the array; null for a null Variant.</summary>
    public object? Value => IsArray ? _ref : Type switch
    {
        BuiltInType.Null => null,
        BuiltInType.Boolean => _bits != 0,
        BuiltInType.SByte => unchecked((sbyte)_bits),
        BuiltInType.Byte => (byte)_bits,
        BuiltInType.Int16 => unchecked((short)_bits),
        BuiltInType.UInt16 => (ushort)_bits,
        BuiltInType.Int32 => unchecked((int)_bits),
        BuiltInType.UInt32 => (uint)_bits,
        BuiltInType.Int64 => unchecked((long)_bits),
        BuiltInType.UInt64 => _bits,
        BuiltInType.Float => BitConverter.UInt32BitsToSingle((uint)_bits),
        BuiltInType.Double => BitConverter.UInt64BitsToDouble(_bits),
        BuiltInType.DateTime => new DateTime(unchecked((long)_bits), DateTimeKind.Utc),
        BuiltInType.StatusCode => new StatusCode((uint)_bits),
        _ => _ref,
    };

    /// <summary>True for numeric and boolean scalars.</summary>
    public bool IsNumericScalar => !IsArray && Type is >= BuiltInType.Boolean and <= BuiltInType.Double;

    /// <summary>A numeric or boolean scalar as a double (booleans as 0/1); NaN otherwise.</summary>
    public double ToDouble() => IsArray ? double.NaN : Type switch
    {
        BuiltInType.Boolean or BuiltInType.Byte or BuiltInType.UInt16 or BuiltInType.UInt32 or BuiltInType.UInt64 => _bits,
        BuiltInType.SByte or BuiltInType.Int16 or BuiltInType.Int32 or BuiltInType.Int64 => unchecked((long)_bits),
        BuiltInType.Float => BitConverter.UInt32BitsToSingle((uint)_bits),
        BuiltInType.Double => BitConverter.UInt64BitsToDouble(_bits),
        _ => double.NaN,
    };

    /// <summary>An integer scalar as Int64 (UInt64 above Int64.MaxValue saturates).</summary>
    public long ToInt64() => Type switch
    {
        BuiltInType.Boolean or BuiltInType.Byte or BuiltInType.UInt16 or BuiltInType.UInt32 => (long)_bits,
        BuiltInType.UInt64 => _bits > long.MaxValue ? long.MaxValue : (long)_bits,
        BuiltInType.SByte or BuiltInType.Int16 or BuiltInType.Int32 or BuiltInType.Int64 => unchecked((long)_bits),
        _ => throw new InvalidOperationException($"A {Type} Variant has no integer form."),
    };

    public static implicit operator Variant(double value) => new(value);
    public static implicit operator Variant(int value) => new(value);
    public static implicit operator Variant(bool value) => new(value);
    public static implicit operator Variant(string? value) => new(value);

    public bool Equals(Variant other)
    {
        if (Type != other.Type || IsArray != other.IsArray) return false;
        if (!DimensionsEqual(Dimensions, other.Dimensions)) return false;
        if (IsArray) return StructuralComparisons.StructuralEqualityComparer.Equals(_ref, other._ref);
        if (_ref is null && other._ref is null) return _bits == other._bits;
        return StructuralComparisons.StructuralEqualityComparer.Equals(_ref, other._ref);
    }

    private static bool DimensionsEqual(int[]? a, int[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    public override bool Equals(object? obj) => obj is Variant v && Equals(v);

    public override int GetHashCode() => HashCode.Combine(Type, IsArray, _bits, _ref is Array a ? a.Length : _ref?.GetHashCode() ?? 0);

    public static bool operator ==(Variant left, Variant right) => left.Equals(right);
    public static bool operator !=(Variant left, Variant right) => !left.Equals(right);

    public override string ToString()
    {
        if (IsNull) return "(null)";
        if (IsArray)
        {
            var a = (Array)_ref!;
            var dims = Dimensions is null ? a.Length.ToString(CultureInfo.InvariantCulture) : string.Join("x", Dimensions);
            var preview = string.Join(", ", a.Cast<object?>().Take(8).Select(x => Convert.ToString(x, CultureInfo.InvariantCulture)));
            return $"{Type}[{dims}] {{{preview}{(a.Length > 8 ? ", ..." : "")}}}";
        }
        var v = Value;
        return v switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
            byte[] b => "0x" + Convert.ToHexString(b),
            bool b => b ? "true" : "false",
            _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
        };
    }
}
