using SmartFactoryEdge.Devices.Scan;
using SmartFactoryEdge.TestKit.Devices;

namespace SmartFactoryEdge.Devices.Tests.Scan;

public sealed class DeviceScannerTests
{
    [Fact]
    public void IdentifiesEveryKnownChipByItsIdRegister()
    {
        var bmp = new Bme280Simulator(0x77);
        bmp.SetChipId(0x58);
        var buses = new SimulatedBusProvider()
            .AddI2c(1, new Bme280Simulator(0x76))
            .AddI2c(1, bmp)
            .AddI2c(1, new Sht3xSimulator(0x44))
            .AddI2c(1, new Sht4xSimulator(0x45))
            .AddI2c(1, new Ads1115Simulator(0x49))
            .AddI2c(1, new Adxl345Simulator(0x53));
        var found = DeviceScanner.ScanI2cBus(buses, 1);
        Assert.Equal(
            ["0x44 SHT3x", "0x45 SHT4x", "0x49 ADS1115", "0x53 ADXL345", "0x76 BME280", "0x77 BMP280"],
            found.Select(c => $"0x{c.Address:X2} {c.Chip}"));
        Assert.Contains("0x58", found.Single(c => c.Address == 0x77).Evidence);
    }

    [Fact]
    public void EmptyBusFindsNothingAndAMissingDevFolderHasNoBuses()
    {
        Assert.Empty(DeviceScanner.ScanI2cBus(new SimulatedBusProvider(), 1));
        Assert.Empty(DeviceScanner.FindI2cBuses("/nonexistent-dev"));
    }

    [Fact]
    public void FindsI2cBusNodesByName()
    {
        var dir = Directory.CreateTempSubdirectory("sfe-dev-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "i2c-1"), "");
            File.WriteAllText(Path.Combine(dir.FullName, "i2c-20"), "");
            File.WriteAllText(Path.Combine(dir.FullName, "i2c-x"), "");
            Assert.Equal([1, 20], DeviceScanner.FindI2cBuses(dir.FullName));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
