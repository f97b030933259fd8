namespace SmartFactoryEdge.Devices.Common;

/// <summary>The two CRC-8 flavours our sensors use.</summary>
public static class Crc8
{
    /// <summary>Sensirion (SHT3x, SHT4x): polynomial 0x31 (x^8+x^5+x^4+1), initial 0xFF, no reflection. CRC(0xBE 0xEF) = 0x92.</summary>
    public static byte Sensirion(ReadOnlySpan<byte> data)
    {
        byte crc = 0xFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x31) : (byte)(crc << 1);
        }
        return crc;
    }

    /// <summary>Maxim/Dallas 1-Wire (DS18B20 ROM and scratchpad): polynomial 0x31 reflected (0x8C), initial 0.</summary>
    public static byte Maxim(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 0x01) != 0 ? (byte)((crc >> 1) ^ 0x8C) : (byte)(crc >> 1);
        }
        return crc;
    }
}
