using System.Globalization;
using System.Runtime.InteropServices;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.Devices.Linux;

/// <summary>An I2C target through i2c-dev: I2C_SLAVE for plain reads and writes, I2C_RDWR for write-then-read with a repeated START.</summary>
public sealed unsafe class LinuxI2cDevice : I2cDevice
{
    private readonly FileDescriptor _fd;

    /// <exception cref="DeviceNotRespondingException">/dev/i2c-<paramref name="busId"/> does not exist.</exception>
    /// <exception cref="DeviceCommunicationException">The bus cannot be opened or the address is held by a kernel driver.</exception>
    public LinuxI2cDevice(int busId, int address)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(busId);
        ArgumentOutOfRangeException.ThrowIfLessThan(address, 0x03);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, 0x77);
        BusName = "/dev/i2c-" + busId.ToString(CultureInfo.InvariantCulture);
        Address = address;
        _fd = FileDescriptor.Open(BusName, Libc.O_RDWR);
        if (Libc.IoctlValue(_fd.Value, I2cDev.Slave, (nuint)address) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _fd.Dispose();
            throw new DeviceCommunicationException($"I2C_SLAVE 0x{address:X2} on {BusName} failed: {Libc.Describe(errno)} (a kernel driver may own the address).");
        }
    }

    public override string BusName { get; }

    public override int Address { get; }

    public override void Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = Libc.Read(_fd.Value, p, (nuint)buffer.Length);
            if (n < 0) throw Translate("read", Marshal.GetLastPInvokeError());
            if (n != buffer.Length) throw new DeviceCommunicationException($"{this}: short read, {n} of {buffer.Length} bytes.");
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = Libc.Write(_fd.Value, p, (nuint)buffer.Length);
            if (n < 0) throw Translate("write", Marshal.GetLastPInvokeError());
            if (n != buffer.Length) throw new DeviceCommunicationException($"{this}: short write, {n} of {buffer.Length} bytes.");
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        fixed (byte* w = writeBuffer)
        fixed (byte* r = readBuffer)
        {
            var messages = stackalloc I2cMessage[2];
            messages[0] = new I2cMessage { Address = (ushort)Address, Flags = 0, Length = (ushort)writeBuffer.Length, Buffer = w };
            messages[1] = new I2cMessage { Address = (ushort)Address, Flags = I2cDev.MessageRead, Length = (ushort)readBuffer.Length, Buffer = r };
            var data = new I2cRdwrIoctlData { Messages = messages, MessageCount = 2 };
            if (Libc.IoctlPointer(_fd.Value, I2cDev.Rdwr, &data) < 0) throw Translate("I2C_RDWR", Marshal.GetLastPInvokeError());
        }
    }

    private DeviceCommunicationException Translate(string operation, int errno)
    {
        var message = $"{operation} on {this} failed: {Libc.Describe(errno)}.";
        return errno is Libc.ENXIO or Libc.EREMOTEIO or Libc.ENODEV
            ? new DeviceNotRespondingException(message + " No ACK: the device is absent or not powered.")
            : new DeviceCommunicationException(message);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }
}
