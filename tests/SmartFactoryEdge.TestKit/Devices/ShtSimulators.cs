namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>An SHT3x: answers the status read (0xF32D) and single-shot measurements (0x2400 and the other repeatabilities).</summary>
public sealed class Sht3xSimulator(int address = 0x44, int busId = 1) : SimulatedCommandI2cDevice(address, busId)
{
    public ushort RawTemperature { get; set; } = 0x6666; // ≈ 25 °C
    public ushort RawHumidity { get; set; } = 0x8000; // ≈ 50 %RH

    /// <summary>Sets raw words from physical values (inverse of the datasheet conversion).</summary>
    public void Set(double degreesCelsius, double relativeHumidityPercent)
    {
        RawTemperature = (ushort)Math.Round((degreesCelsius + 45.0) / 175.0 * 65535.0);
        RawHumidity = (ushort)Math.Round(relativeHumidityPercent / 100.0 * 65535.0);
    }

    protected override byte[] OnCommand(ReadOnlySpan<byte> command)
    {
        if (command.Length != 2) return [];
        var code = command[0] << 8 | command[1];
        return code switch
        {
            0xF32D => Words(0x8010),
            0x2400 or 0x240B or 0x2416 or 0x2C06 or 0x2C0D or 0x2C10 => Words(RawTemperature, RawHumidity),
            _ => [],
        };
    }
}

/// <summary>An SHT4x: answers the serial number (0x89) and the precision measurements (0xFD, 0xF6, 0xE0).</summary>
public sealed class Sht4xSimulator(int address = 0x44, int busId = 1) : SimulatedCommandI2cDevice(address, busId)
{
    public uint SerialNumber { get; set; } = 0x1234ABCD;
    public ushort RawTemperature { get; set; } = 0x6666;
    public ushort RawHumidity { get; set; } = 0x8000;

    public void Set(double degreesCelsius, double relativeHumidityPercent)
    {
        RawTemperature = (ushort)Math.Round((degreesCelsius + 45.0) / 175.0 * 65535.0);
        RawHumidity = (ushort)Math.Round((relativeHumidityPercent + 6.0) / 125.0 * 65535.0);
    }

    protected override byte[] OnCommand(ReadOnlySpan<byte> command)
    {
        if (command.Length != 1) return [];
        return command[0] switch
        {
            0x89 => Words((ushort)(SerialNumber >> 16), (ushort)SerialNumber),
            0xFD or 0xF6 or 0xE0 => Words(RawTemperature, RawHumidity),
            _ => [],
        };
    }
}
