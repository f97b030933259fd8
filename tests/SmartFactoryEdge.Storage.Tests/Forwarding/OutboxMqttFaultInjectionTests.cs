using System.Runtime.InteropServices;
using System.Text.Json;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.Storage.Forwarding;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Storage.Tests.Support;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Mqtt;
using Xunit.Abstractions;

namespace SmartFactoryEdge.Storage.Tests.Forwarding;

/// <summary>
/// Fault injection with real processes: numbered samples go through the outbox and the forwarder, then the MQTT telemetry sink,
/// then a real Mosquitto, and a real subscriber (mosquitto_sub, persistent session, QoS 1) records every id. The broker is
/// stopped mid-stream, or SIGKILLed, or the disk bound is hit during an outage. Zero ids may be missing outside the counted
/// drops. Duplicates (at-least-once) are reported, not asserted away. The gateway kill -9 case is <see cref="Outbox.SqliteOutboxKillTests"/>
/// at the outbox level, and the full `sfe` process version belongs to the integration suite.
/// </summary>
public class OutboxMqttFaultInjectionTests(ITestOutputHelper output) : IDisposable
{
    private const string Site = "fi";
    private const string Gateway = "gw-fi";
    private const int BatchSamples = 100;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task BrokerStoppedMidStreamAndRestartedLosesNothing()
    {
        if (!MosquittoBroker.IsInstalled) Assert.Fail("mosquitto is not installed (scripts/install.d/10-peers.sh)");
        await using var rig = await Rig.StartAsync(_dir.File(), null);
        var reachedStop = Signal();
        var reachedRestart = Signal();
        var stopped = Signal();
        var restarted = Signal();
        const int total = 300;
        // batches 100..199 are appended while the broker is down; batches before 100 are partly in flight when it stops
        var source = rig.AppendAsync(0, total, async i =>
        {
            if (i == 100) { reachedStop.TrySetResult(); await stopped.Task; }
            if (i == 200) { reachedRestart.TrySetResult(); await restarted.Task; }
        });
        await reachedStop.Task.WaitAsync(Guard);
        await rig.Broker.StopAsync();
        stopped.TrySetResult();
        await reachedRestart.Task.WaitAsync(Guard);
        await rig.Broker.RestartAsync();
        restarted.TrySetResult();
        await source.WaitAsync(Guard);

        var report = await rig.CollectAsync(total * BatchSamples);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Missing);
        Assert.Equal(0, rig.Outbox.GetStats().DroppedSamples);
    }

    [Fact]
    public async Task BrokerKilledWithSigkillLosesNothingTheOutboxHeld()
    {
        if (!MosquittoBroker.IsInstalled) Assert.Fail("mosquitto is not installed (scripts/install.d/10-peers.sh)");
        await using var rig = await Rig.StartAsync(_dir.File(), null);
        // phase 1 is delivered completely: what a SIGKILLed broker had already acknowledged and passed on is safe
        await rig.AppendAsync(0, 100, null);
        await rig.WaitDeliveredAsync(100 * BatchSamples - 1);
        Assert.Contains("Saving in-memory database", rig.Broker.Output);
        rig.KillBroker();
        await rig.Broker.StopAsync();

        // phase 2 is appended while the broker is dead; phase 3 after it is back
        await rig.AppendAsync(100, 200, null);
        await rig.Broker.RestartAsync();
        await rig.AppendAsync(200, 300, null);

        var report = await rig.CollectAsync(300 * BatchSamples);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Missing);
        Assert.Equal(0, rig.Outbox.GetStats().DroppedSamples);
    }

    [Fact]
    public async Task TheBacklogGoesOutAsSoonAsTheBrokerIsBackNotAfterTheBackoff()
    {
        if (!MosquittoBroker.IsInstalled) Assert.Fail("mosquitto is not installed (scripts/install.d/10-peers.sh)");
        // a ten-minute forwarder backoff: only the uplink's reconnect can start the replay within the guard
        await using var rig = await Rig.StartAsync(_dir.File(), null, forwarderBackoff: TimeSpan.FromMinutes(10));
        await rig.AppendAsync(0, 20, null);
        await rig.WaitDeliveredAsync(20 * BatchSamples - 1);
        long connections = rig.Sink.Connections;
        await rig.Broker.StopAsync();
        await rig.AppendAsync(20, 120, null);
        await rig.Broker.RestartAsync();

        var report = await rig.CollectAsync(120 * BatchSamples);
        output.WriteLine(report.ToString());
        Assert.Empty(report.Missing);
        Assert.True(rig.Sink.Connections > connections, "the sink did not count its reconnect");
        Assert.True(report.PublishFailures > 0, "the outage never reached the forwarder");
    }

    [Fact]
    public async Task DiskBoundDuringOutageDropsExactlyTheMissingIds()
    {
        if (!MosquittoBroker.IsInstalled) Assert.Fail("mosquitto is not installed (scripts/install.d/10-peers.sh)");
        await using var rig = await Rig.StartAsync(_dir.File(), o => o with { MaxBytes = 128 * 1024, FullPolicy = OutboxFullPolicy.DropOldest });
        await rig.AppendAsync(0, 50, null);
        await rig.WaitDeliveredAsync(50 * BatchSamples - 1);
        await rig.Broker.StopAsync();
        // about 1.4 KB per stored batch of 100 samples: 250 batches overflow the 128 KiB bound several times
        await rig.AppendAsync(50, 300, null);
        await rig.Broker.RestartAsync();
        await rig.AppendAsync(300, 320, null);

        var report = await rig.CollectAsync(320 * BatchSamples);
        output.WriteLine(report.ToString());
        var stats = rig.Outbox.GetStats();
        Assert.True(stats.DroppedSamples > 0, "the bound was never hit");
        Assert.Equal(stats.DroppedSamples, report.Missing.Count);
        Assert.Equal("max-bytes", stats.LastDropReason);
    }

    private static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Report(int Expected, int Received, int Unique, int Duplicates, int ReplayedMessages, IReadOnlyList<long> Missing, long PublishFailures)
    {
        public override string ToString() =>
            $"expected {Expected} ids, received {Received} ({Unique} unique, {Duplicates} duplicates, {ReplayedMessages} messages marked replayed), missing {Missing.Count}, forwarder publish failures {PublishFailures}";
    }

    /// <summary>The processes and the in-process outbox, forwarder and MQTT sink of one scenario.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private Task _forwarding = Task.CompletedTask;

        private Rig(MosquittoBroker broker, PeerProcess subscriber, MqttTelemetrySink sink, SqliteOutbox outbox, TimeSpan forwarderBackoff)
        {
            Broker = broker;
            Subscriber = subscriber;
            Sink = sink;
            Outbox = outbox;
            Forwarder = new OutboxForwarder(outbox, sink,
                retryPolicy: new ExponentialBackoffRetryPolicy(new RetryPolicyOptions { InitialDelay = forwarderBackoff, MaxDelay = forwarderBackoff * 6 }));
        }

        public MosquittoBroker Broker { get; }
        public PeerProcess Subscriber { get; }
        public MqttTelemetrySink Sink { get; }
        public SqliteOutbox Outbox { get; }
        public OutboxForwarder Forwarder { get; }

        public static async Task<Rig> StartAsync(string path, Func<OutboxOptions, OutboxOptions>? configure, TimeSpan? forwarderBackoff = null)
        {
            var broker = await MosquittoBroker.StartAsync(persistence: true);
            // stdbuf: mosquitto_sub block-buffers stdout into a pipe; line buffering lets the test see each message as it arrives
            var subscriber = PeerProcess.Start("stdbuf",
                ["-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", broker.AnonymousPort.ToString(), "-q", "1", "-c", "-i", "sfe-fi-sub-" + Guid.NewGuid().ToString("N")[..8],
                 "-t", $"sfe/v1/{Site}/{Gateway}/telemetry", "-d"], name: "mosquitto_sub");
            await subscriber.WaitForLineAsync("received SUBACK", Guard);
            // persist the subscriber's session now, so that even a SIGKILLed broker comes back with it
            Native.kill(BrokerPid(broker), 10);
            var sink = new MqttTelemetrySink(new MqttSinkOptions
            {
                Host = "127.0.0.1",
                Port = broker.AnonymousPort,
                Site = Site,
                GatewayId = Gateway,
                KeepAliveSeconds = 5,
                SubscribeCommands = false,
                Retry = new RetryPolicyOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(500) },
            });
            await sink.StartAsync(CancellationToken.None);
            var outbox = SqliteOutbox.Open(TestData.Options(path, o => configure is null ? o with { BatchSize = BatchSamples } : configure(o with { BatchSize = BatchSamples })), Gateway);
            var rig = new Rig(broker, subscriber, sink, outbox, forwarderBackoff ?? TimeSpan.FromMilliseconds(50));
            rig._forwarding = rig.Forwarder.RunAsync(rig._cts.Token);
            return rig;
        }

        /// <summary>Appends batches [from, to) of numbered samples (ids batch*100 ...), calling <paramref name="before"/> before each.</summary>
        public async Task AppendAsync(int from, int to, Func<int, Task>? before)
        {
            await Task.Yield();
            for (int i = from; i < to; i++)
            {
                if (before is not null) await before(i);
                var result = await Outbox.AppendAsync(TestData.Numbered((long)i * BatchSamples, BatchSamples), CancellationToken.None);
                Assert.False(result.Dropped);
            }
        }

        public Task WaitDeliveredAsync(long lastId) => Subscriber.WaitForLineAsync($"\"value\":{lastId},", Guard);

        /// <summary>Waits until the outbox is empty and the last id arrived, then tallies what the subscriber got.</summary>
        public async Task<Report> CollectAsync(int expected)
        {
            var empty = Signal();
            void OnChanged() { if (Outbox.GetStats().PendingBatches == 0) empty.TrySetResult(); }
            Outbox.StateChanged += OnChanged;
            try
            {
                OnChanged();
                await empty.Task.WaitAsync(Guard);
            }
            finally
            {
                Outbox.StateChanged -= OnChanged;
            }
            await WaitDeliveredAsync(expected - 1);

            var counts = new Dictionary<long, int>();
            int received = 0, replayed = 0;
            foreach (var line in Subscriber.Output.Split('\n'))
            {
                if (!line.StartsWith('{')) continue;
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("replayed").GetBoolean()) replayed++;
                foreach (var s in doc.RootElement.GetProperty("samples").EnumerateArray())
                {
                    var id = s.GetProperty("value").GetInt64();
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                    received++;
                }
            }
            var missing = Enumerable.Range(0, expected).Select(i => (long)i).Where(i => !counts.ContainsKey(i)).ToArray();
            return new Report(expected, received, counts.Count, received - counts.Count, replayed, missing, Forwarder.Failures);
        }

        public void KillBroker() => Native.kill(BrokerPid(Broker), 9);

        public async ValueTask DisposeAsync()
        {
            _cts.Cancel();
            await _forwarding.WaitAsync(Guard);
            Outbox.Dispose();
            await Sink.DisposeAsync();
            await Subscriber.DisposeAsync();
            await Broker.DisposeAsync();
            _cts.Dispose();
        }

        /// <summary>The pid of this test's own Mosquitto, found by its unique config path.</summary>
        private static int BrokerPid(MosquittoBroker broker)
        {
            var conf = Path.Combine(broker.Directory, "mosquitto.conf");
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmdline.StartsWith("mosquitto ", StringComparison.Ordinal) && cmdline.Contains(conf, StringComparison.Ordinal)) return pid;
                }
                catch (IOException)
                {
                    // the process went away
                }
            }
            throw new InvalidOperationException($"No mosquitto process with config {conf}.");
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int sig);
    }
}
