using System.Diagnostics;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session.Reconnect;
using SmartFactoryEdge.OpcUa.Source;

namespace SmartFactoryEdge.OpcUa.Tests.Integration;

public sealed class RestartableServerFixture : OpcUaServerFixture
{
    protected override string[] Arguments => ["--load", "20", "--load-ms", "100", "--large", "10"];
}

/// <summary>The source end to end against node-opcua, including a killed and a frozen (SIGSTOP) server.</summary>
public class OpcUaSourceTests(RestartableServerFixture fixture) : IClassFixture<RestartableServerFixture>
{
    private OpcUaEndpointOptions Options() => new()
    {
        Name = "sim",
        EndpointUrl = fixture.Url,
        SecurityPolicy = "None",
        PublishingIntervalMs = 200,
        MaxKeepAliveCount = 5,
        Tags =
        [
            new() { Id = "press.temperature", BrowsePath = "Objects/Line1/Press01/Temperature", SamplingIntervalMs = 100 },
            new() { Id = "press.pressure", NodeId = "ns=1;s=Line1.Press01.Pressure", Deadband = new() { Type = DeadbandType.Absolute, Value = 0.01 } },
            new() { Id = "press.state", NodeId = "ns=1;s=Line1.Press01.State", PublishingIntervalMs = 500 },
            new() { Id = "load.0", NodeId = "ns=1;s=Load.Var0000", SamplingIntervalMs = 0, QueueSize = 5 },
            new() { Id = "missing", BrowsePath = "Objects/Line1/Nope" },
        ],
    };

    private static async Task<(Task Run, CancellationTokenSource Stop)> StartAsync(OpcUaSource source, CollectingWriter writer)
    {
        var stop = new CancellationTokenSource();
        var run = source.RunAsync(writer, stop.Token);
        await writer.WaitForAsync(s => s.TagId == "load.0" && s.Quality.IsGood, TimeSpan.FromSeconds(20));
        return (run, stop);
    }

    [Fact]
    public async Task SamplesCarrySourceTimestampQualityAndEngineeringUnit()
    {
        var writer = new CollectingWriter();
        var health = new HealthRegistry();
        long measured = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == OpcUaMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "sfe.opcua.values") Interlocked.Add(ref measured, value);
        });
        listener.Start();
        var source = new OpcUaSource(Options(), health);
        var (run, stop) = await StartAsync(source, writer);
        var temp = await writer.WaitForAsync(s => s.TagId == "press.temperature", TimeSpan.FromSeconds(10), includeExisting: true);
        await writer.WaitForAsync(s => s.TagId == "press.state", TimeSpan.FromSeconds(10), includeExisting: true);
        stop.Cancel();
        await run;
        Assert.Equal("°C", temp.Unit);
        Assert.True(temp.Quality.IsGood);
        Assert.InRange(temp.Value.AsDouble, 30, 90);
        Assert.True(temp.SourceTimestamp > DateTime.UtcNow.AddMinutes(-1) && temp.SourceTimestamp <= temp.ReceivedTimestamp.AddSeconds(1));
        var samples = writer.Samples;
        Assert.Contains(samples, s => s.TagId == "missing" && s.Quality.Code == StatusCodes.BadNodeIdUnknown);
        Assert.Contains(samples, s => s.TagId == "press.state" && s.Value.AsString is "Idle" or "Running" or "Alarm");
        Assert.Contains(samples, s => s.TagId == "press.pressure" && s.Unit is null);
        Assert.Equal(EndpointHealthState.Stopped, health.Snapshot().Single().State);
        Assert.True(Interlocked.Read(ref measured) > 0);
        Assert.True(source.SamplesWritten >= Interlocked.Read(ref measured));
    }

    [Fact]
    public async Task ServerKilledAndRestartedDataFlowsAgainWithinTenSeconds()
    {
        var writer = new CollectingWriter();
        var health = new HealthRegistry();
        var source = new OpcUaSource(Options(), health);
        var (run, stop) = await StartAsync(source, writer);
        await source.Client!.FirstConnected.WaitAsync(TimeSpan.FromSeconds(20));
        var reconnected = new TaskCompletionSource<ReconnectOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Client!.Connected += o => reconnected.TrySetResult(o);
        var outage = writer.WaitForAsync(s => s.TagId == "load.0" && s.Quality.Code == StatusCodes.BadNotConnected, TimeSpan.FromSeconds(10));
        await fixture.Server.KillAsync();
        await outage;
        Assert.Contains(health.Snapshot(), h => h.State is EndpointHealthState.Faulted or EndpointHealthState.Connecting);
        await fixture.Server.RestartAsync();
        var back = Stopwatch.StartNew();
        var sample = await writer.WaitForAsync(s => s.TagId == "load.0" && s.Quality.IsGood, TimeSpan.FromSeconds(10));
        back.Stop();
        var outcome = await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel();
        await run;
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(10), $"data back after {back.Elapsed}");
        Assert.Equal(ReconnectOutcome.Recreated, outcome); // a restarted server knows neither the session nor its subscriptions
        Assert.True(sample.Quality.IsGood);
    }

    [Fact]
    public async Task FrozenServerIsDetectedAndRecovered()
    {
        var writer = new CollectingWriter();
        var health = new HealthRegistry();
        var faulted = new TaskCompletionSource<EndpointHealth>(TaskCreationOptions.RunContinuationsAsynchronously);
        health.Changed += h => { if (h.State == EndpointHealthState.Faulted) faulted.TrySetResult(h); };
        var source = new OpcUaSource(Options(), health);
        var (run, stop) = await StartAsync(source, writer);
        var client = source.Client!;
        await client.FirstConnected.WaitAsync(TimeSpan.FromSeconds(20));
        var connectsBefore = client.Connects;
        fixture.Server.Pause();
        var detect = Stopwatch.StartNew();
        EndpointHealth fault;
        try
        {
            fault = await faulted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            detect.Stop();
        }
        finally
        {
            fixture.Server.Resume();
        }
        // keep-alive budget: 500 ms x 5 (+ 1 s grace) for the slowest subscription; slack for a busy 2-core machine
        Assert.True(detect.Elapsed < TimeSpan.FromSeconds(6), $"detected after {detect.Elapsed}: {fault.Reason}");
        var sample = await writer.WaitForAsync(s => s.TagId == "load.0" && s.Quality.IsGood, TimeSpan.FromSeconds(15));
        stop.Cancel();
        await run;
        Assert.True(client.Connects > connectsBefore);
        Assert.Contains(client.LastOutcome, new[] { ReconnectOutcome.Reactivated, ReconnectOutcome.Transferred, ReconnectOutcome.Recreated });
        Assert.True(sample.Quality.IsGood);
    }
}
