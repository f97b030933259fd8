namespace SmartFactoryEdge.Devices.Linux;

/// <summary>
/// Linux ioctl request numbers, computed the way the generic asm/ioctl.h macros do
/// (arm, arm64, x86, riscv): <c>dir &lt;&lt; 30 | size &lt;&lt; 16 | type &lt;&lt; 8 | nr</c>.
/// </summary>
public static class Ioctl
{
    public const uint None = 0;
    public const uint Write = 1;
    public const uint Read = 2;

    /// <summary>The _IOC macro.</summary>
    public static uint Ioc(uint direction, uint type, uint number, uint size)
    {
        if (size >= 1u << 14) throw new ArgumentOutOfRangeException(nameof(size), size, "An ioctl argument size has 14 bits.");
        return direction << 30 | size << 16 | type << 8 | number;
    }

    /// <summary>The _IO macro.</summary>
    public static uint Io(uint type, uint number) => Ioc(None, type, number, 0);

    /// <summary>The _IOR macro.</summary>
    public static uint Ior(uint type, uint number, uint size) => Ioc(Read, type, number, size);

    /// <summary>The _IOW macro.</summary>
    public static uint Iow(uint type, uint number, uint size) => Ioc(Write, type, number, size);

    /// <summary>The _IOWR macro.</summary>
    public static uint Iowr(uint type, uint number, uint size) => Ioc(Read | Write, type, number, size);
}
