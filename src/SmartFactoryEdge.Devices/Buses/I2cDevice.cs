namespace SmartFactoryEdge.Devices.Buses;

/// <summary>
/// One I2C target (a bus and a 7-bit address). Reads and writes block; a missing ACK throws
/// <see cref="DeviceNotRespondingException"/>, any other bus error <see cref="Core.DeviceCommunicationException"/>.
/// </summary>
public abstract class I2cDevice : IDisposable
{
    /// <summary>A name for errors and logs, e.g. "/dev/i2c-1".</summary>
    public abstract string BusName { get; }

    /// <summary>The 7-bit target address.</summary>
    public abstract int Address { get; }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes (START, address+R, data, STOP).</summary>
    public abstract void Read(Span<byte> buffer);

    /// <summary>Writes the bytes (START, address+W, data, STOP).</summary>
    public abstract void Write(ReadOnlySpan<byte> buffer);

    /// <summary>Writes then reads with a repeated START between them (the usual register read).</summary>
    public abstract void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer);

    /// <summary>Reads consecutive registers starting at <paramref name="register"/>.</summary>
    public void ReadRegisters(byte register, Span<byte> buffer) => WriteRead([register], buffer);

    /// <summary>Reads one 8-bit register.</summary>
    public byte ReadRegister(byte register)
    {
        Span<byte> value = stackalloc byte[1];
        WriteRead([register], value);
        return value[0];
    }

    /// <summary>Writes one 8-bit register.</summary>
    public void WriteRegister(byte register, byte value) => Write([register, value]);

    /// <summary>"/dev/i2c-1@0x76", for messages.</summary>
    public override string ToString() => $"{BusName}@0x{Address:X2}";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
