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

/// <summary>union i2c_smbus_data: a byte, a word, or a block (block[0] is the length).</summary>
[StructLayout(LayoutKind.Sequential, Size = 34)]
public unsafe struct I2cSmbusData
{
    public fixed byte Block[I2cSmbus.BlockMax + 2];
}

/// <summary>struct i2c_smbus_ioctl_data: the argument of I2C_SMBUS.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct I2cSmbusIoctlData
{
    public byte ReadWrite;
    public byte Command;
    public uint Size;
    public I2cSmbusData* Data;
}

/// <summary>SMBus transfer constants (i2c.h, i2c-dev.h) and functionality bits.</summary>
public static class I2cSmbus
{
    public const uint Ioctl = 0x0720;
    public const int BlockMax = 32;

    public const byte Write = 0;
    public const byte Read = 1;

    public const uint SizeQuick = 0;
    public const uint SizeByte = 1;
    public const uint SizeByteData = 2;
    public const uint SizeWordData = 3;
    public const uint SizeI2cBlockData = 8;

    public const ulong FunctionalityI2c = 0x0000_0001;
    public const ulong FunctionalitySmbusReadByteData = 0x0008_0000;
    public const ulong FunctionalitySmbusReadI2cBlock = 0x0400_0000;
    public const ulong FunctionalitySmbusWriteI2cBlock = 0x0800_0000;
}
