using SmartFactoryEdge.Devices.Ads1115;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// An ADS1115: four 16-bit big-endian registers behind a pointer byte (0-3); writing the config register with OS=1
/// converts the selected input's voltage at the selected gain (clipping at full scale). OS reads 1 when idle.
/// </summary>
public sealed class Ads1115Simulator(int address = 0x48, int busId = 1) : SimulatedI2cDevice(address, busId)
{
    private readonly double[] _inputs = new double[4];
    private readonly ushort[] _registers = [0x0000, 0x8583, 0x8000, 0x7FFF];
    private int _pointer;

    /// <summary>Sets the voltage at AINx against GND.</summary>
    public void SetInputVolts(int channel, double volts) => _inputs[channel] = volts;

    public int Conversions { get; private set; }

    /// <summary>Overwrites a 16-bit register (e.g. to break the identity check).</summary>
    public void SetRegister16(int register, ushort value) => _registers[register] = value;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        BeginTransfer();
        if (buffer.Length == 0) return;
        _pointer = buffer[0] & 0x03;
        if (buffer.Length >= 3) Commit((ushort)(buffer[1] << 8 | buffer[2]));
    }

    public override void Read(Span<byte> buffer)
    {
        BeginTransfer();
        var value = _registers[_pointer];
        for (var i = 0; i < buffer.Length; i++) buffer[i] = (byte)(i % 2 == 0 ? value >> 8 : value);
    }

    private void Commit(ushort value)
    {
        if (_pointer != 1)
        {
            if (_pointer != 0) _registers[_pointer] = value;
            return;
        }
        if ((value & 0x8000) != 0)
        {
            var mux = (value >> 12) & 0x07;
            var range = (Ads1115Range)((value >> 9) & 0x07);
            var volts = mux >= 4 ? _inputs[mux - 4] : 0.0;
            var code = (int)Math.Round(volts / Ads1115.FullScaleVolts(range) * 32768.0);
            _registers[0] = (ushort)(short)Math.Clamp(code, short.MinValue, short.MaxValue);
            Conversions++;
        }
        _registers[1] = (ushort)(value | 0x8000);
    }
}
