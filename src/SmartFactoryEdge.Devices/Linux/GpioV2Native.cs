using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SmartFactoryEdge.Devices.Linux;

// Mirrors of include/uapi/linux/gpio.h (GPIO character device ABI v2). Layouts are checked against the
// installed kernel headers by LinuxAbiTests (sizes, offsets and ioctl numbers).

/// <summary>struct gpiochip_info.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioChipInfo
{
    public fixed byte Name[GpioV2.MaxNameSize];
    public fixed byte Label[GpioV2.MaxNameSize];
    public uint Lines;
}

/// <summary>struct gpio_v2_line_values: bit i is line i of the request, for the lines set in Mask.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineValues
{
    public ulong Bits;
    public ulong Mask;
}

/// <summary>struct gpio_v2_line_attribute: Id says which member of the union holds.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct GpioV2LineAttribute
{
    [FieldOffset(0)] public uint Id;
    [FieldOffset(4)] public uint Padding;
    [FieldOffset(8)] public ulong Flags;
    [FieldOffset(8)] public ulong Values;
    [FieldOffset(8)] public uint DebouncePeriodMicroseconds;
}

/// <summary>struct gpio_v2_line_config_attribute.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineConfigAttribute
{
    public GpioV2LineAttribute Attribute;
    public ulong Mask;
}

/// <summary>GPIO_V2_LINE_NUM_ATTRS_MAX config attributes, inline.</summary>
[InlineArray(GpioV2.LineNumAttributesMax)]
public struct GpioV2LineConfigAttributes
{
    private GpioV2LineConfigAttribute _element;
}

/// <summary>GPIO_V2_LINE_NUM_ATTRS_MAX attributes, inline.</summary>
[InlineArray(GpioV2.LineNumAttributesMax)]
public struct GpioV2LineAttributes
{
    private GpioV2LineAttribute _element;
}

/// <summary>struct gpio_v2_line_config.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineConfig
{
    public ulong Flags;
    public uint NumAttributes;
    public fixed uint Padding[5];
    public GpioV2LineConfigAttributes Attributes;
}

/// <summary>struct gpio_v2_line_request: the argument of GPIO_V2_GET_LINE_IOCTL; the kernel fills <see cref="Fd"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineRequest
{
    public fixed uint Offsets[GpioV2.LinesMax];
    public fixed byte Consumer[GpioV2.MaxNameSize];
    public GpioV2LineConfig Config;
    public uint NumLines;
    public uint EventBufferSize;
    public fixed uint Padding[5];
    public int Fd;
}

/// <summary>struct gpio_v2_line_info.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineInfo
{
    public fixed byte Name[GpioV2.MaxNameSize];
    public fixed byte Consumer[GpioV2.MaxNameSize];
    public uint Offset;
    public uint NumAttributes;
    public ulong Flags;
    public GpioV2LineAttributes Attributes;
    public fixed uint Padding[4];
}

/// <summary>struct gpio_v2_line_event: what a read() on a line request's fd returns.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineEvent
{
    public ulong TimestampNanoseconds;
    public uint Id;
    public uint Offset;
    public uint SequenceNumber;
    public uint LineSequenceNumber;
    public fixed uint Padding[6];
}

/// <summary>Constants and ioctl numbers of the GPIO v2 uAPI.</summary>
public static class GpioV2
{
    public const int MaxNameSize = 32;
    public const int LinesMax = 64;
    public const int LineNumAttributesMax = 10;

    public const ulong FlagUsed = 1UL << 0;
    public const ulong FlagActiveLow = 1UL << 1;
    public const ulong FlagInput = 1UL << 2;
    public const ulong FlagOutput = 1UL << 3;
    public const ulong FlagEdgeRising = 1UL << 4;
    public const ulong FlagEdgeFalling = 1UL << 5;
    public const ulong FlagOpenDrain = 1UL << 6;
    public const ulong FlagOpenSource = 1UL << 7;
    public const ulong FlagBiasPullUp = 1UL << 8;
    public const ulong FlagBiasPullDown = 1UL << 9;
    public const ulong FlagBiasDisabled = 1UL << 10;
    public const ulong FlagEventClockRealtime = 1UL << 11;

    public const uint AttributeIdFlags = 1;
    public const uint AttributeIdOutputValues = 2;
    public const uint AttributeIdDebounce = 3;

    public const uint EventRisingEdge = 1;
    public const uint EventFallingEdge = 2;

    private const uint Type = 0xB4;

    public static readonly uint GetChipInfoIoctl = Ioctl.Ior(Type, 0x01, (uint)Unsafe.SizeOf<GpioChipInfo>());
    public static readonly uint GetLineInfoIoctl = Ioctl.Iowr(Type, 0x05, (uint)Unsafe.SizeOf<GpioV2LineInfo>());
    public static readonly uint GetLineIoctl = Ioctl.Iowr(Type, 0x07, (uint)Unsafe.SizeOf<GpioV2LineRequest>());
    public static readonly uint LineSetConfigIoctl = Ioctl.Iowr(Type, 0x0D, (uint)Unsafe.SizeOf<GpioV2LineConfig>());
    public static readonly uint LineGetValuesIoctl = Ioctl.Iowr(Type, 0x0E, (uint)Unsafe.SizeOf<GpioV2LineValues>());
    public static readonly uint LineSetValuesIoctl = Ioctl.Iowr(Type, 0x0F, (uint)Unsafe.SizeOf<GpioV2LineValues>());
}
