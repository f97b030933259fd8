using System.Globalization;
using System.Runtime.InteropServices;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.Devices.Linux;

/// <summary>An SPI target through spidev (/dev/spidevB.C) with SPI_IOC_MESSAGE transfers.</summary>
public sealed unsafe class LinuxSpiDevice : SpiDevice
{
    private readonly FileDescriptor _fd;
    private readonly SpiConnectionSettings _settings;

    /// <exception cref="DeviceNotRespondingException">The spidev node does not exist (SPI not enabled in the device tree).</exception>
    public LinuxSpiDevice(SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Mode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.Mode, 3);
        _settings = settings;
        Name = string.Create(CultureInfo.InvariantCulture, $"/dev/spidev{settings.BusId}.{settings.ChipSelect}");
        _fd = FileDescriptor.Open(Name, Libc.O_RDWR);
        try
        {
            byte mode = (byte)settings.Mode;
            byte bits = (byte)settings.BitsPerWord;
            uint speed = (uint)settings.ClockFrequencyHz;
            Check(Libc.IoctlPointer(_fd.Value, SpiDev.WriteMode, &mode), "SPI_IOC_WR_MODE");
            Check(Libc.IoctlPointer(_fd.Value, SpiDev.WriteBitsPerWord, &bits), "SPI_IOC_WR_BITS_PER_WORD");
            Check(Libc.IoctlPointer(_fd.Value, SpiDev.WriteMaxSpeedHz, &speed), "SPI_IOC_WR_MAX_SPEED_HZ");
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    public override string Name { get; }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (writeBuffer.Length != readBuffer.Length)
            throw new ArgumentException($"Full duplex needs equal lengths ({writeBuffer.Length} written, {readBuffer.Length} read).", nameof(readBuffer));
        fixed (byte* w = writeBuffer)
        fixed (byte* r = readBuffer)
        {
            var transfer = new SpiIocTransfer
            {
                TxBuffer = (ulong)w,
                RxBuffer = (ulong)r,
                Length = (uint)writeBuffer.Length,
                SpeedHz = (uint)_settings.ClockFrequencyHz,
                BitsPerWord = (byte)_settings.BitsPerWord,
            };
            Check(Libc.IoctlPointer(_fd.Value, SpiDev.Message(1), &transfer), "SPI_IOC_MESSAGE(1)");
        }
    }

    private void Check(int result, string operation)
    {
        if (result < 0)
            throw new DeviceCommunicationException($"{operation} on {Name} failed: {Libc.Describe(Marshal.GetLastPInvokeError())}.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }
}
