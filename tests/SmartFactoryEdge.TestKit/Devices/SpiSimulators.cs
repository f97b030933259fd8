using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Max31865;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// A MAX31865: the first byte of a transfer is the register address (bit 7 = write), then data bytes with
/// auto-increment. The RTD register follows <see cref="SetResistance"/>; <see cref="InjectFault"/> sets the RTD fault
/// bit and the fault status register until the fault-clear bit is written.
/// </summary>
public sealed class Max31865Simulator(double referenceOhms = 430.0) : SpiDevice
{
    private readonly byte[] _registers = [0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00];
    private byte _fault;

    public override string Name => "sim-spidev0.0 (MAX31865)";

    public bool Present { get; set; } = true;

    /// <summary>Sets the RTD resistance (Ω), as the ADC would convert it.</summary>
    public void SetResistance(double ohms) => SetCode((int)Math.Round(ohms / referenceOhms * 32768.0));

    /// <summary>Sets the 15-bit RTD code directly.</summary>
    public void SetCode(int code)
    {
        code = Math.Clamp(code, 0, 0x7FFF);
        _registers[1] = (byte)(code >> 7);
        _registers[2] = (byte)((code << 1) | (_fault != 0 ? 1 : 0));
    }

    public void SetTemperature(double degreesCelsius, double r0 = 100.0) => SetResistance(CallendarVanDusen.Resistance(degreesCelsius, r0));

    public void InjectFault(Max31865Fault fault)
    {
        _fault = (byte)fault;
        _registers[7] = _fault;
        _registers[2] |= 1;
    }

    public byte Configuration => _registers[0];

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (!Present)
        {
            readBuffer.Fill(0xFF); // MISO floats high: nothing drives it
            return;
        }
        readBuffer.Clear();
        if (writeBuffer.Length == 0) return;
        var write = (writeBuffer[0] & 0x80) != 0;
        var address = writeBuffer[0] & 0x7F;
        for (var i = 1; i < writeBuffer.Length; i++, address++)
        {
            if (address > 7) break;
            if (write)
            {
                if (address == 0)
                {
                    if ((writeBuffer[i] & 0x02) != 0) ClearFault();
                    _registers[0] = (byte)(writeBuffer[i] & 0xFD); // fault-clear self-clears
                }
                else if (address is >= 3 and <= 6) _registers[address] = writeBuffer[i];
            }
            else
            {
                readBuffer[i] = _registers[address];
            }
        }
    }

    private void ClearFault()
    {
        _fault = 0;
        _registers[7] = 0;
        _registers[2] &= 0xFE;
    }
}

/// <summary>A MAX31855K: every transfer clocks out the 32-bit frame for the set temperatures and fault bits.</summary>
public sealed class Max31855Simulator : SpiDevice
{
    public override string Name => "sim-spidev0.1 (MAX31855)";

    public double ThermocoupleDegreesCelsius { get; set; } = 25.0;

    public double InternalDegreesCelsius { get; set; } = 24.0;

    /// <summary>D2..D0: 1 = open circuit, 2 = short to GND, 4 = short to VCC.</summary>
    public byte Fault { get; set; }

    public bool Present { get; set; } = true;

    /// <summary>The frame the chip would send (also used to check the datasheet's encoding table).</summary>
    public static uint Encode(double thermocouple, double internalTemperature, byte fault)
    {
        var tc = (int)Math.Round(thermocouple / 0.25) & 0x3FFF;
        var it = (int)Math.Round(internalTemperature / 0.0625) & 0x0FFF;
        var frame = (uint)(tc << 18 | it << 4 | (fault & 0x07));
        if (fault != 0) frame |= 0x0001_0000;
        return frame;
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (!Present)
        {
            readBuffer.Fill(0xFF);
            return;
        }
        var frame = Encode(ThermocoupleDegreesCelsius, InternalDegreesCelsius, Fault);
        for (var i = 0; i < readBuffer.Length; i++) readBuffer[i] = i < 4 ? (byte)(frame >> (24 - 8 * i)) : (byte)0;
    }
}

/// <summary>A SPI device that throws (a bus error) for fault tests.</summary>
public sealed class FailingSpiDevice : SpiDevice
{
    public override string Name => "sim-spidev-broken";

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) =>
        throw new DeviceCommunicationException($"{Name}: SPI_IOC_MESSAGE failed (simulated EIO).");
}
