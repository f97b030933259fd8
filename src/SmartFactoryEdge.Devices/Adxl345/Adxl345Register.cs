namespace SmartFactoryEdge.Devices.Adxl345;

/// <summary>ADXL345 registers (datasheet Rev. G, table 19).</summary>
public enum Adxl345Register : byte
{
    DeviceId = 0x00,
    BandwidthRate = 0x2C,
    PowerControl = 0x2D,
    DataFormat = 0x31,
    DataX0 = 0x32,
    FifoControl = 0x38,
    FifoStatus = 0x39,
}

/// <summary>Measurement range (DATA_FORMAT bits 1:0).</summary>
public enum Adxl345Range : byte
{
    PlusMinus2G = 0,
    PlusMinus4G = 1,
    PlusMinus8G = 2,
    PlusMinus16G = 3,
}
