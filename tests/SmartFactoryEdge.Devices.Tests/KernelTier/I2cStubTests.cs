using System.Runtime.InteropServices;
using SmartFactoryEdge.Devices.Linux;

namespace SmartFactoryEdge.Devices.Tests.KernelTier;

/// <summary>
/// Opens the kernel's i2c-stub adapter through i2c-dev. The stub emulates SMBus only (no plain I2C transfers, so no
/// I2C_RDWR), which is enough to check that opening the bus, I2C_SLAVE and I2C_FUNCS work through our P/Invoke layer.
/// </summary>
[Trait("tier", "kernel")]
public sealed class I2cStubTests
{
    private const ulong FunctionalitySmbusReadByteData = 0x0008_0000;

    [KernelFacilityFact(KernelFacility.I2cStub)]
    public unsafe void OpensTheStubAdapterAndReadsItsFunctionality()
    {
        var bus = KernelFacilities.FindI2cStubBus()!.Value;
        using var device = new LinuxI2cDevice(bus, 0x76);
        var fd = Libc.Open($"/dev/i2c-{bus}", Libc.O_RDWR);
        Assert.True(fd >= 0, Libc.Describe(Marshal.GetLastPInvokeError()));
        try
        {
            ulong functionality = 0;
            Assert.Equal(0, Libc.IoctlPointer(fd, I2cDev.Funcs, &functionality));
            Assert.NotEqual(0UL, functionality & FunctionalitySmbusReadByteData);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
