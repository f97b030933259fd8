using System.Text;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.Max31865;

/// <summary>MAX31865 registers (read address; add 0x80 to write).</summary>
public enum Max31865Register : byte
{
    Configuration = 0x00,
    RtdMsb = 0x01,
    RtdLsb = 0x02,
    HighFaultMsb = 0x03,
    HighFaultLsb = 0x04,
    LowFaultMsb = 0x05,
    LowFaultLsb = 0x06,
    FaultStatus = 0x07,
}

/// <summary>Fault status register bits (datasheet table 7).</summary>
[Flags]
public enum Max31865Fault : byte
{
    None = 0,
    OverOrUnderVoltage = 0x04,
    RtdInMinusBelow85PercentOfBias = 0x08,
    RefInMinusBelow85PercentOfBias = 0x10,
    RefInMinusAbove85PercentOfBias = 0x20,
    RtdLowThreshold = 0x40,
    RtdHighThreshold = 0x80,
}

/// <summary>RTD element.</summary>
public enum RtdType
{
    Pt100,
    Pt1000,
}

/// <summary>
/// Maxim MAX31865 RTD-to-digital converter over SPI (mode 1 or 3), in automatic conversion mode. The RTD code is
/// R = code × Rref / 32768; temperature follows IEC 60751 (Callendar-Van Dusen). When the fault bit is set the
/// fault register is decoded into a <see cref="SensorFaultException"/> and cleared.
/// </summary>
public sealed class Max31865 : IPolledSensor
{
    private static readonly SensorQuantity[] QuantityList = [new("temperature", "°C"), new("resistance", "Ω")];
    private readonly SpiDevice _device;
    private readonly bool _shouldDispose;
    private readonly byte _configuration;

    /// <param name="referenceOhms">The board's reference resistor: 430 Ω for PT100, 4300 Ω for PT1000 (Adafruit boards).</param>
    /// <param name="wires">2, 3 or 4.</param>
    /// <exception cref="ChipIdentityException">The configuration register does not read back what was written.</exception>
    public Max31865(SpiDevice device, RtdType rtd = RtdType.Pt100, double? referenceOhms = null, int wires = 3, bool filter50Hz = true, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (wires is not (2 or 3 or 4)) throw new ArgumentOutOfRangeException(nameof(wires), wires, "An RTD has 2, 3 or 4 wires.");
        _device = device;
        _shouldDispose = shouldDispose;
        NominalOhms = rtd == RtdType.Pt100 ? 100.0 : 1000.0;
        ReferenceOhms = referenceOhms ?? (rtd == RtdType.Pt100 ? 430.0 : 4300.0);
        // VBIAS on, automatic conversion, 3-wire bit, 50/60 Hz filter (fault detection cycle and clear off).
        _configuration = (byte)(0x80 | 0x40 | (wires == 3 ? 0x10 : 0) | (filter50Hz ? 0x01 : 0));
        WriteRegister(Max31865Register.Configuration, (byte)(_configuration | 0x02)); // also clear faults
        var readBack = ReadRegisters(Max31865Register.Configuration, 1)[0];
        if ((readBack & 0xFD) != _configuration)
            throw new ChipIdentityException($"{device}: configuration register reads 0x{readBack:X2} after writing 0x{_configuration:X2}; no MAX31865 on this chip select.");
    }

    public double NominalOhms { get; }

    public double ReferenceOhms { get; }

    public IReadOnlyList<SensorQuantity> Quantities => QuantityList;

    /// <summary>The RTD resistance in Ω.</summary>
    /// <exception cref="SensorFaultException">The RTD fault bit is set (open or shorted element, threshold).</exception>
    public double ReadResistanceOhms()
    {
        var rtd = ReadRegisters(Max31865Register.RtdMsb, 2);
        var code = (rtd[0] << 8 | rtd[1]);
        if ((code & 1) != 0)
        {
            var fault = (Max31865Fault)(ReadRegisters(Max31865Register.FaultStatus, 1)[0] & 0xFC);
            WriteRegister(Max31865Register.Configuration, (byte)(_configuration | 0x02));
            throw new SensorFaultException($"{_device}: RTD fault {Describe(fault)} (fault status 0x{(byte)fault:X2}).");
        }
        return (code >> 1) * ReferenceOhms / 32768.0;
    }

    /// <summary>The RTD temperature in °C (IEC 60751).</summary>
    public double ReadDegreesCelsius() => CallendarVanDusen.DegreesCelsius(ReadResistanceOhms(), NominalOhms);

    /// <summary>Names the fault bits in words (open element, short, threshold).</summary>
    public static string Describe(Max31865Fault fault)
    {
        if (fault == Max31865Fault.None) return "(fault bit set, status register empty)";
        var text = new StringBuilder();
        void Add(Max31865Fault bit, string words)
        {
            if (!fault.HasFlag(bit)) return;
            if (text.Length > 0) text.Append("; ");
            text.Append(words);
        }
        Add(Max31865Fault.RtdHighThreshold, "RTD above high threshold (open element?)");
        Add(Max31865Fault.RtdLowThreshold, "RTD below low threshold (shorted element?)");
        Add(Max31865Fault.RefInMinusAbove85PercentOfBias, "REFIN- > 0.85 x VBIAS");
        Add(Max31865Fault.RefInMinusBelow85PercentOfBias, "REFIN- < 0.85 x VBIAS (FORCE- open)");
        Add(Max31865Fault.RtdInMinusBelow85PercentOfBias, "RTDIN- < 0.85 x VBIAS (FORCE- open)");
        Add(Max31865Fault.OverOrUnderVoltage, "over- or undervoltage");
        return text.ToString();
    }

    void IPolledSensor.Read(Span<SensorReading> readings)
    {
        var ohms = ReadResistanceOhms();
        readings[0] = SensorReading.Good(CallendarVanDusen.DegreesCelsius(ohms, NominalOhms));
        readings[1] = SensorReading.Good(ohms);
    }

    private byte[] ReadRegisters(Max31865Register register, int count)
    {
        Span<byte> write = stackalloc byte[count + 1];
        Span<byte> read = stackalloc byte[count + 1];
        write.Clear();
        write[0] = (byte)register;
        _device.TransferFullDuplex(write, read);
        return read[1..].ToArray();
    }

    private void WriteRegister(Max31865Register register, byte value) => _device.Write([(byte)(0x80 | (byte)register), value]);

    public void Dispose()
    {
        if (_shouldDispose) _device.Dispose();
    }
}
