using System.Buffers.Binary;
using System.Text;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Modbus.RegisterMap;

/// <summary>Turns raw registers or bits into a point's value: word/byte order, type, bit, scale and offset.</summary>
public static class ModbusValueDecoder
{
    /// <summary>
    /// Decodes the point from <paramref name="registers"/>, which start at the point's address. Integers without
    /// scale or offset stay integers (counters must not round); otherwise the value is raw * scale + offset.
    /// </summary>
    public static SampleValue Decode(ReadOnlySpan<ushort> registers, ModbusPointOptions point)
    {
        if (registers.Length < point.Span) throw new ArgumentException($"point '{point.TagId}' needs {point.Span} registers, got {registers.Length}.", nameof(registers));
        bool plain = point.Scale == 1.0 && point.Offset == 0.0;
        switch (point.Type)
        {
            case ModbusDataType.Bool:
                return point.Bit is { } bit ? (registers[0] >> bit & 1) != 0 : registers[0] != 0;
            case ModbusDataType.String:
                return DecodeString(registers[..point.Length], point.Order);
        }
        Span<byte> bytes = stackalloc byte[8];
        int n = 2 * point.Span;
        Arrange(registers[..point.Span], point.Order, bytes[..n]);
        switch (point.Type)
        {
            case ModbusDataType.Int16: return Integer(BinaryPrimitives.ReadInt16BigEndian(bytes), plain, point);
            case ModbusDataType.UInt16: return Integer(BinaryPrimitives.ReadUInt16BigEndian(bytes), plain, point);
            case ModbusDataType.Int32: return Integer(BinaryPrimitives.ReadInt32BigEndian(bytes), plain, point);
            case ModbusDataType.UInt32: return Integer(BinaryPrimitives.ReadUInt32BigEndian(bytes), plain, point);
            case ModbusDataType.Int64: return Integer(BinaryPrimitives.ReadInt64BigEndian(bytes), plain, point);
            case ModbusDataType.Float32: return Real(BinaryPrimitives.ReadSingleBigEndian(bytes), point);
            case ModbusDataType.Float64: return Real(BinaryPrimitives.ReadDoubleBigEndian(bytes), point);
            default: throw new ArgumentOutOfRangeException(nameof(point), point.Type, "Unknown data type.");
        }
    }

    /// <summary>Decodes a point read from a bit table (coil, discrete input).</summary>
    public static SampleValue DecodeBit(bool bit) => bit;

    /// <summary>
    /// Writes the registers in big-endian byte order (A first) into <paramref name="bytes"/>: the inverse of the
    /// arrangement named by <paramref name="order"/>.
    /// </summary>
    public static void Arrange(ReadOnlySpan<ushort> registers, WordOrder order, Span<byte> bytes)
    {
        int words = registers.Length;
        bool reverseWords = order is WordOrder.CDAB or WordOrder.DCBA;
        bool swapBytes = order is WordOrder.BADC or WordOrder.DCBA;
        if (words == 1) reverseWords = false;
        for (int i = 0; i < words; i++)
        {
            ushort r = registers[reverseWords ? words - 1 - i : i];
            if (swapBytes) r = BinaryPrimitives.ReverseEndianness(r);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[(2 * i)..], r);
        }
    }

    /// <summary>The registers a value of <paramref name="type"/> takes in <paramref name="order"/> (the encoder, for writes and tests).</summary>
    public static void Encode(double value, ModbusDataType type, WordOrder order, Span<ushort> registers)
    {
        Span<byte> bytes = stackalloc byte[8];
        int words;
        switch (type)
        {
            case ModbusDataType.Int16: BinaryPrimitives.WriteInt16BigEndian(bytes, checked((short)value)); words = 1; break;
            case ModbusDataType.UInt16: BinaryPrimitives.WriteUInt16BigEndian(bytes, checked((ushort)value)); words = 1; break;
            case ModbusDataType.Bool: BinaryPrimitives.WriteUInt16BigEndian(bytes, value != 0 ? (ushort)1 : (ushort)0); words = 1; break;
            case ModbusDataType.Int32: BinaryPrimitives.WriteInt32BigEndian(bytes, checked((int)value)); words = 2; break;
            case ModbusDataType.UInt32: BinaryPrimitives.WriteUInt32BigEndian(bytes, checked((uint)value)); words = 2; break;
            case ModbusDataType.Int64: BinaryPrimitives.WriteInt64BigEndian(bytes, checked((long)value)); words = 4; break;
            case ModbusDataType.Float32: BinaryPrimitives.WriteSingleBigEndian(bytes, (float)value); words = 2; break;
            case ModbusDataType.Float64: BinaryPrimitives.WriteDoubleBigEndian(bytes, value); words = 4; break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "Strings are not encoded from numbers.");
        }
        if (registers.Length < words) throw new ArgumentException($"{type} needs {words} registers.", nameof(registers));
        bool reverseWords = words > 1 && order is WordOrder.CDAB or WordOrder.DCBA;
        bool swapBytes = order is WordOrder.BADC or WordOrder.DCBA;
        for (int i = 0; i < words; i++)
        {
            ushort r = BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]);
            if (swapBytes) r = BinaryPrimitives.ReverseEndianness(r);
            registers[reverseWords ? words - 1 - i : i] = r;
        }
    }

    private static SampleValue Integer(long raw, bool plain, ModbusPointOptions point) =>
        plain ? SampleValue.FromInt64(raw) : SampleValue.FromDouble(raw * point.Scale + point.Offset);

    private static SampleValue Real(double raw, ModbusPointOptions point) =>
        SampleValue.FromDouble(point.Scale == 1.0 && point.Offset == 0.0 ? raw : raw * point.Scale + point.Offset);

    private static string DecodeString(ReadOnlySpan<ushort> registers, WordOrder order)
    {
        Span<byte> bytes = stackalloc byte[250];
        bool swap = order is WordOrder.BADC or WordOrder.DCBA;
        int n = 0;
        foreach (var r in registers)
        {
            bytes[n++] = (byte)(swap ? r : r >> 8);
            bytes[n++] = (byte)(swap ? r >> 8 : r);
        }
        int end = bytes[..n].IndexOf((byte)0);
        if (end < 0) end = n;
        return Encoding.ASCII.GetString(bytes[..end]).TrimEnd(' ');
    }
}
