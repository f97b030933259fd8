namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// An ADXL345: DEVID 0xE5, a 32-entry FIFO whose head is read through DATAX0..DATAZ1 (reading DATAZ1 pops it, as a
/// multi-byte read from 0x32 does on the chip), FIFO_STATUS holding the entry count. Samples are queued in g.
/// </summary>
public sealed class Adxl345Simulator : SimulatedI2cDevice
{
    private readonly Queue<(short X, short Y, short Z)> _fifo = new();

    public Adxl345Simulator(int address = 0x53, int busId = 1) : base(address, busId)
    {
        SetRegister(0x00, 0xE5);
    }

    /// <summary>Queues samples in g (full resolution, 3.9 mg/LSB); the FIFO keeps the newest 32 like stream mode.</summary>
    public void Enqueue(double xG, double yG, double zG)
    {
        static short Raw(double g) => (short)Math.Clamp(Math.Round(g / 0.0039), short.MinValue, short.MaxValue);
        _fifo.Enqueue((Raw(xG), Raw(yG), Raw(zG)));
        while (_fifo.Count > 32) _fifo.Dequeue();
    }

    public int FifoCount => _fifo.Count;

    protected override byte OnRead(byte register)
    {
        if (register == 0x39) return (byte)Math.Min(_fifo.Count, 32);
        if (register is >= 0x32 and <= 0x37)
        {
            var head = _fifo.Count > 0 ? _fifo.Peek() : default;
            var value = register switch
            {
                0x32 => (byte)head.X, 0x33 => (byte)(head.X >> 8),
                0x34 => (byte)head.Y, 0x35 => (byte)(head.Y >> 8),
                0x36 => (byte)head.Z, _ => (byte)(head.Z >> 8),
            };
            if (register == 0x37 && _fifo.Count > 0) _fifo.Dequeue();
            return value;
        }
        return base.OnRead(register);
    }
}
