using System.Globalization;
using System.Runtime.InteropServices;

namespace SmartFactoryEdge.Core.Samples;

/// <summary>What a <see cref="SampleValue"/> holds.</summary>
public enum SampleValueKind : byte
{
    /// <summary>No value (a Bad-quality sample may carry none).</summary>
    None = 0,
    Double = 1,
    Boolean = 2,
    Int64 = 3,
    String = 4,
}

/// <summary>
/// A tag's value. Numeric process data is the common case and lives unboxed in <see cref="AsDouble"/>;
/// booleans, integers that must not round (counters) and strings (machine states) keep their type.
/// A struct, so the hot path allocates nothing for numeric values.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct SampleValue : IEquatable<SampleValue>
{
    private readonly double _double;
    private readonly long _int64;
    private readonly string? _string;

    private SampleValue(SampleValueKind kind, double d, long l, string? s)
    {
        Kind = kind;
        _double = d;
        _int64 = l;
        _string = s;
    }

    public SampleValueKind Kind { get; }

    public static SampleValue None => default;
    public static SampleValue FromDouble(double value) => new(SampleValueKind.Double, value, 0, null);
    public static SampleValue FromBoolean(bool value) => new(SampleValueKind.Boolean, value ? 1 : 0, value ? 1 : 0, null);
    public static SampleValue FromInt64(long value) => new(SampleValueKind.Int64, value, value, null);
    public static SampleValue FromString(string value) => new(SampleValueKind.String, double.NaN, 0, value ?? throw new ArgumentNullException(nameof(value)));

    public static implicit operator SampleValue(double value) => FromDouble(value);
    public static implicit operator SampleValue(bool value) => FromBoolean(value);
    public static implicit operator SampleValue(long value) => FromInt64(value);
    public static implicit operator SampleValue(int value) => FromInt64(value);
    public static implicit operator SampleValue(string value) => FromString(value);

    public bool HasValue => Kind != SampleValueKind.None;

    /// <summary>The value as a number for detectors: booleans are 0/1, strings and None are NaN.</summary>
    public double AsDouble => Kind switch
    {
        SampleValueKind.Double or SampleValueKind.Boolean or SampleValueKind.Int64 => _double,
        _ => double.NaN,
    };

    public bool AsBoolean => Kind switch
    {
        SampleValueKind.Boolean or SampleValueKind.Int64 => _int64 != 0,
        SampleValueKind.Double => _double != 0,
        _ => throw new InvalidOperationException($"A {Kind} value has no boolean form."),
    };

    public long AsInt64 => Kind switch
    {
        SampleValueKind.Int64 or SampleValueKind.Boolean => _int64,
        SampleValueKind.Double => checked((long)_double),
        _ => throw new InvalidOperationException($"A {Kind} value has no integer form."),
    };

    public string? AsString => Kind == SampleValueKind.String ? _string : null;

    public bool Equals(SampleValue other) => Kind == other.Kind && Kind switch
    {
        SampleValueKind.None => true,
        SampleValueKind.Double => _double.Equals(other._double),
        SampleValueKind.String => string.Equals(_string, other._string, StringComparison.Ordinal),
        _ => _int64 == other._int64,
    };

    public override bool Equals(object? obj) => obj is SampleValue other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Kind, _double, _int64, _string);
    public static bool operator ==(SampleValue left, SampleValue right) => left.Equals(right);
    public static bool operator !=(SampleValue left, SampleValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        SampleValueKind.None => "",
        SampleValueKind.Double => _double.ToString("R", CultureInfo.InvariantCulture),
        SampleValueKind.Boolean => _int64 != 0 ? "true" : "false",
        SampleValueKind.Int64 => _int64.ToString(CultureInfo.InvariantCulture),
        _ => _string!,
    };
}
