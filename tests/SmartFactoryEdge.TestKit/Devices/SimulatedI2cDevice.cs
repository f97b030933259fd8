using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.TestKit.Devices;

/// <summary>
/// A register-level I2C chip: a 256-byte register file and a register pointer that auto-increments. A write's first
/// byte sets the pointer, further bytes are stored; reads return registers from the pointer on. Faults:
/// <see cref="Present"/> = false NACKs every transfer (a device that disappears), <see cref="NackNextTransfers"/>
/// NACKs a few, <see cref="FailNextTransfers"/> raises a bus error (EIO). Dispose leaves the state alone, so a driver
/// can be re-created on the same simulated chip.
/// </summary>
public class SimulatedI2cDevice : I2cDevice
{
    private readonly object _gate = new();

    public SimulatedI2cDevice(int address, int busId = 1)
    {
        Address = address;
        BusName = "sim-i2c-" + busId;
    }

    public override string BusName { get; }

    public override int Address { get; }

    /// <summary>The register file.</summary>
    public byte[] Registers { get; } = new byte[256];

    public byte Pointer { get; set; }

    /// <summary>False: the chip does not ACK its address.</summary>
    public bool Present { get; set; } = true;

    public int NackNextTransfers { get; set; }

    public int FailNextTransfers { get; set; }

    /// <summary>Transfers seen (for tests that count bus traffic).</summary>
    public int TransferCount { get; private set; }

    public void SetRegister(byte register, byte value) => Registers[register] = value;

    public void SetLittleEndian16(byte register, int value)
    {
        Registers[register] = (byte)value;
        Registers[(byte)(register + 1)] = (byte)(value >> 8);
    }

    public void SetBigEndian16(byte register, int value)
    {
        Registers[register] = (byte)(value >> 8);
        Registers[(byte)(register + 1)] = (byte)value;
    }

    public override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            BeginTransfer();
            for (var i = 0; i < buffer.Length; i++)
            {
                buffer[i] = OnRead(Pointer);
                Pointer++;
            }
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_gate)
        {
            BeginTransfer();
            if (buffer.Length == 0) return;
            Pointer = buffer[0];
            for (var i = 1; i < buffer.Length; i++)
            {
                OnWrite(Pointer, buffer[i]);
                Pointer++;
            }
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <summary>Returns the register's value; chips override to model side effects (FIFO pops).</summary>
    protected virtual byte OnRead(byte register) => Registers[register];

    /// <summary>Stores the value; chips override to model commands (start a conversion).</summary>
    protected virtual void OnWrite(byte register, byte value) => Registers[register] = value;

    protected void BeginTransfer()
    {
        TransferCount++;
        if (!Present) throw new DeviceNotRespondingException($"{this}: no ACK (simulated device absent).");
        if (NackNextTransfers > 0)
        {
            NackNextTransfers--;
            throw new DeviceNotRespondingException($"{this}: no ACK (simulated NACK).");
        }
        if (FailNextTransfers > 0)
        {
            FailNextTransfers--;
            throw new DeviceCommunicationException($"{this}: simulated bus error (EIO).");
        }
    }
}

/// <summary>A command-based I2C chip (Sensirion style): writes are commands, reads return the prepared response.</summary>
public abstract class SimulatedCommandI2cDevice : I2cDevice
{
    private byte[] _response = [];

    protected SimulatedCommandI2cDevice(int address, int busId = 1)
    {
        Address = address;
        BusName = "sim-i2c-" + busId;
    }

    public override string BusName { get; }

    public override int Address { get; }

    public bool Present { get; set; } = true;

    /// <summary>Flip a CRC byte in the next N responses.</summary>
    public int CorruptNextCrcs { get; set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!Present) throw new DeviceNotRespondingException($"{this}: no ACK (simulated device absent).");
        _response = OnCommand(buffer);
    }

    public override void Read(Span<byte> buffer)
    {
        if (!Present) throw new DeviceNotRespondingException($"{this}: no ACK (simulated device absent).");
        if (_response.Length < buffer.Length) throw new DeviceNotRespondingException($"{this}: NACK on read (no data prepared).");
        _response.AsSpan(0, buffer.Length).CopyTo(buffer);
        if (CorruptNextCrcs > 0 && buffer.Length >= 3)
        {
            CorruptNextCrcs--;
            buffer[2] ^= 0x5A;
        }
        _response = [];
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected abstract byte[] OnCommand(ReadOnlySpan<byte> command);

    /// <summary>Encodes words with a Sensirion CRC after each.</summary>
    protected static byte[] Words(params ushort[] words)
    {
        var bytes = new byte[words.Length * 3];
        for (var i = 0; i < words.Length; i++)
        {
            bytes[i * 3] = (byte)(words[i] >> 8);
            bytes[i * 3 + 1] = (byte)words[i];
            bytes[i * 3 + 2] = SmartFactoryEdge.Devices.Common.Crc8.Sensirion(bytes.AsSpan(i * 3, 2));
        }
        return bytes;
    }
}
