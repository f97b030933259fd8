namespace SmartFactoryEdge.Devices.Ads1115;

/// <summary>ADS1115 register pointer values (datasheet SBAS444, 9.6).</summary>
public enum Ads1115Register : byte
{
    Conversion = 0x00,
    Config = 0x01,
    LowThreshold = 0x02,
    HighThreshold = 0x03,
}

/// <summary>Input multiplexer MUX[2:0] (config bits 14:12).</summary>
public enum Ads1115Input : byte
{
    Ain0Ain1 = 0b000,
    Ain0Ain3 = 0b001,
    Ain1Ain3 = 0b010,
    Ain2Ain3 = 0b011,
    Ain0 = 0b100,
    Ain1 = 0b101,
    Ain2 = 0b110,
    Ain3 = 0b111,
}

/// <summary>Programmable gain PGA[2:0] (config bits 11:9), named by full-scale range.</summary>
public enum Ads1115Range : byte
{
    PlusMinus6144mV = 0b000,
    PlusMinus4096mV = 0b001,
    PlusMinus2048mV = 0b010,
    PlusMinus1024mV = 0b011,
    PlusMinus512mV = 0b100,
    PlusMinus256mV = 0b101,
}
