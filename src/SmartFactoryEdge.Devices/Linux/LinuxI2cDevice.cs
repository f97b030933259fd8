using System.Globalization;
using System.Runtime.InteropServices;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.Devices.Linux;

/// <summary>
/// An I2C target through i2c-dev: I2C_SLAVE for plain reads and writes, I2C_RDWR for write-then-read with a repeated
/// START. Adapters without plain I2C (I2C_FUNCS lacks I2C_FUNC_I2C: SMBus-only controllers, the kernel's i2c-stub) are
/// driven through I2C_SMBUS instead, which covers register-style chips (a register byte, then data).
/// </summary>
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
        ulong functionality = 0;
        if (Libc.IoctlPointer(_fd.Value, I2cDev.Funcs, &functionality) == 0) Functionality = functionality;
        UsesSmbus = (Functionality & I2cSmbus.FunctionalityI2c) == 0 && Functionality != 0;
    }

    /// <summary>The adapter's I2C_FUNCS bits (0 if the ioctl failed).</summary>
    public ulong Functionality { get; }

    /// <summary>True when transfers go through I2C_SMBUS because the adapter cannot do plain I2C.</summary>
    public bool UsesSmbus { get; }

    public override string BusName { get; }

    public override int Address { get; }

    public override void Read(Span<byte> buffer)
    {
        if (UsesSmbus)
        {
            for (var i = 0; i < buffer.Length; i++) buffer[i] = Smbus(I2cSmbus.Read, 0, I2cSmbus.SizeByte, default, 0)[0];
            return;
        }
        fixed (byte* p = buffer)
        {
            var n = Libc.Read(_fd.Value, p, (nuint)buffer.Length);
            if (n < 0) throw Translate("read", Marshal.GetLastPInvokeError());
            if (n != buffer.Length) throw new DeviceCommunicationException($"{this}: short read, {n} of {buffer.Length} bytes.");
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (UsesSmbus)
        {
            if (buffer.Length == 0) Smbus(I2cSmbus.Write, 0, I2cSmbus.SizeQuick, default, 0);
            else if (buffer.Length == 1) Smbus(I2cSmbus.Write, buffer[0], I2cSmbus.SizeByte, default, 0);
            else if (buffer.Length == 2) Smbus(I2cSmbus.Write, buffer[0], I2cSmbus.SizeByteData, buffer[1..], 0);
            else
            {
                for (var offset = 1; offset < buffer.Length; offset += I2cSmbus.BlockMax)
                {
                    var chunk = buffer.Slice(offset, Math.Min(I2cSmbus.BlockMax, buffer.Length - offset));
                    Smbus(I2cSmbus.Write, (byte)(buffer[0] + offset - 1), I2cSmbus.SizeI2cBlockData, chunk, 0);
                }
            }
            return;
        }
        fixed (byte* p = buffer)
        {
            var n = Libc.Write(_fd.Value, p, (nuint)buffer.Length);
            if (n < 0) throw Translate("write", Marshal.GetLastPInvokeError());
            if (n != buffer.Length) throw new DeviceCommunicationException($"{this}: short write, {n} of {buffer.Length} bytes.");
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (UsesSmbus)
        {
            if (writeBuffer.Length != 1)
                throw new DeviceCommunicationException($"{this}: the adapter is SMBus-only; a combined transfer needs exactly one register byte, not {writeBuffer.Length}.");
            if (readBuffer.Length == 1)
            {
                readBuffer[0] = Smbus(I2cSmbus.Read, writeBuffer[0], I2cSmbus.SizeByteData, default, 0)[0];
                return;
            }
            for (var offset = 0; offset < readBuffer.Length; offset += I2cSmbus.BlockMax)
            {
                var length = Math.Min(I2cSmbus.BlockMax, readBuffer.Length - offset);
                Smbus(I2cSmbus.Read, (byte)(writeBuffer[0] + offset), I2cSmbus.SizeI2cBlockData, default, length)
                    .AsSpan(0, length).CopyTo(readBuffer[offset..]);
            }
            return;
        }
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

    /// <summary>One I2C_SMBUS transfer; returns the data bytes read (block bytes without the length byte).</summary>
    private byte[] Smbus(byte readWrite, byte command, uint size, ReadOnlySpan<byte> writeData, int readLength)
    {
        var data = default(I2cSmbusData);
        if (size == I2cSmbus.SizeI2cBlockData)
        {
            data.Block[0] = (byte)(readWrite == I2cSmbus.Read ? readLength : writeData.Length);
            for (var i = 0; i < writeData.Length; i++) data.Block[i + 1] = writeData[i];
        }
        else if (writeData.Length > 0)
        {
            data.Block[0] = writeData[0];
        }
        var args = new I2cSmbusIoctlData { ReadWrite = readWrite, Command = command, Size = size, Data = &data };
        if (Libc.IoctlPointer(_fd.Value, I2cSmbus.Ioctl, &args) < 0) throw Translate("I2C_SMBUS", Marshal.GetLastPInvokeError());
        if (size == I2cSmbus.SizeI2cBlockData)
        {
            var result = new byte[readLength];
            for (var i = 0; i < readLength; i++) result[i] = data.Block[i + 1];
            return result;
        }
        return [data.Block[0]];
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
