using System.Runtime.InteropServices;
using System.Text;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.Devices.Linux;

/// <summary>A GPIO chip through the character device ABI v2 (/dev/gpiochipN).</summary>
public sealed unsafe class LinuxGpioChip : GpioChip
{
    private readonly FileDescriptor _fd;

    /// <exception cref="DeviceNotRespondingException">The chip device does not exist.</exception>
    public LinuxGpioChip(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _fd = FileDescriptor.Open(path, Libc.O_RDWR);
        GpioChipInfo info;
        if (Libc.IoctlPointer(_fd.Value, GpioV2.GetChipInfoIoctl, &info) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _fd.Dispose();
            throw new DeviceCommunicationException($"GPIO_GET_CHIPINFO_IOCTL on {path} failed: {Libc.Describe(errno)}.");
        }
        Name = CString(info.Name, GpioV2.MaxNameSize);
        Label = CString(info.Label, GpioV2.MaxNameSize);
        LineCount = (int)info.Lines;
    }

    public string Path { get; }

    public override string Name { get; }

    public override string Label { get; }

    public override int LineCount { get; }

    /// <summary>Finds the chip whose label matches (Pi 5: "pinctrl-rp1"; Pi 4: "pinctrl-bcm2711"), or null.</summary>
    public static string? FindByLabel(string label, string devRoot = "/dev")
    {
        if (!Directory.Exists(devRoot)) return null;
        foreach (var path in Directory.EnumerateFiles(devRoot, "gpiochip*").Order(StringComparer.Ordinal))
        {
            try
            {
                using var chip = new LinuxGpioChip(path);
                if (string.Equals(chip.Label, label, StringComparison.Ordinal)) return path;
            }
            catch (DeviceCommunicationException)
            {
                // not readable: skip
            }
        }
        return null;
    }

    /// <summary>The line's name from the device tree ("GPIO17"), for pin lookups.</summary>
    public string GetLineName(int offset)
    {
        var info = default(GpioV2LineInfo);
        info.Offset = (uint)offset;
        if (Libc.IoctlPointer(_fd.Value, GpioV2.GetLineInfoIoctl, &info) < 0)
            throw new DeviceCommunicationException($"GPIO_V2_GET_LINEINFO_IOCTL line {offset} on {Path} failed: {Libc.Describe(Marshal.GetLastPInvokeError())}.");
        return CString(info.Name, GpioV2.MaxNameSize);
    }

    public override GpioLineRequest RequestLine(GpioLineRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.Offset, LineCount);
        var request = default(GpioV2LineRequest);
        request.Offsets[0] = (uint)options.Offset;
        request.NumLines = 1;
        request.EventBufferSize = (uint)options.EventBufferSize;
        var consumer = Encoding.ASCII.GetBytes(options.Consumer);
        for (var i = 0; i < Math.Min(consumer.Length, GpioV2.MaxNameSize - 1); i++) request.Consumer[i] = consumer[i];
        request.Config.Flags = BuildFlags(options);
        if (options.Debounce > TimeSpan.Zero)
        {
            request.Config.NumAttributes = 1;
            ref var attribute = ref request.Config.Attributes[0];
            attribute.Attribute.Id = GpioV2.AttributeIdDebounce;
            attribute.Attribute.DebouncePeriodMicroseconds = (uint)(options.Debounce.Ticks / 10);
            attribute.Mask = 1;
        }
        if (Libc.IoctlPointer(_fd.Value, GpioV2.GetLineIoctl, &request) < 0)
            throw new DeviceCommunicationException($"GPIO_V2_GET_LINE_IOCTL line {options.Offset} on {Path} failed: {Libc.Describe(Marshal.GetLastPInvokeError())} (is the line used by another consumer?).");
        return new LinuxGpioLineRequest(new FileDescriptor(request.Fd), options.Offset, $"{Path} line {options.Offset}");
    }

    internal static ulong BuildFlags(GpioLineRequestOptions options)
    {
        var flags = options.Output ? GpioV2.FlagOutput : GpioV2.FlagInput;
        if (options.ActiveLow) flags |= GpioV2.FlagActiveLow;
        flags |= options.Bias switch
        {
            GpioBias.PullUp => GpioV2.FlagBiasPullUp,
            GpioBias.PullDown => GpioV2.FlagBiasPullDown,
            GpioBias.Disabled => GpioV2.FlagBiasDisabled,
            _ => 0,
        };
        if (!options.Output)
        {
            if (options.Edges.HasFlag(GpioEdgeDetection.Rising)) flags |= GpioV2.FlagEdgeRising;
            if (options.Edges.HasFlag(GpioEdgeDetection.Falling)) flags |= GpioV2.FlagEdgeFalling;
        }
        return flags;
    }

    private static string CString(byte* bytes, int max)
    {
        var length = 0;
        while (length < max && bytes[length] != 0) length++;
        return Encoding.ASCII.GetString(bytes, length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }
}

/// <summary>A single-line request: values by GET/SET_VALUES, edge events by non-blocking reads of the request fd.</summary>
internal sealed unsafe class LinuxGpioLineRequest : GpioLineRequest
{
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;

    private readonly FileDescriptor _fd;
    private readonly string _name;

    public LinuxGpioLineRequest(FileDescriptor fd, int offset, string name)
    {
        _fd = fd;
        Offset = offset;
        _name = name;
        var flags = Libc.Fcntl(_fd.Value, F_GETFL, 0);
        if (flags >= 0) Libc.Fcntl(_fd.Value, F_SETFL, flags | Libc.O_NONBLOCK);
    }

    public override int Offset { get; }

    public override bool Read()
    {
        var values = new GpioV2LineValues { Mask = 1 };
        if (Libc.IoctlPointer(_fd.Value, GpioV2.LineGetValuesIoctl, &values) < 0)
            throw new DeviceCommunicationException($"GPIO_V2_LINE_GET_VALUES_IOCTL on {_name} failed: {Libc.Describe(Marshal.GetLastPInvokeError())}.");
        return (values.Bits & 1) != 0;
    }

    public override void Write(bool value)
    {
        var values = new GpioV2LineValues { Mask = 1, Bits = value ? 1UL : 0UL };
        if (Libc.IoctlPointer(_fd.Value, GpioV2.LineSetValuesIoctl, &values) < 0)
            throw new DeviceCommunicationException($"GPIO_V2_LINE_SET_VALUES_IOCTL on {_name} failed: {Libc.Describe(Marshal.GetLastPInvokeError())}.");
    }

    public override int ReadEdgeEvents(Span<GpioEdgeEvent> events)
    {
        const int batch = 16;
        var raw = stackalloc GpioV2LineEvent[batch];
        var count = 0;
        while (count < events.Length)
        {
            var want = Math.Min(batch, events.Length - count);
            var n = Libc.Read(_fd.Value, raw, (nuint)(want * sizeof(GpioV2LineEvent)));
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EAGAIN) break;
                if (errno == Libc.EINTR) continue;
                throw new DeviceCommunicationException($"Reading edge events from {_name} failed: {Libc.Describe(errno)}.");
            }
            var got = (int)(n / sizeof(GpioV2LineEvent));
            for (var i = 0; i < got; i++)
            {
                var e = raw[i];
                events[count++] = new GpioEdgeEvent(e.Id == GpioV2.EventRisingEdge ? GpioEdge.Rising : GpioEdge.Falling, e.TimestampNanoseconds, e.LineSequenceNumber);
            }
            if (got < want) break;
        }
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }
}
