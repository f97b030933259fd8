using SmartFactoryEdge.Devices.Bme280;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// A BME280 at the register level: chip id 0x60, the calibration block, and a forced-mode measurement that latches
/// the raw ADC values into 0xF7..0xFE when ctrl_meas is written with mode 01.
/// </summary>
public sealed class Bme280Simulator : SimulatedI2cDevice
{
    /// <summary>The BMP280 datasheet's worked example (section 3.11.3): gives 25.08 °C and 100653.27 Pa.</summary>
    public static readonly Bme280Calibration DatasheetExample = new()
    {
        T1 = 27504, T2 = 26435, T3 = -1000,
        P1 = 36477, P2 = -10685, P3 = 3024, P4 = 2855, P5 = 140, P6 = -7, P7 = 15500, P8 = -14600, P9 = 6000,
        // Humidity trimming values of a real part (the datasheet gives no humidity example).
        H1 = 75, H2 = 362, H3 = 0, H4 = 313, H5 = 50, H6 = 30,
    };

    public Bme280Simulator(int address = 0x76, int busId = 1, Bme280Calibration? calibration = null) : base(address, busId)
    {
        SetRegister((byte)Bme280Register.ChipId, 0x60);
        SetCalibration(calibration ?? DatasheetExample);
        SetRawAdc(519888, 415148, 30000);
    }

    public int AdcTemperature { get; private set; }
    public int AdcPressure { get; private set; }
    public int AdcHumidity { get; private set; }

    /// <summary>Forced measurements taken.</summary>
    public int Measurements { get; private set; }

    public void SetChipId(byte id) => SetRegister((byte)Bme280Register.ChipId, id);

    public void SetRawAdc(int temperature, int pressure, int humidity)
    {
        AdcTemperature = temperature;
        AdcPressure = pressure;
        AdcHumidity = humidity;
    }

    public void SetCalibration(Bme280Calibration c)
    {
        SetLittleEndian16(0x88, c.T1); SetLittleEndian16(0x8A, c.T2); SetLittleEndian16(0x8C, c.T3);
        SetLittleEndian16(0x8E, c.P1); SetLittleEndian16(0x90, c.P2); SetLittleEndian16(0x92, c.P3);
        SetLittleEndian16(0x94, c.P4); SetLittleEndian16(0x96, c.P5); SetLittleEndian16(0x98, c.P6);
        SetLittleEndian16(0x9A, c.P7); SetLittleEndian16(0x9C, c.P8); SetLittleEndian16(0x9E, c.P9);
        SetRegister(0xA1, c.H1);
        SetLittleEndian16(0xE1, c.H2);
        SetRegister(0xE3, c.H3);
        SetRegister(0xE4, (byte)(c.H4 >> 4));
        SetRegister(0xE5, (byte)((c.H4 & 0x0F) | (c.H5 & 0x0F) << 4));
        SetRegister(0xE6, (byte)(c.H5 >> 4));
        SetRegister(0xE7, (byte)c.H6);
    }

    protected override void OnWrite(byte register, byte value)
    {
        base.OnWrite(register, value);
        if (register == (byte)Bme280Register.CtrlMeas && (value & 0x03) is 0x01 or 0x02)
        {
            Measurements++;
            Registers[0xF7] = (byte)(AdcPressure >> 12);
            Registers[0xF8] = (byte)(AdcPressure >> 4);
            Registers[0xF9] = (byte)(AdcPressure << 4);
            Registers[0xFA] = (byte)(AdcTemperature >> 12);
            Registers[0xFB] = (byte)(AdcTemperature >> 4);
            Registers[0xFC] = (byte)(AdcTemperature << 4);
            Registers[0xFD] = (byte)(AdcHumidity >> 8);
            Registers[0xFE] = (byte)AdcHumidity;
            Registers[(byte)Bme280Register.CtrlMeas] = (byte)(value & 0xFC); // back to sleep mode
            Registers[(byte)Bme280Register.Status] = 0; // measurement done at once
        }
    }
}
