using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Devices.Ads1115;
using SmartFactoryEdge.Devices.SensorSource;
using SmartFactoryEdge.TestKit.Devices;
using Source = SmartFactoryEdge.Devices.SensorSource.SensorSource;

namespace SmartFactoryEdge.Devices.Tests.SensorSource;

public sealed class SensorSourceTests
{
    private static readonly RetryPolicyOptions NoJitter = new() { InitialDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(8), JitterFactor = 0 };

    private sealed class Harness : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();

        public Harness(SensorSourceOptions options, SimulatedBusProvider buses)
        {
            Buses = buses;
            Source = new Source(options with { Backoff = NoJitter }, new SensorDriverFactory(buses, _ => { }), Time, Logger);
            Run = Source.RunAsync(Writer, _cts.Token);
        }

        public ManualTimeProvider Time { get; } = new();
        public ListLogger<Source> Logger { get; } = new();
        public CollectingSampleWriter Writer { get; } = new();
        public SimulatedBusProvider Buses { get; }
        public Source Source { get; }
        public Task Run { get; }

        public async Task<List<Sample>> StepAsync(TimeSpan by, int expected)
        {
            Time.Advance(by);
            return await Writer.TakeAsync(expected);
        }

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
            _cts.Dispose();
        }
    }

    private static SensorDeviceOptions Bme(string name = "oven-air") => new()
    {
        Name = name,
        Driver = "bme280",
        Bus = 1,
        Address = "0x76",
        Rate = TimeSpan.FromSeconds(1),
        Tags = new() { ["temperature"] = name + ".temp", ["pressure"] = name + ".press" },
    };

    [Fact]
    public async Task PollsEveryBusAtTheConfiguredRatesWithUnitsAndGoodQuality()
    {
        var bme = new Bme280Simulator();
        var sht = new Sht3xSimulator();
        sht.Set(22.0, 45.0);
        var tc = new Max31855Simulator { ThermocoupleDegreesCelsius = 640.5 };
        var buses = new SimulatedBusProvider().AddI2c(1, bme).AddI2c(1, sht).AddSpi(0, 0, tc);
        var options = new SensorSourceOptions
        {
            Devices =
            [
                Bme(),
                new() { Name = "cab", Driver = "sht3x", Address = "0x44", Rate = TimeSpan.FromSeconds(2) },
                new() { Name = "kiln", Driver = "max31855", Bus = 0, ChipSelect = 0, Rate = TimeSpan.FromSeconds(1), Tags = new() { ["temperature"] = "kiln.zone1" } },
            ],
        };
        await using var h = new Harness(options, buses);
        var first = await h.Writer.TakeAsync(2 + 2 + 1);
        Assert.All(first, s => Assert.True(s.Quality.IsGood, s.ToString()));
        var temp = Assert.Single(first, s => s.TagId == "oven-air.temp");
        Assert.Equal(25.08, temp.Value.AsDouble, 0.005);
        Assert.Equal("°C", temp.Unit);
        Assert.Equal(h.Time.GetUtcNow().UtcDateTime, temp.SourceTimestamp);
        Assert.Equal("Pa", Assert.Single(first, s => s.TagId == "oven-air.press").Unit);
        Assert.Equal(45.0, Assert.Single(first, s => s.TagId == "cab.humidity").Value.AsDouble, 0.01);
        Assert.Equal(640.5, Assert.Single(first, s => s.TagId == "kiln.zone1").Value.AsDouble);

        // After 1 s: the 1 s devices (2 + 1 samples) but not the 2 s SHT3x.
        var second = await h.StepAsync(TimeSpan.FromSeconds(1), 3);
        Assert.DoesNotContain(second, s => s.TagId.StartsWith("cab.", StringComparison.Ordinal));
        Assert.False(h.Writer.TryTake(out _));
        var third = await h.StepAsync(TimeSpan.FromSeconds(1), 5);
        Assert.Equal(2, third.Count(s => s.TagId.StartsWith("cab.", StringComparison.Ordinal)));
        Assert.Equal(3, bme.Measurements);
    }

    [Fact]
    public async Task DeviceThatDisappearsYieldsBadSamplesBacksOffLogsOnceAndRecovers()
    {
        var bme = new Bme280Simulator();
        var buses = new SimulatedBusProvider().AddI2c(1, bme);
        await using var h = new Harness(new SensorSourceOptions { Devices = [Bme()] }, buses);
        Assert.All(await h.Writer.TakeAsync(2), s => Assert.True(s.Quality.IsGood));

        bme.Present = false;
        for (var i = 0; i < 6; i++)
        {
            var bad = await h.StepAsync(TimeSpan.FromSeconds(1), 2);
            Assert.All(bad, s =>
            {
                Assert.Equal(StatusCodes.BadDeviceFailure, s.Quality.Code);
                Assert.False(s.Value.HasValue);
                Assert.NotNull(s.Unit);
            });
        }
        Assert.Equal(1, h.Logger.Count(LogLevel.Warning)); // once per episode
        // The read at 1 s fails; backoff 2 s (no jitter) -> reopen at 3 s fails; backoff 4 s -> next at 7 s. One reopen in 6 s, not six.
        Assert.Equal(2, buses.Opens["i2c-1@0x76"]);
        Assert.True(h.Logger.Count(LogLevel.Debug) >= 1);

        bme.Present = true;
        var recovered = new List<Sample>();
        for (var i = 0; i < 10 && !recovered.Any(s => s.Quality.IsGood); i++)
            recovered.AddRange(await h.StepAsync(TimeSpan.FromSeconds(1), 2));
        Assert.Contains(recovered, s => s.TagId == "oven-air.temp" && s.Quality.IsGood && Math.Abs(s.Value.AsDouble - 25.08) < 0.01);
        Assert.Contains(h.Logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("recovered", StringComparison.Ordinal));
        Assert.Equal(1, h.Logger.Count(LogLevel.Warning));

        bme.Present = false; // a new episode logs again
        await h.StepAsync(TimeSpan.FromSeconds(1), 2);
        Assert.Equal(2, h.Logger.Count(LogLevel.Warning));
    }

    [Fact]
    public async Task MissingDeviceAtStartIsBadNotAnException()
    {
        var buses = new SimulatedBusProvider(); // nothing on the bus
        await using var h = new Harness(new SensorSourceOptions { Devices = [Bme()] }, buses);
        var samples = await h.Writer.TakeAsync(2);
        Assert.All(samples, s => Assert.Equal(StatusCodes.BadDeviceFailure, s.Quality.Code));
        Assert.False(h.Run.IsCompleted);
    }

    [Fact]
    public async Task OpenThermocoupleIsBadSensorFailureWhileTheInternalTemperatureStaysGood()
    {
        var tc = new Max31855Simulator { ThermocoupleDegreesCelsius = 300 };
        var buses = new SimulatedBusProvider().AddSpi(0, 0, tc);
        var device = new SensorDeviceOptions { Name = "furnace", Driver = "max31855", Bus = 0, Rate = TimeSpan.FromMilliseconds(500) };
        await using var h = new Harness(new SensorSourceOptions { Devices = [device] }, buses);
        await h.Writer.TakeAsync(2);
        tc.Fault = 0x01;
        for (var i = 0; i < 3; i++)
        {
            var samples = await h.StepAsync(TimeSpan.FromMilliseconds(500), 2);
            Assert.Equal(StatusCodes.BadSensorFailure, Assert.Single(samples, s => s.TagId == "furnace.temperature").Quality.Code);
            Assert.True(Assert.Single(samples, s => s.TagId == "furnace.internal_temperature").Quality.IsGood);
        }
        Assert.Equal(1, h.Logger.Count(LogLevel.Warning)); // once for the episode, naming the quantity
        Assert.Contains(h.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("temperature as BadSensorFailure", StringComparison.Ordinal));
        tc.Fault = 0;
        var good = await h.StepAsync(TimeSpan.FromMilliseconds(500), 2);
        Assert.All(good, s => Assert.True(s.Quality.IsGood));
        Assert.Contains(h.Logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("good again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrcErrorIsBadCommunicationErrorThenTheDeviceIsReopened()
    {
        var sht = new Sht3xSimulator();
        var buses = new SimulatedBusProvider().AddI2c(1, sht);
        var device = new SensorDeviceOptions { Name = "room", Driver = "sht3x", Rate = TimeSpan.FromSeconds(1) };
        await using var h = new Harness(new SensorSourceOptions { Devices = [device] }, buses);
        await h.Writer.TakeAsync(2);
        sht.CorruptNextCrcs = 1;
        var bad = await h.StepAsync(TimeSpan.FromSeconds(1), 2);
        Assert.All(bad, s => Assert.Equal(StatusCodes.BadCommunicationError, s.Quality.Code));
        await h.StepAsync(TimeSpan.FromSeconds(1), 2); // backoff: still Bad
        var good = await h.StepAsync(TimeSpan.FromSeconds(1), 2);
        Assert.All(good, s => Assert.True(s.Quality.IsGood, s.ToString()));
        Assert.Equal(2, buses.Opens["i2c-1@0x44"]);
    }

    [Fact]
    public async Task DisappearingOneWireSlaveAndPowerOnValue()
    {
        using var w1 = new FakeW1Sysfs();
        w1.SetTemperature("28-000000000001", 40.0);
        var buses = new SimulatedBusProvider(w1.RootPath);
        var device = new SensorDeviceOptions { Name = "tank", Driver = "ds18b20", Rate = TimeSpan.FromSeconds(1) };
        await using var h = new Harness(new SensorSourceOptions { Devices = [device] }, buses);
        Assert.Equal(40.0, (await h.Writer.TakeAsync(1))[0].Value.AsDouble);
        w1.SetPowerOnValue("28-000000000001");
        Assert.Equal(StatusCodes.BadSensorFailure, (await h.StepAsync(TimeSpan.FromSeconds(1), 1))[0].Quality.Code);
        w1.SetTemperature("28-000000000001", 40.5);
        Assert.Equal(40.5, (await h.StepAsync(TimeSpan.FromSeconds(1), 1))[0].Value.AsDouble);
        w1.Remove("28-000000000001");
        Assert.Equal(StatusCodes.BadDeviceFailure, (await h.StepAsync(TimeSpan.FromSeconds(1), 1))[0].Quality.Code);
    }

    [Fact]
    public async Task CounterAndCurrentLoopThroughTheFactory()
    {
        var line = new SimulatedGpioLine(17);
        var adc = new Ads1115Simulator();
        adc.SetInputVolts(0, 0.012 * 150); // 12 mA
        var buses = new SimulatedBusProvider().AddGpio("gpiochip0", line).AddI2c(1, adc);
        var options = new SensorSourceOptions
        {
            Devices =
            [
                new() { Name = "press", Driver = "counter", Line = 17, Rate = TimeSpan.FromSeconds(1), Settings = new(StringComparer.OrdinalIgnoreCase) { ["debounceMs"] = "5" } },
                new()
                {
                    Name = "tank", Driver = "ads1115", Address = "0x48", Rate = TimeSpan.FromSeconds(1),
                    Channels = [new Ads1115Channel { Name = "level", Kind = AnalogInputKind.CurrentLoop4To20mA, RangeLow = 0, RangeHigh = 4, Unit = "m" }],
                },
            ],
        };
        await using var h = new Harness(options, buses);
        var first = await h.Writer.TakeAsync(3 + 1);
        Assert.Equal(2.0, Assert.Single(first, s => s.TagId == "tank.level").Value.AsDouble, 0.002);
        Assert.Equal("m", Assert.Single(first, s => s.TagId == "tank.level").Unit);
        line.Pulse(1_000_000_000);
        line.Pulse(3_000_000_000);
        var next = await h.StepAsync(TimeSpan.FromSeconds(1), 4);
        Assert.Equal(2.0, Assert.Single(next, s => s.TagId == "press.count").Value.AsDouble);
        Assert.Equal(2.0, Assert.Single(next, s => s.TagId == "press.cycle_time").Value.AsDouble);
    }

    [Fact]
    public void InvalidOptionsAreRejectedWithTheDeviceNamed()
    {
        var options = new SensorSourceOptions
        {
            Devices =
            [
                new() { Name = "a", Driver = "bme999" },
                new() { Name = "a", Driver = "bme280", Address = "0x99", Rate = TimeSpan.FromMilliseconds(1) },
            ],
        };
        var result = new SensorSourceOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("devices[0] (a).driver 'bme999' is unknown", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("'a' is used twice", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("address '0x99'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("10 ms minimum", result.FailureMessage, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Source(options, new SensorDriverFactory(new SimulatedBusProvider())));
    }

    [Theory]
    [InlineData("0x76", 0x76)]
    [InlineData("118", 118)]
    [InlineData(" 0X48 ", 0x48)]
    public void AddressesParseInHexAndDecimal(string text, int expected)
    {
        Assert.True(SensorDriverFactory.TryParseAddress(text, out var address));
        Assert.Equal(expected, address);
        Assert.False(SensorDriverFactory.TryParseAddress("0x78", out _));
        Assert.False(SensorDriverFactory.TryParseAddress("zz", out _));
    }
}

public sealed class SensorSourceIsolationTests
{
    /// <summary>An I2C device whose reads hang until released (a stuck bus, clock stretching gone wrong).</summary>
    private sealed class HangingI2cDevice(int address) : SmartFactoryEdge.Devices.Buses.I2cDevice
    {
        public ManualResetEventSlim Release { get; } = new();
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override string BusName => "sim-i2c-1";
        public override int Address => address;
        public override void Read(Span<byte> buffer)
        {
            Entered.TrySetResult();
            Release.Wait(TimeSpan.FromSeconds(30));
            throw new SmartFactoryEdge.Core.DeviceCommunicationException("released");
        }
        public override void Write(ReadOnlySpan<byte> buffer) { }
        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => Read(readBuffer);
    }

    [Fact]
    public async Task AHangingI2cBusDoesNotStallTheSpiBus()
    {
        var hanging = new HangingI2cDevice(0x76);
        var tc = new Max31855Simulator { ThermocoupleDegreesCelsius = 100 };
        var buses = new SimulatedBusProvider().AddI2c(1, hanging).AddSpi(0, 0, tc);
        var time = new ManualTimeProvider();
        var writer = new CollectingSampleWriter();
        var options = new SensorSourceOptions
        {
            Devices =
            [
                new() { Name = "stuck", Driver = "bme280", Address = "0x76" },
                new() { Name = "kiln", Driver = "max31855", Bus = 0 },
            ],
        };
        using var cts = new CancellationTokenSource();
        var source = new Source(options, new SensorDriverFactory(buses, _ => { }), time);
        var run = source.RunAsync(writer, cts.Token);
        await hanging.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var samples = await writer.TakeAsync(2);
        Assert.All(samples, s => Assert.StartsWith("kiln.", s.TagId, StringComparison.Ordinal));
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.All(await writer.TakeAsync(2), s => Assert.StartsWith("kiln.", s.TagId, StringComparison.Ordinal));
        }
        hanging.Release.Set();
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
