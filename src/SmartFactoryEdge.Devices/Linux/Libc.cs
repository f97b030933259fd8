using System.Runtime.InteropServices;

namespace SmartFactoryEdge.Devices.Linux;

/// <summary>The few libc calls the access layer needs (P/Invoke; errno through <see cref="Marshal.GetLastPInvokeError"/>).</summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0x0000;
    public const int O_RDWR = 0x0002;
    public const int O_NONBLOCK = 0x0800;
    public const int O_CLOEXEC = 0x80000;

    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int ENODEV = 19;
    public const int ETIMEDOUT = 110;
    public const int EREMOTEIO = 121;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>ioctl with a pointer argument (the variadic third argument is passed as a pointer, as every ABI we target allows).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlPointer(int fd, nuint request, void* argument);

    /// <summary>ioctl with an integer argument (I2C_SLAVE takes the address by value).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlValue(int fd, nuint request, nuint argument);

    /// <summary>fcntl with an int argument (F_GETFL/F_SETFL).</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int errno);

    public static string Describe(int errno)
    {
        var text = Marshal.PtrToStringUTF8(StrError(errno));
        return $"errno {errno} ({text})";
    }
}

/// <summary>An owned file descriptor, closed on dispose.</summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd) : base(new nint(-1), ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Value => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Libc.Close(Value) == 0;

    /// <summary>Opens <paramref name="path"/> or throws an exception that names the path and errno.</summary>
    public static FileDescriptor Open(string path, int flags)
    {
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"Cannot open {path}: {Libc.Describe(errno)}.";
            if (errno is 2 or Libc.ENODEV or Libc.ENXIO) throw new DeviceNotRespondingException(message);
            throw new SmartFactoryEdge.Core.DeviceCommunicationException(
                errno == Libc.EACCES ? message + " Add the service user to the gpio/i2c/spi group (hardware/udev)." : message);
        }
        return new FileDescriptor(fd);
    }
}
