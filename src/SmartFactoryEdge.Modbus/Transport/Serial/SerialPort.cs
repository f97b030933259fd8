using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SmartFactoryEdge.Modbus.Transport.Serial;

/// <summary>
/// A Linux serial port opened through termios (System.IO.Ports is not available here): raw mode, speed, parity,
/// data and stop bits, no flow control, no modem control (CLOCAL). Reads poll the descriptor so that cancellation
/// and disposal end them within <see cref="PollInterval"/>.
/// </summary>
public sealed class SerialPort : Stream
{
    /// <summary>How often a waiting read checks for cancellation.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly SafeFileHandle _handle;
    private readonly int _fd;
    private volatile bool _disposed;

    private SerialPort(SafeFileHandle handle, SerialPortOptions options)
    {
        _handle = handle;
        _fd = (int)handle.DangerousGetHandle();
        Options = options;
    }

    public SerialPortOptions Options { get; }

    /// <summary>Opens and configures <see cref="SerialPortOptions.Device"/>.</summary>
    /// <exception cref="IOException">The device cannot be opened or configured; the message names it and the errno.</exception>
    public static SerialPort Open(SerialPortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Serial ports are implemented with Linux termios.");
        int fd = Native.open(options.Device, Native.O_RDWR | Native.O_NOCTTY | Native.O_NONBLOCK);
        if (fd < 0) throw Error("open", options.Device);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Configure(fd, options);
            return new SerialPort(handle, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static unsafe void Configure(int fd, SerialPortOptions options)
    {
        Native.Termios tio;
        if (Native.tcgetattr(fd, &tio) != 0) throw Error("tcgetattr", options.Device);
        Native.cfmakeraw(&tio);
        tio.c_cflag &= ~(Native.CSIZE | Native.CSTOPB | Native.PARENB | Native.PARODD | Native.CRTSCTS);
        tio.c_cflag |= Native.CREAD | Native.CLOCAL | (options.DataBits == 7 ? Native.CS7 : Native.CS8);
        if (options.StopBits == 2) tio.c_cflag |= Native.CSTOPB;
        if (options.Parity != SerialParity.None)
        {
            tio.c_cflag |= Native.PARENB;
            if (options.Parity == SerialParity.Odd) tio.c_cflag |= Native.PARODD;
            tio.c_iflag |= Native.INPCK;
        }
        tio.c_cc[Native.VMIN] = 0;
        tio.c_cc[Native.VTIME] = 0;
        uint speed = Native.SpeedConstant(options.BaudRate);
        if (Native.cfsetispeed(&tio, speed) != 0 || Native.cfsetospeed(&tio, speed) != 0) throw Error($"cfsetspeed {options.BaudRate}", options.Device);
        if (Native.tcsetattr(fd, Native.TCSANOW, &tio) != 0) throw Error("tcsetattr", options.Device);
        Native.tcflush(fd, Native.TCIOFLUSH);
    }

    /// <summary>Drops bytes received but not read yet (stale answers on the line).</summary>
    public void DiscardInput() => Native.tcflush(_fd, Native.TCIFLUSH);

    public override bool CanRead => !_disposed;
    public override bool CanWrite => !_disposed;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            int n = TryReadNow(buffer);
            if (n >= 0) return n;
            WaitReadable(CancellationToken.None);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = TryReadNow(buffer.Span);
            if (n >= 0) return n;
            // nothing there: wait on the thread pool, polling so that cancellation and disposal are seen
            await Task.Run(() => WaitReadable(cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            nint n;
            fixed (byte* p = buffer) n = Native.write(_fd, p, buffer.Length);
            if (n > 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno != Native.EAGAIN && errno != Native.EINTR) throw Error("write", Options.Device, errno);
            var pfd = new Native.PollFd { fd = _fd, events = Native.POLLOUT };
            Native.poll(&pfd, 1, 50);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span); // a Modbus frame (<= 256 bytes) fits the kernel's buffer: this does not block
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _handle.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Reads what is there, or returns -1 when nothing is waiting. With VMIN = VTIME = 0 a tty read returns 0 when
    /// there is no data; a device that went away fails with EIO/ENODEV instead, which is thrown.
    /// </summary>
    private unsafe int TryReadNow(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        nint n;
        fixed (byte* p = buffer) n = Native.read(_fd, p, buffer.Length);
        if (n > 0) return (int)n;
        if (n == 0) return -1;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == Native.EAGAIN || errno == Native.EINTR) return -1;
        throw Error("read", Options.Device, errno);
    }

    private unsafe void WaitReadable(CancellationToken cancellationToken)
    {
        var pfd = new Native.PollFd { fd = _fd, events = Native.POLLIN };
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            pfd.revents = 0;
            int r = Native.poll(&pfd, 1, (int)PollInterval.TotalMilliseconds);
            if (r > 0) return; // readable, or an error/hang-up that the read will report
            if (r < 0 && Marshal.GetLastPInvokeError() != Native.EINTR) throw Error("poll", Options.Device);
        }
    }

    private static IOException Error(string call, string device, int? errno = null)
    {
        int e = errno ?? Marshal.GetLastPInvokeError();
        return new IOException($"{call} on serial device {device} failed: {Marshal.GetPInvokeErrorMessage(e)} (errno {e}).");
    }

    private static unsafe class Native
    {
        public const int O_RDWR = 2, O_NOCTTY = 0x100, O_NONBLOCK = 0x800;
        public const int TCSANOW = 0, TCIFLUSH = 0, TCIOFLUSH = 2;
        public const int EINTR = 4, EAGAIN = 11;
        public const short POLLIN = 1, POLLOUT = 4;
        public const int VTIME = 5, VMIN = 6;
        public const uint INPCK = 0x10;
        public const uint CSIZE = 0x30, CS7 = 0x20, CS8 = 0x30, CSTOPB = 0x40, CREAD = 0x80, PARENB = 0x100, PARODD = 0x200,
            CLOCAL = 0x800, CRTSCTS = 0x80000000;

        /// <summary>glibc's struct termios on Linux (x86-64 and arm64 alike): 60 bytes.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct Termios
        {
            public uint c_iflag, c_oflag, c_cflag, c_lflag;
            public byte c_line;
            public fixed byte c_cc[32];
            public uint c_ispeed, c_ospeed;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct PollFd
        {
            public int fd;
            public short events;
            public short revents;
        }

        public static uint SpeedConstant(int baud) => baud switch
        {
            300 => 7, 600 => 8, 1200 => 9, 2400 => 11, 4800 => 12, 9600 => 13, 19200 => 14, 38400 => 15,
            57600 => 0x1001, 115200 => 0x1002, 230400 => 0x1003, 460800 => 0x1004, 500000 => 0x1005, 576000 => 0x1006,
            921600 => 0x1007, 1000000 => 0x1008, 1152000 => 0x1009, 1500000 => 0x100A, 2000000 => 0x100B,
            _ => throw new ArgumentOutOfRangeException(nameof(baud), baud, "Not a standard termios speed."),
        };

        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern int tcgetattr(int fd, Termios* termios);
        [DllImport("libc", SetLastError = true)] public static extern int tcsetattr(int fd, int optionalActions, Termios* termios);
        [DllImport("libc")] public static extern void cfmakeraw(Termios* termios);
        [DllImport("libc", SetLastError = true)] public static extern int cfsetispeed(Termios* termios, uint speed);
        [DllImport("libc", SetLastError = true)] public static extern int cfsetospeed(Termios* termios, uint speed);
        [DllImport("libc", SetLastError = true)] public static extern int tcflush(int fd, int queueSelector);
        [DllImport("libc", SetLastError = true)] public static extern nint read(int fd, byte* buffer, nint count);
        [DllImport("libc", SetLastError = true)] public static extern nint write(int fd, byte* buffer, nint count);
        [DllImport("libc", SetLastError = true)] public static extern int poll(PollFd* fds, nuint count, int timeout);
    }
}

/// <summary>A serial line (Modbus RTU).</summary>
public sealed class SerialModbusTransport(SerialPortOptions options) : IModbusTransport
{
    public SerialPortOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public string Endpoint => Options.ToString();

    public int? BaudRate => Options.BaudRate;

    public ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<Stream>(SerialPort.Open(Options));
    }
}
