using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SmartFactoryEdge.Devices.Linux;

// Mirror of include/uapi/linux/spi/spidev.h.

/// <summary>struct spi_ioc_transfer: buffers are user-space addresses carried in 64-bit fields on every ABI.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SpiIocTransfer
{
    public ulong TxBuffer;
    public ulong RxBuffer;
    public uint Length;
    public uint SpeedHz;
    public ushort DelayMicroseconds;
    public byte BitsPerWord;
    public byte CsChange;
    public byte TxNbits;
    public byte RxNbits;
    public byte WordDelayMicroseconds;
    public byte Pad;
}

/// <summary>spidev ioctl numbers (type 'k').</summary>
public static class SpiDev
{
    private const uint Type = (byte)'k';

    public const uint ModeCpha = 0x01;
    public const uint ModeCpol = 0x02;

    public static readonly uint ReadMode = Ioctl.Ior(Type, 1, 1);
    public static readonly uint WriteMode = Ioctl.Iow(Type, 1, 1);
    public static readonly uint ReadLsbFirst = Ioctl.Ior(Type, 2, 1);
    public static readonly uint WriteLsbFirst = Ioctl.Iow(Type, 2, 1);
    public static readonly uint ReadBitsPerWord = Ioctl.Ior(Type, 3, 1);
    public static readonly uint WriteBitsPerWord = Ioctl.Iow(Type, 3, 1);
    public static readonly uint ReadMaxSpeedHz = Ioctl.Ior(Type, 4, 4);
    public static readonly uint WriteMaxSpeedHz = Ioctl.Iow(Type, 4, 4);
    public static readonly uint ReadMode32 = Ioctl.Ior(Type, 5, 4);
    public static readonly uint WriteMode32 = Ioctl.Iow(Type, 5, 4);

    /// <summary>SPI_MSGSIZE(n): 0 when the array would not fit in the 14-bit size field.</summary>
    public static uint MessageSize(int count)
    {
        var size = (ulong)count * (ulong)Unsafe.SizeOf<SpiIocTransfer>();
        return size < 1u << 14 ? (uint)size : 0;
    }

    /// <summary>SPI_IOC_MESSAGE(n).</summary>
    public static uint Message(int count) => Ioctl.Iow(Type, 0, MessageSize(count));
}
