namespace SmartFactoryEdge.Modbus.Framing;

/// <summary>
/// The CRC-16 of Modbus RTU (Modbus over serial line 1.02, section 2.5.1.2 and appendix B): polynomial 0xA001
/// (reflected 0x8005), initial value 0xFFFF, appended low byte first. Table-driven, one lookup per byte.
/// </summary>
public static class Crc16
{
    private static readonly ushort[] Table = BuildTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Update(0xFFFF, data);

    /// <summary>Continues a CRC over more bytes (start with 0xFFFF).</summary>
    public static ushort Update(ushort crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data)
            crc = (ushort)((crc >> 8) ^ table[(byte)(crc ^ b)]);
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            ushort c = (ushort)i;
            for (int bit = 0; bit < 8; bit++)
                c = (c & 1) != 0 ? (ushort)((c >> 1) ^ 0xA001) : (ushort)(c >> 1);
            table[i] = c;
        }
        return table;
    }
}
