using SmartFactoryEdge.Devices.Linux;
using SmartFactoryEdge.TestKit.Devices;
using Bme280Driver = SmartFactoryEdge.Devices.Bme280.Bme280;

namespace SmartFactoryEdge.Devices.Tests.KernelTier;

/// <summary>
/// Runs the I2C access layer and the BME280 driver against the kernel's i2c-stub (loaded with chip_addr=0x76). The stub
/// is SMBus-only, so LinuxI2cDevice falls back to I2C_SMBUS transfers; the test preloads the stub's register file with
/// the BME280 simulator's registers (datasheet calibration and ADC values) and expects the datasheet's 25.08 °C.
/// </summary>
[Trait("tier", "kernel")]
public sealed class I2cStubTests
{
    [KernelFacilityFact(KernelFacility.I2cStub)]
    public void Bme280DriverReadsTheDatasheetExampleThroughTheKernelStub()
    {
        var bus = KernelFacilities.FindI2cStubBus()!.Value;
        var reference = new Bme280Simulator();
        reference.Write([0xF4, 0x25]); // latch the ADC values into 0xF7..0xFE
        using var device = new LinuxI2cDevice(bus, 0x76);
        Assert.True(device.UsesSmbus, $"functionality 0x{device.Functionality:X}: expected an SMBus-only adapter");
        void Preload(byte from, byte to)
        {
            var block = new byte[to - from + 2];
            block[0] = from;
            reference.Registers.AsSpan(from, to - from + 1).CopyTo(block.AsSpan(1));
            device.Write(block);
        }
        Preload(0x88, 0xA1);
        Preload(0xD0, 0xD0);
        Preload(0xE1, 0xE7);
        Preload(0xF2, 0xFE);

        Span<byte> readBack = stackalloc byte[26];
        device.ReadRegisters(0x88, readBack);
        Assert.True(readBack.SequenceEqual(reference.Registers.AsSpan(0x88, 26)), "register file read back differs");

        using var bme = new Bme280Driver(device, shouldDispose: false, delay: _ => { });
        var reading = bme.Read();
        Assert.Equal(25.08, reading.DegreesCelsius, 0.005);
        Assert.Equal(100653.27, reading.Pascals, 0.01);
    }
}
