namespace SmartFactoryEdge.Devices.Buses;

/// <summary>One SPI target (a bus and a chip select). Transfers block and are full duplex.</summary>
public abstract class SpiDevice : IDisposable
{
    /// <summary>A name for errors and logs, e.g. "/dev/spidev0.0".</summary>
    public abstract string Name { get; }

    /// <summary>Clocks out <paramref name="writeBuffer"/> while clocking in as many bytes into <paramref name="readBuffer"/>.</summary>
    public abstract void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer);

    /// <summary>Clocks out the bytes and discards what comes back.</summary>
    public void Write(ReadOnlySpan<byte> buffer)
    {
        Span<byte> ignored = buffer.Length <= 64 ? stackalloc byte[buffer.Length] : new byte[buffer.Length];
        TransferFullDuplex(buffer, ignored);
    }

    /// <summary>Clocks out zeros and reads what comes back.</summary>
    public void Read(Span<byte> buffer)
    {
        Span<byte> zeros = buffer.Length <= 64 ? stackalloc byte[buffer.Length] : new byte[buffer.Length];
        zeros.Clear();
        TransferFullDuplex(zeros, buffer);
    }

    public override string ToString() => Name;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}

/// <summary>How to open a spidev device.</summary>
public sealed record SpiConnectionSettings(int BusId, int ChipSelect)
{
    /// <summary>SPI mode 0-3 (CPOL, CPHA).</summary>
    public int Mode { get; init; }

    public int ClockFrequencyHz { get; init; } = 1_000_000;

    public int BitsPerWord { get; init; } = 8;
}
