using System.CommandLine;
using System.Globalization;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.Linux;
using SmartFactoryEdge.Devices.Scan;
using SmartFactoryEdge.Devices.SensorSource;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>`sfe devices scan` and `sfe devices read DRIVER ...`: local sensor bring-up without the gateway running.</summary>
public static class DevicesCommands
{
    public static Command Create(IDeviceBusProvider? buses = null, string devRoot = "/dev", string oneWireRoot = OneWireBus.DefaultRootPath)
    {
        var devices = new Command("devices", "Local sensors on this board: find them, read them once");
        devices.Subcommands.Add(CreateScan(buses, devRoot, oneWireRoot));
        devices.Subcommands.Add(CreateRead(buses, oneWireRoot));
        return devices;
    }

    private static Command CreateScan(IDeviceBusProvider? buses, string devRoot, string oneWireRoot)
    {
        var scan = new Command("scan", "List I2C buses and identify known chips by their id registers; list 1-Wire slaves, GPIO chips and spidev nodes");
        scan.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var provider = buses ?? new LinuxDeviceBusProvider(oneWireRoot, devRoot);
            var i2cBuses = DeviceScanner.FindI2cBuses(devRoot);
            if (i2cBuses.Count == 0)
            {
                output.WriteLine($"No I2C bus found under {devRoot} (no {devRoot}/i2c-*). On a Raspberry Pi enable it with " +
                                 "'dtparam=i2c_arm=on' in /boot/firmware/config.txt and load i2c-dev; see hardware/README.md.");
            }
            foreach (var bus in i2cBuses)
            {
                output.WriteLine($"{devRoot}/i2c-{bus}:");
                try
                {
                    var chips = DeviceScanner.ScanI2cBus(provider, bus);
                    if (chips.Count == 0) output.WriteLine("  no known chip answered at 0x1D 0x44 0x45 0x48-0x4B 0x53 0x76 0x77");
                    foreach (var c in chips) output.WriteLine($"  0x{c.Address:X2}  {c.Chip,-8} ({c.Evidence})");
                }
                catch (DeviceCommunicationException ex)
                {
                    output.WriteLine($"  cannot scan: {ex.Message}");
                }
            }
            var slaves = provider.OneWire.EnumerateDeviceIds();
            output.WriteLine(slaves.Count == 0
                ? $"1-Wire: no slaves under {provider.OneWire.RootPath} (enable with dtoverlay=w1-gpio)."
                : "1-Wire: " + string.Join(", ", slaves.Select(s => s.StartsWith("28-", StringComparison.Ordinal) ? s + " (DS18B20)" : s)));
            if (Directory.Exists(devRoot))
            {
                foreach (var chip in Directory.EnumerateFileSystemEntries(devRoot, "gpiochip*").Order(StringComparer.Ordinal))
                {
                    try
                    {
                        using var g = new LinuxGpioChip(chip);
                        output.WriteLine($"GPIO: {chip} name={g.Name} label={g.Label} lines={g.LineCount}");
                    }
                    catch (DeviceCommunicationException ex)
                    {
                        output.WriteLine($"GPIO: {chip}: {ex.Message}");
                    }
                }
                foreach (var spi in Directory.EnumerateFileSystemEntries(devRoot, "spidev*").Order(StringComparer.Ordinal))
                    output.WriteLine($"SPI: {spi}");
            }
            return 0;
        });
        return scan;
    }

    private static Command CreateRead(IDeviceBusProvider? buses, string oneWireRoot)
    {
        var driver = new Argument<string>("driver") { Description = "bme280, sht3x, sht4x, ads1115, adxl345, ds18b20, max31865, max31855, counter" };
        var bus = new Option<int>("--bus") { Description = "I2C or SPI bus number", DefaultValueFactory = _ => 1 };
        var address = new Option<string?>("--address") { Description = "I2C address, e.g. 0x76 (default: the driver's)" };
        var chipSelect = new Option<int>("--chip-select") { Description = "SPI chip select" };
        var deviceId = new Option<string?>("--device-id") { Description = "1-Wire slave id, e.g. 28-0316a279a2ff" };
        var line = new Option<int>("--line") { Description = "GPIO line (counter)" };
        var chip = new Option<string>("--gpio-chip") { Description = "GPIO chip name or label", DefaultValueFactory = _ => "gpiochip0" };
        var count = new Option<int>("--count") { Description = "Readings to take, one per second", DefaultValueFactory = _ => 1 };
        var read = new Command("read", "Open one sensor, check its identity and print its readings") { driver, bus, address, chipSelect, deviceId, line, chip, count };
        read.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var name = parse.GetValue(driver)!;
            if (!SensorDriverFactory.IsKnown(name))
            {
                error.WriteLine($"Unknown driver '{name}'. Known: {string.Join(", ", SensorDriverFactory.KnownDrivers)}.");
                return 2;
            }
            var options = new SensorDeviceOptions
            {
                Name = "cli",
                Driver = name,
                Bus = parse.GetValue(bus),
                Address = parse.GetValue(address),
                ChipSelect = parse.GetValue(chipSelect),
                DeviceId = parse.GetValue(deviceId),
                Line = parse.GetValue(line),
                GpioChip = parse.GetValue(chip)!,
            };
            if (options.Address is not null && !SensorDriverFactory.TryParseAddress(options.Address, out _))
            {
                error.WriteLine($"--address '{options.Address}' is not a 7-bit I2C address (0x03-0x77).");
                return 2;
            }
            var factory = new SensorDriverFactory(buses ?? new LinuxDeviceBusProvider(oneWireRoot));
            try
            {
                using var sensor = factory.Create(options);
                var readings = new SensorReading[sensor.Quantities.Count];
                var n = Math.Max(1, parse.GetValue(count));
                for (var i = 0; i < n; i++)
                {
                    if (i > 0) await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    sensor.Read(readings);
                    for (var q = 0; q < readings.Length; q++)
                    {
                        var quantity = sensor.Quantities[q];
                        var value = readings[q].Quality.IsBad ? "-" : readings[q].Value.ToString("0.###", CultureInfo.InvariantCulture);
                        output.WriteLine($"{quantity.Name,-22} {value,12} {quantity.Unit,-5} {readings[q].Quality}");
                    }
                }
                return 0;
            }
            catch (DeviceCommunicationException ex)
            {
                error.WriteLine($"{name}: {ex.Message} ({new Core.Quality.StatusCode(SensorSource.Classify(ex)).Name})");
                return 1;
            }
        });
        return read;
    }
}
