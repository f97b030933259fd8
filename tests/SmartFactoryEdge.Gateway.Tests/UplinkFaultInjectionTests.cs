using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Mqtt;
using Xunit.Abstractions;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>
/// Issue 4's fault injection with real processes: the simulated line (every sample has a unique id: tag and source
/// timestamp), the `sfe` gateway with its SQLite outbox, Mosquitto, and a recorder that keeps every id it receives.
/// Zero ids may be missing outside the drops the gateway counts; duplicates are reported, not asserted away.
/// </summary>
[Collection("uplink")]
public sealed class UplinkFaultInjectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double RateHz = 20;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-uplink-").FullName;
    private MosquittoBroker _broker = null!;
    private Recorder _recorder = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(persistence: true);
        _recorder = await Recorder.StartAsync(_broker.AnonymousPort);
    }

    public async Task DisposeAsync()
    {
        await _recorder.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static DateTime StartOf(int run) => new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(run);

    private string WriteConfig(int run, long steps, string outboxExtra = "")
    {
        var path = Path.Combine(_dir, $"gateway{run}.yaml");
        File.WriteAllText(path, string.Join("\n",
            "gateway: { id: gw-fault, site: lab, stopWhenSourcesFinish: false, shutdownTimeout: 20s, statusInterval: 300ms }",
            "sources:",
            "  simulator:",
            "    - name: line",
            $"      seed: {run}",
            $"      rateHz: {RateHz}",
            $"      start: {StartOf(run):yyyy-MM-ddTHH:mm:ssZ}",
            $"      maxSamplesPerSignal: {steps}",
            "      machines: [{ kind: furnace, asset: f1 }, { kind: fermenter, asset: b1 }, { kind: pump, asset: p1 }]",
            "mqtt:",
            "  host: 127.0.0.1",
            $"  port: {_broker.AnonymousPort}",
            "  keepAliveSeconds: 2",
            "  retry: { initialDelay: 100ms, maxDelay: 1s }",
            "outbox:",
            "  path: data/outbox.db",
            "  retry: { initialDelay: 100ms, maxDelay: 1s }",
            outboxExtra) + "\n");
        return path;
    }

    private static IReadOnlyList<(string Tag, long Ticks)> ExpectedIds(int run, long steps)
    {
        var sim = new LineSimulator(new SimulatorOptions
        {
            Name = "line",
            Seed = run,
            RateHz = RateHz,
            Machines =
            [
                new SimulatedMachineOptions { Kind = "furnace", Asset = "f1" },
                new SimulatedMachineOptions { Kind = "fermenter", Asset = "b1" },
                new SimulatedMachineOptions { Kind = "pump", Asset = "p1" },
            ],
        }, StartOf(run));
        var ids = new List<(string, long)>();
        var step = new Sample[sim.SignalCount];
        for (long k = 0; k < steps; k++)
        {
            sim.NextStep(step);
            foreach (var s in step) ids.Add((s.TagId, s.SourceTimestamp.Ticks));
        }
        return ids;
    }

    private PeerProcess StartGateway(string config) =>
        PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");

    private static async Task StopGatewayAsync(PeerProcess sfe)
    {
        sfe.Signal(15);
        Assert.Equal(0, await sfe.WaitForExitAsync(Guard));
    }

    private void Report(string scenario, IReadOnlyList<(string, long)> expected, long dropped = 0)
    {
        var missing = expected.Count(id => !_recorder.Ids.ContainsKey(id));
        output.WriteLine($"{scenario}: expected {expected.Count}, received {_recorder.Ids.Count(kv => expected.Contains(kv.Key))} distinct, missing {missing}, dropped (counted) {dropped}, duplicates {_recorder.Duplicates}, replayed batches {_recorder.ReplayedBatches}");
    }

    [Fact]
    public async Task BrokerStoppedForThirtySecondsLosesNothing()
    {
        const long steps = (long)(RateHz * 40);
        var expected = ExpectedIds(1, steps);
        await using var sfe = StartGateway(WriteConfig(1, steps));
        await _recorder.WaitForCountAsync(200, Guard);
        await _broker.StopAsync();
        var outage = int.TryParse(Environment.GetEnvironmentVariable("SFE_OUTAGE_SECONDS"), out var o) ? o : 30;
        await Task.Delay(TimeSpan.FromSeconds(outage)); // the outage itself, not a synchronisation
        await _broker.RestartAsync();
        await _recorder.WaitForAllAsync(expected, Guard);
        await StopGatewayAsync(sfe);
        Report("broker stopped 30 s", expected);
        Assert.Matches(@"dropped 0 sample\(s\)", sfe.Output);
    }

    [Fact]
    public async Task BrokerKilledWithSigkillLosesNothing()
    {
        const long steps = (long)(RateHz * 12);
        var expected = ExpectedIds(2, steps);
        await using var sfe = StartGateway(WriteConfig(2, steps));
        await _recorder.WaitForCountAsync(500, Guard);
        // hold the gateway still while the broker dies and comes back, so the recorder is subscribed before the replay
        sfe.Signal(19);
        await _broker.KillAsync();
        await _broker.RestartAsync();
        await _recorder.WaitForReconnectAsync(Guard);
        sfe.Signal(18);
        await _recorder.WaitForAllAsync(expected, Guard);
        await StopGatewayAsync(sfe);
        Report("broker SIGKILL", expected);
    }

    [Fact]
    public async Task GatewayKilledWithSigkillReplaysEveryCommittedBatchAfterRestart()
    {
        var first = StartGateway(WriteConfig(3, 100_000));
        await _recorder.WaitForCountAsync(1000, Guard);
        first.Signal(9);
        await first.WaitForExitAsync(Guard);
        await first.DisposeAsync();

        const long steps = (long)(RateHz * 5);
        var second = ExpectedIds(4, steps);
        await using var sfe = StartGateway(WriteConfig(4, steps));
        await _recorder.WaitForAllAsync(second, Guard);
        await StopGatewayAsync(sfe);

        // what run 3 delivered is a gap-free prefix of what it generated: committed batches are never lost,
        // only the in-memory queue at the moment of the kill
        var run3 = ExpectedIds(3, 20_000);
        var delivered = run3.Select(id => _recorder.Ids.ContainsKey(id)).ToArray();
        var prefix = Array.IndexOf(delivered, false);
        Assert.True(prefix > 0, "nothing of the first run arrived");
        Assert.DoesNotContain(true, delivered.Skip(prefix));
        Report($"gateway SIGKILL (first run delivered a gap-free prefix of {prefix} samples)", second);
    }

    [Fact]
    public async Task DiskBoundDropsOnlyWhatItCounts()
    {
        const long steps = (long)(RateHz * 20);
        var expected = ExpectedIds(5, steps);
        await using var sfe = StartGateway(WriteConfig(5, steps, "  maxBytes: 64KB\n  fullPolicy: dropOldest"));
        await _recorder.WaitForCountAsync(100, Guard);
        await _broker.StopAsync();
        await sfe.WaitForLineAsync(@"drop", Guard);
        await _broker.RestartAsync();
        // the last step arriving means every earlier sample has been delivered or dropped (batches go in order)
        await _recorder.WaitForAllAsync(expected.TakeLast(13).ToList(), Guard);
        // the status document on the metrics topic reports the drops once the backlog is through
        var status = await _recorder.WaitForStatusAsync(s => !s.TryGetProperty("state", out _) && s.GetProperty("outbox").GetProperty("droppedSamples").GetInt64() > 0
            && s.GetProperty("outbox").GetProperty("pendingSamples").GetInt64() == 0, Guard);
        await StopGatewayAsync(sfe);
        var m = Regex.Match(sfe.Output, @"dropped (\d+) sample\(s\) \(last drop reason: (\S+)\); (\d+) sample\(s\) pending");
        Assert.True(m.Success, sfe.Output);
        var dropped = long.Parse(m.Groups[1].Value);
        Assert.True(dropped > 0, "the bound was never hit");
        Assert.Equal("0", m.Groups[3].Value);
        var missing = expected.Count(id => !_recorder.Ids.ContainsKey(id));
        Report("disk bound", expected, dropped);
        Assert.Equal(dropped, missing);
        Assert.Equal(dropped, status.GetProperty("outbox").GetProperty("droppedSamples").GetInt64());
        Assert.Equal("max-bytes", status.GetProperty("outbox").GetProperty("lastDropReason").GetString());
        // and the retained state says so too
        var state = await _recorder.WaitForStatusAsync(s => s.TryGetProperty("state", out _) && s.TryGetProperty("outbox", out _) && s.GetProperty("outbox").GetProperty("droppedSamples").GetInt64() == dropped, Guard);
        Assert.Equal("online", state.GetProperty("state").GetString());
    }

    [Fact]
    public async Task CorruptedOutboxIsMovedAsideAndTheGatewayCarriesOn()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        var outbox = Path.Combine(_dir, "data", "outbox.db");
        await File.WriteAllBytesAsync(outbox, Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        const long steps = (long)(RateHz * 4);
        var expected = ExpectedIds(6, steps);
        await using var sfe = StartGateway(WriteConfig(6, steps));
        await _recorder.WaitForAllAsync(expected, Guard);
        await StopGatewayAsync(sfe);
        Assert.Contains(Directory.GetFiles(Path.Combine(_dir, "data")), f => f != outbox && Path.GetFileName(f).StartsWith("outbox.db", StringComparison.Ordinal) && !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal));
        Assert.Matches("(?i)moved aside|moved .*aside|corrupt", sfe.Output);
        Report("corrupted outbox", expected);
    }

    /// <summary>A QoS 1 subscriber with a persistent session that keeps every sample id it receives.</summary>
    private sealed class Recorder : IAsyncDisposable
    {
        private readonly MqttClient _client;
        private readonly object _gate = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _countWaiters = [];
        private TaskCompletionSource _reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _connections;
        private long _duplicates;
        private long _replayed;

        private Recorder(MqttClient client) => _client = client;

        public ConcurrentDictionary<(string, long), int> Ids { get; } = new();

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public long ReplayedBatches => Interlocked.Read(ref _replayed);

        public static async Task<Recorder> StartAsync(int port)
        {
            var client = new MqttClient(new MqttClientOptions
            {
                Port = port,
                ClientId = "recorder-" + Guid.NewGuid().ToString("N")[..8],
                CleanStart = false,
                SessionExpiryInterval = 3600,
                KeepAlive = TimeSpan.FromSeconds(2),
                Reconnect = new Core.Retry.RetryPolicyOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100), JitterFactor = 0 },
            });
            var recorder = new Recorder(client);
            client.ApplicationMessageReceivedAsync += e =>
            {
                if (e.ApplicationMessage.Topic.EndsWith("/metrics", StringComparison.Ordinal) || e.ApplicationMessage.Topic.EndsWith("/state", StringComparison.Ordinal))
                    recorder.OnStatus(e.ApplicationMessage.Payload.Span);
                else recorder.OnMessage(e.ApplicationMessage.Payload.Span);
                return Task.CompletedTask;
            };
            client.ConnectedAsync += async _ =>
            {
                await client.SubscribeAsync("sfe/v1/+/+/telemetry", MqttQualityOfService.AtLeastOnce);
                await client.SubscribeAsync("sfe/v1/+/+/metrics", MqttQualityOfService.AtMostOnce);
                await client.SubscribeAsync("sfe/v1/+/+/state", MqttQualityOfService.AtLeastOnce);
                if (Interlocked.Increment(ref recorder._connections) > 1) recorder._reconnected.TrySetResult();
            };
            await client.ConnectAsync();
            await client.SubscribeAsync("sfe/v1/+/+/telemetry", MqttQualityOfService.AtLeastOnce);
            await client.SubscribeAsync("sfe/v1/+/+/metrics", MqttQualityOfService.AtMostOnce);
            await client.SubscribeAsync("sfe/v1/+/+/state", MqttQualityOfService.AtLeastOnce);
            return recorder;
        }

        public async Task WaitForReconnectAsync(TimeSpan guard)
        {
            await _reconnected.Task.WaitAsync(guard);
            _reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public Task WaitForCountAsync(int count, TimeSpan guard)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (Ids.Count >= count) return Task.CompletedTask;
                _countWaiters.Add((count, tcs));
            }
            return tcs.Task.WaitAsync(guard);
        }

        public async Task WaitForAllAsync(IReadOnlyList<(string, long)> ids, TimeSpan guard)
        {
            var deadline = DateTime.UtcNow + guard;
            var remaining = ids.Where(id => !Ids.ContainsKey(id)).ToList();
            while (remaining.Count > 0)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{remaining.Count} of {ids.Count} ids never arrived, e.g. {remaining[0]}");
                // wake on the next message rather than polling on a timer
                await WaitForCountAsync(Ids.Count + 1, deadline - DateTime.UtcNow).ConfigureAwait(false);
                remaining.RemoveAll(Ids.ContainsKey);
            }
        }

        private readonly List<(Func<JsonElement, bool> Predicate, TaskCompletionSource<JsonElement> Done)> _statusWaiters = [];

        /// <summary>Waits for a status document on the metrics topic that satisfies <paramref name="predicate"/>.</summary>
        public Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> predicate, TimeSpan guard)
        {
            var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                // the retained state changes rarely: the latest one already received may be the answer
                foreach (var seen in _latestStatus)
                {
                    if (Matches(predicate, seen)) return Task.FromResult(seen);
                }
                _statusWaiters.Add((predicate, tcs));
            }
            return tcs.Task.WaitAsync(guard);
        }

        private readonly List<JsonElement> _latestStatus = [];

        private static bool Matches(Func<JsonElement, bool> predicate, JsonElement document)
        {
            try
            {
                return predicate(document);
            }
            catch (KeyNotFoundException)
            {
                return false; // a document of another shape (a birth without the counters)
            }
        }

        private void OnStatus(ReadOnlySpan<byte> payload)
        {
            using var json = JsonDocument.Parse(payload.ToArray());
            var root = json.RootElement.Clone();
            lock (_gate)
            {
                _latestStatus.Add(root);
                for (int i = _statusWaiters.Count - 1; i >= 0; i--)
                {
                    if (!Matches(_statusWaiters[i].Predicate, root)) continue;
                    _statusWaiters[i].Done.TrySetResult(root);
                    _statusWaiters.RemoveAt(i);
                }
            }
        }

        private void OnMessage(ReadOnlySpan<byte> payload)
        {
            using var json = JsonDocument.Parse(payload.ToArray());
            if (json.RootElement.GetProperty("replayed").GetBoolean()) Interlocked.Increment(ref _replayed);
            foreach (var s in json.RootElement.GetProperty("samples").EnumerateArray())
            {
                var id = (s.GetProperty("tag").GetString()!, s.GetProperty("ts").GetDateTime().ToUniversalTime().Ticks);
                if (Ids.AddOrUpdate(id, 1, (_, n) => n + 1) > 1) Interlocked.Increment(ref _duplicates);
            }
            List<TaskCompletionSource>? done = null;
            lock (_gate)
            {
                for (int i = _countWaiters.Count - 1; i >= 0; i--)
                {
                    if (Ids.Count < _countWaiters[i].Count) continue;
                    (done ??= []).Add(_countWaiters[i].Done);
                    _countWaiters.RemoveAt(i);
                }
            }
            done?.ForEach(t => t.TrySetResult());
        }

        public async ValueTask DisposeAsync() => await _client.DisposeAsync();
    }
}
