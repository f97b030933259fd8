using System.Buffers.Binary;

namespace SmartFactoryEdge.Devices.Bme280;

/// <summary>The trimming parameters dig_T1..dig_H6 (datasheet table 16).</summary>
public sealed record Bme280Calibration
{
    public ushort T1 { get; init; }
    public short T2 { get; init; }
    public short T3 { get; init; }
    public ushort P1 { get; init; }
    public short P2 { get; init; }
    public short P3 { get; init; }
    public short P4 { get; init; }
    public short P5 { get; init; }
    public short P6 { get; init; }
    public short P7 { get; init; }
    public short P8 { get; init; }
    public short P9 { get; init; }
    public byte H1 { get; init; }
    public short H2 { get; init; }
    public byte H3 { get; init; }
    public short H4 { get; init; }
    public short H5 { get; init; }
    public sbyte H6 { get; init; }

    /// <summary>Decodes registers 0x88..0x9F (24 bytes), 0xA1 (1 byte) and 0xE1..0xE7 (7 bytes).</summary>
    public static Bme280Calibration Parse(ReadOnlySpan<byte> tp, byte h1, ReadOnlySpan<byte> h)
    {
        if (tp.Length < 24) throw new ArgumentException("Need 24 bytes from 0x88.", nameof(tp));
        if (h.Length < 7) throw new ArgumentException("Need 7 bytes from 0xE1.", nameof(h));
        return new Bme280Calibration
        {
            T1 = BinaryPrimitives.ReadUInt16LittleEndian(tp),
            T2 = BinaryPrimitives.ReadInt16LittleEndian(tp[2..]),
            T3 = BinaryPrimitives.ReadInt16LittleEndian(tp[4..]),
            P1 = BinaryPrimitives.ReadUInt16LittleEndian(tp[6..]),
            P2 = BinaryPrimitives.ReadInt16LittleEndian(tp[8..]),
            P3 = BinaryPrimitives.ReadInt16LittleEndian(tp[10..]),
            P4 = BinaryPrimitives.ReadInt16LittleEndian(tp[12..]),
            P5 = BinaryPrimitives.ReadInt16LittleEndian(tp[14..]),
            P6 = BinaryPrimitives.ReadInt16LittleEndian(tp[16..]),
            P7 = BinaryPrimitives.ReadInt16LittleEndian(tp[18..]),
            P8 = BinaryPrimitives.ReadInt16LittleEndian(tp[20..]),
            P9 = BinaryPrimitives.ReadInt16LittleEndian(tp[22..]),
            H1 = h1,
            H2 = BinaryPrimitives.ReadInt16LittleEndian(h),
            H3 = h[2],
            // dig_H4 = 0xE4[11:4] | 0xE5[3:0]; dig_H5 = 0xE6[11:4] | 0xE5[7:4] (signed 12-bit values).
            H4 = (short)(((sbyte)h[3] << 4) | (h[4] & 0x0F)),
            H5 = (short)(((sbyte)h[5] << 4) | (h[4] >> 4)),
            H6 = (sbyte)h[6],
        };
    }
}
