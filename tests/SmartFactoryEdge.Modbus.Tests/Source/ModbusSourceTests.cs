using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.Modbus.Tests.Client;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Modbus;

namespace SmartFactoryEdge.Modbus.Tests.Source;

public class ModbusSourceTests(PymodbusTcpFixture fixture) : IClassFixture<PymodbusTcpFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    private ModbusDeviceOptions Device(string name, params ModbusPointOptions[] points) => new()
    {
        Name = name,
        Host = fixture.Server.Host,
        Port = fixture.Server.Port,
        PollGroups = [new ModbusPollGroupOptions { Name = "fast", Interval = TimeSpan.FromMilliseconds(100), Points = [.. points] }],
    };

    private static async Task RunUntilAsync(ModbusSource source, CollectingSampleWriter writer, Func<IReadOnlyCollection<Sample>, bool> condition)
    {
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(writer, cts.Token);
        try
        {
            await writer.WaitUntilAsync(condition, Guard);
        }
        finally
        {
            cts.Cancel();
            await run.WaitAsync(Guard);
        }
    }

    [Fact]
    public async Task PollsTypedScaledPointsWithTheirUnits()
    {
        var device = Device("typed",
            new() { TagId = "hr.const", Address = 10, Type = ModbusDataType.UInt16, Scale = 0.1, Offset = 1, Unit = "bar" },
            new() { TagId = "hr.float.cdab", Address = 1000 + 16 * 5 + 4, Type = ModbusDataType.Float32, Order = WordOrder.CDAB, Unit = "°C" },
            new() { TagId = "hr.int64.dcba", Address = 1000 + 16 * 4 + 12, Type = ModbusDataType.Int64, Order = WordOrder.DCBA },
            new() { TagId = "ir.string", Area = ModbusArea.InputRegister, Address = 1200, Type = ModbusDataType.String, Length = 7 },
            new() { TagId = "hr.bit13", Address = 1220, Type = ModbusDataType.Bool, Bit = 13 },
            new() { TagId = "coil.12", Area = ModbusArea.Coil, Address = 12, Type = ModbusDataType.Bool },
            new() { TagId = "di.105", Area = ModbusArea.DiscreteInput, Address = 105, Type = ModbusDataType.Bool });
        var source = new ModbusSource(new ModbusSourceOptions { Devices = [device] });
        var writer = new CollectingSampleWriter();
        await RunUntilAsync(source, writer, s => s.Select(x => x.TagId).Distinct().Count() == 7);

        Sample First(string tag) => writer.Samples.First(s => s.TagId == tag);
        Assert.All(writer.Samples, s => Assert.True(s.Quality.IsGood, $"{s.TagId} {s.Quality}"));
        Assert.Equal(101.0, First("hr.const").Value.AsDouble, 9);
        Assert.Equal("bar", First("hr.const").Unit);
        Assert.Equal((float)-273.15, First("hr.float.cdab").Value.AsDouble);
        Assert.Equal("°C", First("hr.float.cdab").Unit);
        Assert.Equal(-1234567890123456789, First("hr.int64.dcba").Value.AsInt64);
        Assert.Equal("SFE-MODBUS-01", First("ir.string").Value.AsString);
        Assert.True(First("hr.bit13").Value.AsBoolean);
        Assert.True(First("coil.12").Value.AsBoolean);
        Assert.True(First("di.105").Value.AsBoolean);
        Assert.True(source.Statistics["typed"].Polls >= 4); // holding (3 reads with the default gap), input, coil, discrete input
    }

    [Fact]
    public async Task PollGroupsKeepTheirOwnRates()
    {
        var device = Device("rates") with
        {
            PollGroups =
            [
                new ModbusPollGroupOptions { Name = "fast", Interval = TimeSpan.FromMilliseconds(50), Points = [new() { TagId = "rates.fast", Address = 10 }] },
                new ModbusPollGroupOptions { Name = "slow", Interval = TimeSpan.FromMilliseconds(500), Points = [new() { TagId = "rates.slow", Address = 11 }] },
            ],
        };
        var source = new ModbusSource(new ModbusSourceOptions { Devices = [device] });
        var writer = new CollectingSampleWriter();
        await RunUntilAsync(source, writer, s => s.Count(x => x.TagId == "rates.slow") >= 4);
        TimeSpan Mean(string tag)
        {
            var t = writer.Samples.Where(s => s.TagId == tag).Select(s => s.SourceTimestamp).ToArray();
            return (t[^1] - t[0]) / (t.Length - 1);
        }
        Assert.InRange(Mean("rates.slow").TotalMilliseconds, 400, 700);
        Assert.InRange(Mean("rates.fast").TotalMilliseconds, 40, 125);
    }

    [Fact]
    public async Task ExceptionResponsesBecomeBadQualityAndAreLoggedOncePerEpisode()
    {
        var logs = new RecordingLoggerFactory();
        var health = new HealthRegistry();
        var device = Device("partly",
            new() { TagId = "ok", Address = 11 },
            new() { TagId = "missing", Address = 1295, Type = ModbusDataType.String, Length = 10 });
        var source = new ModbusSource(new ModbusSourceOptions { Devices = [device] }, logs, health);
        var writer = new CollectingSampleWriter();
        await RunUntilAsync(source, writer, s => s.Count(x => x.TagId == "missing") >= 5 && s.Count(x => x.TagId == "ok") >= 5);

        Assert.All(writer.Samples.Where(s => s.TagId == "missing"), s => Assert.Equal(StatusCodes.BadNodeIdUnknown, s.Quality.Code));
        Assert.All(writer.Samples.Where(s => s.TagId == "ok"), s => Assert.Equal(1001, s.Value.AsInt64));
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("IllegalDataAddress", warning.Message);
        Assert.Contains("BadNodeIdUnknown", warning.Message);
        Assert.Contains("1295", warning.Message);
        Assert.Contains(health.Snapshot(), h => h.Endpoint == "modbus:partly" && h.State == EndpointHealthState.Stopped);
    }

    [Fact]
    public async Task AnUnreachableDeviceGivesBadCommunicationErrorAndBacksOff()
    {
        var logs = new RecordingLoggerFactory();
        var backoff = TimeSpan.FromMilliseconds(300);
        var device = Device("gone", new ModbusPointOptions { TagId = "x", Address = 0 }) with
        {
            Port = FreePort.Next(),
            Backoff = new RetryPolicyOptions { InitialDelay = backoff, MaxDelay = backoff, JitterFactor = 0 },
            PollGroups = [new ModbusPollGroupOptions { Interval = TimeSpan.FromMilliseconds(50), Points = [new() { TagId = "x", Address = 0 }] }],
        };
        var source = new ModbusSource(new ModbusSourceOptions { Devices = [device] }, logs);
        var writer = new CollectingSampleWriter();
        await RunUntilAsync(source, writer, s => s.Count >= 4);

        Assert.All(writer.Samples, s => Assert.Equal(StatusCodes.BadCommunicationError, s.Quality.Code));
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unreachable"));
        // attempts are spaced by the backoff, not by the 50 ms poll interval
        var times = writer.Samples.Take(4).Select(s => s.SourceTimestamp).ToArray();
        for (int i = 1; i < times.Length; i++)
            Assert.True(times[i] - times[i - 1] >= backoff * 0.9, $"attempt {i} came {(times[i] - times[i - 1]).TotalMilliseconds:0} ms after the previous one");
    }

    [Fact]
    public async Task RecoversWhenTheServerComesBackWithoutARestart()
    {
        int port = FreePort.Next();
        var logs = new RecordingLoggerFactory();
        var health = new HealthRegistry();
        var states = new List<EndpointHealthState>();
        health.Changed += h => { lock (states) states.Add(h.State); };
        var device = Device("flaky", new ModbusPointOptions { TagId = "flaky.x", Address = 12 }) with
        {
            Port = port,
            RequestTimeout = TimeSpan.FromMilliseconds(500),
            Backoff = new RetryPolicyOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(300) },
        };
        var source = new ModbusSource(new ModbusSourceOptions { Devices = [device] }, logs, health);
        var writer = new CollectingSampleWriter();
        using var cts = new CancellationTokenSource();
        var server = await PymodbusServer.StartTcpAsync(port: port);
        var run = source.RunAsync(writer, cts.Token);
        PymodbusServer? restarted = null;
        try
        {
            await writer.WaitUntilAsync(s => s.Any(x => x.Quality.IsGood), Guard);
            server.Process.Signal(9);
            await server.Process.WaitForExitAsync(Guard);
            await server.DisposeAsync();
            await writer.WaitUntilAsync(s => s.Any(x => x.Quality.IsBad), Guard);
            int before = writer.Samples.Count;
            restarted = await PymodbusServer.StartTcpAsync(port: port);
            await writer.WaitUntilAsync(s => s.Skip(before).Any(x => x.Quality.IsGood), Guard);
        }
        finally
        {
            // stop the source before the server, or the server's exit would start a second fault episode
            cts.Cancel();
            await run.WaitAsync(Guard);
            if (restarted is not null) await restarted.DisposeAsync();
        }
        var bad = writer.Samples.First(s => s.Quality.IsBad);
        Assert.True(bad.Quality.Code is StatusCodes.BadCommunicationError or StatusCodes.BadTimeout, bad.Quality.Name);
        Assert.Equal(1002, writer.Samples.Last(s => s.Quality.IsGood).Value.AsInt64);
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Device flaky ", StringComparison.Ordinal));
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("answers again", StringComparison.Ordinal));
        lock (states)
        {
            int faulted = states.IndexOf(EndpointHealthState.Faulted);
            Assert.True(faulted > 0 && states.IndexOf(EndpointHealthState.Connected) < faulted && states.LastIndexOf(EndpointHealthState.Connected) > faulted,
                string.Join(", ", states));
        }
    }

    [Fact]
    public async Task ADeadUnitOnTheSameConnectionDoesNotStallALiveOne()
    {
        await using var server = await PymodbusServer.StartTcpAsync(units: "1");
        await SharedLineScenario.RunAsync(new ModbusDeviceOptions { Host = server.Host, Port = server.Port });
    }

    [Fact]
    public void InvalidConfigurationIsRefusedWithWhereAndWhat()
    {
        var options = new ModbusSourceOptions
        {
            Devices =
            [
                new ModbusDeviceOptions { Name = "a", PollGroups = [new() { Points = [new() { TagId = "t", Area = ModbusArea.Coil, Type = ModbusDataType.Int32 }] }] },
                new ModbusDeviceOptions { Name = "a", Transport = ModbusTransportKind.Rtu, UnitId = 0, PollGroups = [] },
            ],
        };
        var error = Assert.Throws<ArgumentException>(() => new ModbusSource(options));
        Assert.Contains("sources.modbus.devices[0] ('a').pollGroups[0] ('default'): point 't': Coil holds bits, so type must be Bool, not Int32", error.Message);
        Assert.Contains("devices[1] ('a'): name 'a' is used twice", error.Message);
        Assert.Contains("transport Rtu needs serial.device", error.Message);
        Assert.Contains("unitId 0 must be 1..247", error.Message);
        Assert.Contains("no pollGroups", error.Message);
    }
}

