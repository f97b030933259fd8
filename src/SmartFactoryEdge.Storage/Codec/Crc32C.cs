using System.Buffers.Binary;
using System.Numerics;

namespace SmartFactoryEdge.Storage.Codec;

/// <summary>CRC-32C (Castagnoli) with the hardware instruction where the CPU has one (SSE4.2, ARMv8 CRC32).</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFF_FFFF;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
