using System.Buffers.Binary;
using SmartFactoryEdge.Devices.Common;

namespace SmartFactoryEdge.Devices.Sht;

/// <summary>A Sensirion temperature and humidity reading.</summary>
public readonly record struct ShtReading(double DegreesCelsius, double RelativeHumidityPercent);

/// <summary>Sensirion word framing: each 16-bit word is followed by its CRC-8 (polynomial 0x31, init 0xFF).</summary>
public static class SensirionWords
{
    /// <summary>Reads word <paramref name="index"/> of a response, checking its CRC.</summary>
    /// <exception cref="DeviceCrcException">The CRC byte does not match.</exception>
    public static ushort Read(ReadOnlySpan<byte> response, int index, string where)
    {
        var word = response.Slice(index * 3, 2);
        var crc = Crc8.Sensirion(word);
        if (crc != response[index * 3 + 2])
            throw new DeviceCrcException($"{where}: CRC error in word {index} (0x{word[0]:X2}{word[1]:X2}): received 0x{response[index * 3 + 2]:X2}, computed 0x{crc:X2}.");
        return BinaryPrimitives.ReadUInt16BigEndian(word);
    }
}
