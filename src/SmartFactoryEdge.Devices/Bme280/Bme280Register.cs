namespace SmartFactoryEdge.Devices.Bme280;

/// <summary>BME280 register addresses (datasheet BST-BME280-DS002, section 5.3).</summary>
public enum Bme280Register : byte
{
    CalibrationTP = 0x88,
    H1 = 0xA1,
    ChipId = 0xD0,
    Reset = 0xE0,
    CalibrationH = 0xE1,
    CtrlHum = 0xF2,
    Status = 0xF3,
    CtrlMeas = 0xF4,
    Config = 0xF5,
    PressMsb = 0xF7,
}
