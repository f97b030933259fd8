using System.Runtime.InteropServices;

namespace SmartFactoryEdge.Devices.Linux;

// Mirrors of include/uapi/linux/i2c.h and i2c-dev.h.

/// <summary>struct i2c_msg: one segment of a combined I2C_RDWR transfer.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct I2cMessage
{
    public ushort Address;
    public ushort Flags;
    public ushort Length;
    public byte* Buffer;
}

/// <summary>struct i2c_rdwr_ioctl_data.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct I2cRdwrIoctlData
{
    public I2cMessage* Messages;
    public uint MessageCount;
}

/// <summary>i2c-dev ioctl numbers and message flags (these are plain numbers in the header, not _IO macros).</summary>
public static class I2cDev
{
    public const uint Retries = 0x0701;
    public const uint Timeout = 0x0702;
    public const uint Slave = 0x0703;
    public const uint SlaveForce = 0x0706;
    public const uint Tenbit = 0x0704;
    public const uint Funcs = 0x0705;
    public const uint Rdwr = 0x0707;

    public const ushort MessageRead = 0x0001;
    public const ushort MessageTenBit = 0x0010;
    public const ushort MessageNoStart = 0x4000;

    /// <summary>I2C_RDWR_IOCTL_MAX_MSGS.</summary>
    public const int RdwrMaxMessages = 42;
}