/// <summary>
/// Two units on one connection, polled every 100 ms: unit 1 answers, unit 3 never does (250 ms timeout). The live
/// unit must keep at least half its rate while the dead one times out and rests; without per-unit backoff the dead
/// unit holds the line nearly all the time and the live one drops to one value per timeout (about 250 ms or worse).
/// </summary>
internal static class SharedLineScenario
{
    public static async Task RunAsync(ModbusDeviceOptions connection)
    {
        var interval = TimeSpan.FromMilliseconds(100);
        ModbusDeviceOptions Unit(string name, int unitId, string tag) => connection with
        {
            Name = name,
            UnitId = unitId,
            RequestTimeout = TimeSpan.FromMilliseconds(250),
            Backoff = new RetryPolicyOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(2), JitterFactor = 0 },
            PollGroups = [new ModbusPollGroupOptions { Interval = interval, Points = [new() { TagId = tag, Address = 10 }] }],
        };
        var logs = new RecordingLoggerFactory();
        var source = new ModbusSource(new ModbusSourceOptions { Devices = [Unit("dead", 3, "dead.x"), Unit("live", 1, "live.x")] }, logs);
        var writer = new CollectingSampleWriter();
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(writer, cts.Token);
        const int wanted = 31;
        try
        {
            await writer.WaitUntilAsync(s => s.Count(x => x.TagId == "live.x" && x.Quality.IsGood) >= wanted, TimeSpan.FromSeconds(20));
        }
        finally
        {
            cts.Cancel();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        var live = writer.Samples.Where(s => s.TagId == "live.x" && s.Quality.IsGood).Take(wanted).Select(s => s.SourceTimestamp).ToArray();
        var mean = (live[^1] - live[0]) / (wanted - 1);
        Assert.True(mean <= interval / 0.5, $"the live unit slowed to one value per {mean.TotalMilliseconds:0} ms (nominal {interval.TotalMilliseconds:0} ms)");
        var dead = writer.Samples.Where(s => s.TagId == "dead.x").ToArray();
        Assert.NotEmpty(dead);
        Assert.All(dead, s => Assert.Equal(StatusCodes.BadTimeout, s.Quality.Code));
        Assert.InRange(dead.Length, 1, 8); // it rested between attempts instead of timing out back to back
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Device dead ", StringComparison.Ordinal));
    }
}
