using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmartFactoryEdge.Center.Evaluation;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Models;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Gateway.Cli;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Mqtt;
using Xunit.Abstractions;

namespace SmartFactoryEdge.Gateway.Tests.Models;

/// <summary>
/// The demo flow end to end with real processes: Mosquitto, the `sfe` gateway running a simulated line with anomalies
/// injected at fixed times (labels CSV), `sfe center run` ingesting into SQLite, and `sfe center train` / `rollback`
/// closing the loop while samples flow. Asserts: dataset rows equal samples sent; a model trained, pushed, hot-swapped
/// mid-stream and rolled back, with every sample of the asset scored exactly once across the swaps; the state and the
/// events carry the model version; both audit logs intact; every injected window detected or reported missed.
/// </summary>
[Collection("uplink")]
public sealed class DemoFlowTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int RateHz = 20;
    private const int Seconds = 36;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private static readonly string[] PumpTags = ["pump1.vibrationRms", "pump1.motorCurrent", "pump1.pressure", "pump1.flow"];
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-demoflow-").FullName;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string WriteConfig()
    {
        var path = Path.Combine(_dir, "demo.yaml");
        File.WriteAllText(path, $$"""
            gateway: { id: demo-gw, site: lab, statusInterval: 300ms, stopWhenSourcesFinish: false, shutdownTimeout: 20s }
            assets:
              - { id: pump1, name: Cooling water pump 1, kind: pump, industry: mobility, signals: [pump1.vibrationRms, pump1.motorCurrent, pump1.pressure, pump1.flow] }
            sources:
              simulator:
                - name: line1
                  seed: 42
                  rateHz: {{RateHz}}
                  maxSamplesPerSignal: {{RateHz * Seconds}}
                  machines:
                    - { kind: furnace, asset: furnace1, zones: 3, cycle: 30m }
                    - { kind: fermenter, asset: fermenter1, cycle: 1h }
                    - { kind: pump, asset: pump1, cycle: 2h }
                  anomalies:
                    - { tag: pump1.vibrationRms, kind: levelShift, at: 22s, duration: 6s, magnitude: 10 }
                    - { tag: furnace1.zone2.temperature, kind: spike, at: 25s, magnitude: 15 }
                    - { tag: fermenter1.pH, kind: drift, at: 27s, duration: 6s, magnitude: 30 }
                  labels: labels.csv
            anomaly:
              tags:
                - tag: furnace1.zone2.temperature
                  detectors: [{ kind: iid-spike, parameters: { confidence: 99.9 } }]
                - tag: pump1.vibrationRms
                  detectors: [{ kind: cusum, parameters: { trainingSamples: 100 } }]
                - tag: fermenter1.pH
                  detectors: [{ kind: ewma, parameters: { lambda: 0.1, trainingSamples: 200 } }]
            mqtt: { host: 127.0.0.1, port: {{_broker.AnonymousPort}} }
            outbox: { path: data/outbox.db }
            """ + "\n");
        return path;
    }

    private PeerProcess Sfe(string name, params string[] args) => PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), args, _dir, name: name);

    private async Task<string> RunCenterVerbAsync(string pattern, params string[] args)
    {
        await using var p = Sfe("sfe-center-" + args[0], ["center", .. args, "--connection", Path.Combine(_dir, "center.db"), "--port", _broker.AnonymousPort.ToString(CultureInfo.InvariantCulture)]);
        var code = await p.WaitForExitAsync(Guard);
        output.WriteLine(p.Output);
        Assert.True(code == 0, $"sfe center {args[0]} exited with {code}: {p.Output}");
        return Regex.Match(p.Output, pattern).Groups[1].Value;
    }

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheLoopClosesWhileSamplesFlow()
    {
        await using var watch = await Watcher.StartAsync(_broker.AnonymousPort, "sfe/v1/lab/demo-gw/#");
        await using var center = Sfe("sfe-center", "center", "run", "--connection", Path.Combine(_dir, "center.db"), "--port", _broker.AnonymousPort.ToString(CultureInfo.InvariantCulture));
        await center.WaitForLineAsync("ingesting", Guard);
        await using var gateway = Sfe("sfe", "run", "--config", WriteConfig());

        // baseline, train v1 on the first 8 s of pump1's data; the center has it once later samples arrive
        var start = await watch.WaitForSampleAsync("pump1.flow", _ => true, Guard);
        await watch.WaitForSampleAsync("pump1.flow", t => t >= start.AddSeconds(10), Guard);
        var v1 = await RunCenterVerbAsync(@"model (\S+@[0-9a-f]{12})", "train", "--asset", "pump1", "--from", Iso(start), "--to", Iso(start.AddSeconds(8)));
        var state = await watch.WaitForStateAsync(s => Model(s)?.GetProperty("version").GetString() == v1, Guard);

        // a second model on a longer window replaces it mid-stream
        await watch.WaitForSampleAsync("pump1.flow", t => t >= start.AddSeconds(14), Guard);
        var v2 = await RunCenterVerbAsync(@"model (\S+@[0-9a-f]{12})", "train", "--asset", "pump1", "--from", Iso(start), "--to", Iso(start.AddSeconds(12)));
        Assert.NotEqual(v1, v2);
        state = await watch.WaitForStateAsync(s => Model(s)?.GetProperty("version").GetString() == v2, Guard);
        Assert.Equal(v1, Model(state)!.Value.GetProperty("previousVersion").GetString());

        // and is rolled back before the injected anomalies
        await watch.WaitForSampleAsync("pump1.flow", t => t >= start.AddSeconds(17), Guard);
        var back = await RunCenterVerbAsync(@"-> model (\S+@[0-9a-f]{12})", "rollback", "--asset", "pump1");
        Assert.Equal(v1, back);
        state = await watch.WaitForStateAsync(s => Model(s)?.GetProperty("version").GetString() == v1, Guard);
        Assert.Equal(v2, Model(state)!.Value.GetProperty("previousVersion").GetString());

        // the line runs to its end; everything sent reaches the center's dataset
        var signals = 5 + 3 + 4;
        var sent = RateHz * Seconds * signals;
        var metrics = await watch.WaitForMetricsAsync(m => m.GetProperty("pipeline").GetProperty("accepted").GetInt64() == sent
            && m.GetProperty("outbox").GetProperty("pendingSamples").GetInt64() == 0, Guard);
        await using var store = new SqliteCenterStore(Path.Combine(_dir, "center.db"));
        await store.InitializeAsync(default);
        var rows = new List<SampleRow>();
        for (var attempt = 0; ; attempt++)
        {
            rows.Clear();
            await foreach (var r in store.ReadSamplesAsync(new SampleQuery(0, long.MaxValue / 20), default)) rows.Add(r);
            if (rows.Count >= sent || attempt > 100) break;
            await watch.NextMessageAsync(TimeSpan.FromMilliseconds(200)); // the center stores right after the broker delivers
        }
        Assert.Equal(sent, rows.Count);
        Assert.Equal(sent, rows.Select(r => (r.Tag, r.SourceMicros)).Distinct().Count());

        // every pump1 sample from the first activation on was scored by exactly one model version
        var model = Model(metrics)!.Value;
        var scored = model.GetProperty("scored").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(new[] { v1, v2 }.Order(StringComparer.Ordinal), scored.Keys.Order(StringComparer.Ordinal));
        Assert.All(scored.Values, n => Assert.True(n > 0));
        var first = model.GetProperty("firstSample").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDateTime().ToUniversalTime());
        var last = model.GetProperty("lastSample").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDateTime().ToUniversalTime());
        var from = UnixMicros.From(first[v1]);
        // up to the last sample the metrics snapshot counted: samples after it were scored after the snapshot was taken
        var to = UnixMicros.From(last.Values.Max());
        var pumpRowsSinceFirstModel = rows.Count(r => PumpTags.Contains(r.Tag) && r.SourceMicros >= from && r.SourceMicros <= to);
        output.WriteLine($"scored {string.Join(", ", scored.Select(kv => $"{kv.Key}: {kv.Value}"))}; pump1 rows since {first[v1]:o}: {pumpRowsSinceFirstModel}");
        Assert.Equal(pumpRowsSinceFirstModel, scored.Values.Sum());
        Assert.True(first[v2] > first[v1] && last[v2] < last[v1], "v2 ran inside v1's span (v1, then v2, then v1 again)");

        // events carry the model version; the model's own detectors report theirs
        var events = await store.ReadAnomaliesAsync(new SampleQuery(0, long.MaxValue / 20), default);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.ModelVersion)));
        Assert.All(events.Where(e => e.Detector.StartsWith("model-", StringComparison.Ordinal)), e => Assert.Contains(e.ModelVersion, new[] { v1, v2 }));

        // both audit logs: every change, chain intact
        var gatewayAudit = File.ReadAllLines(Path.Combine(_dir, "data", "models", "audit.jsonl"));
        Assert.Equal(3, gatewayAudit.Count(l => l.Contains("\"action\":\"activated\"", StringComparison.Ordinal)));
        Assert.Equal(0, ModelAuditLog.Verify(Path.Combine(_dir, "data", "models", "audit.jsonl")));
        var centerAudit = Path.Combine(_dir, "center-models", "audit.jsonl");
        Assert.Single(File.ReadAllLines(centerAudit), l => l.Contains("\"action\":\"rollback\"", StringComparison.Ordinal));
        Assert.Equal(0, ModelAuditLog.Verify(centerAudit));

        // detected vs injected: each injected window is reported detected or missed; the pump's level shift is detected
        var labels = InjectedLabel.ParseCsv(await File.ReadAllTextAsync(Path.Combine(_dir, "labels.csv")));
        Assert.Equal(3, labels.Count);
        var score = await CenterModelCommands.ScoreAsync(store, labels, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10), default);
        foreach (var line in score.Report()) output.WriteLine(line);
        Assert.Equal(3, score.Injected);
        Assert.Equal(score.Injected, score.Detected + score.Missed);
        Assert.Equal(3, score.Report().Count(l => l.Contains("DETECTED", StringComparison.Ordinal) || l.Contains("MISSED", StringComparison.Ordinal)));
        Assert.True(score.Outcomes.Single(o => o.Label.Tag == "pump1.vibrationRms").Detected, string.Join("\n", score.Report()));

        // the center kept the gateway's AAS (retained aas topic) and puts the asset's metadata into the dataset manifest
        var export = await SmartFactoryEdge.Center.Export.DatasetExporter.ExportAsync(store, new SmartFactoryEdge.Center.Export.DatasetExportOptions
        {
            FromUtc = start.AddMinutes(-1), ToUtc = start.AddMinutes(5), Asset = "pump1", OutputDirectory = Path.Combine(_dir, "dataset"),
        }, default);
        Assert.Equal(RateHz * Seconds * PumpTags.Length, export.Rows);
        using (var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(export.ManifestPath)))
        {
            var asset = Assert.Single(manifest.RootElement.GetProperty("assets").EnumerateArray());
            Assert.Equal("Cooling water pump 1", asset.GetProperty("name").GetString());
            Assert.Equal("urn:sfe:lab:demo-gw:asset:pump1", asset.GetProperty("globalAssetId").GetString());
        }

        gateway.Signal(15);
        Assert.Equal(0, await gateway.WaitForExitAsync(Guard));
    }

    private static JsonElement? Model(JsonElement document) =>
        document.TryGetProperty("models", out var models) && models.GetArrayLength() > 0 ? models[0] : null;

    /// <summary>Subscribes to the gateway's topics: the source time of every sample, and the state and metrics documents.</summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly MqttClient _client;
        private readonly Lock _gate = new();
        private readonly Dictionary<string, DateTime> _latest = new(StringComparer.Ordinal);
        private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = [];
        private JsonElement? _state, _metrics;
        private TaskCompletionSource _message = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Watcher(MqttClient client) => _client = client;

        public static async Task<Watcher> StartAsync(int port, string filter)
        {
            var client = new MqttClient(new MqttClientOptions { Port = port, ClientId = "demo-watch-" + Guid.NewGuid().ToString("N")[..8] });
            var w = new Watcher(client);
            client.ApplicationMessageReceivedAsync += e =>
            {
                w.OnMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.Span);
                return Task.CompletedTask;
            };
            await client.ConnectAsync();
            await client.SubscribeAsync(filter, MqttQualityOfService.AtLeastOnce);
            return w;
        }

        private void OnMessage(string topic, ReadOnlySpan<byte> payload)
        {
            if (payload.Length == 0) return;
            using var doc = JsonDocument.Parse(payload.ToArray());
            var root = doc.RootElement.Clone();
            List<TaskCompletionSource> done = [];
            TaskCompletionSource message;
            lock (_gate)
            {
                if (topic.EndsWith("/telemetry", StringComparison.Ordinal))
                {
                    foreach (var s in root.GetProperty("samples").EnumerateArray())
                    {
                        var tag = s.GetProperty("tag").GetString()!;
                        var ts = s.GetProperty("ts").GetDateTime().ToUniversalTime();
                        if (!_latest.TryGetValue(tag, out var t) || ts > t) _latest[tag] = ts;
                    }
                }
                else if (topic.EndsWith("/state", StringComparison.Ordinal)) _state = root;
                else if (topic.EndsWith("/metrics", StringComparison.Ordinal)) _metrics = root;
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (!_waiters[i].Done()) continue;
                    done.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
                message = _message;
                _message = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            done.ForEach(d => d.TrySetResult());
            message.TrySetResult();
        }

        private async Task WaitAsync(Func<bool> condition, TimeSpan guard)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (condition()) return;
                _waiters.Add((condition, tcs));
            }
            await tcs.Task.WaitAsync(guard);
        }

        /// <summary>Waits until the latest sample of <paramref name="tag"/> satisfies <paramref name="predicate"/>; returns its source time.</summary>
        public async Task<DateTime> WaitForSampleAsync(string tag, Func<DateTime, bool> predicate, TimeSpan guard)
        {
            await WaitAsync(() => _latest.TryGetValue(tag, out var t) && predicate(t), guard);
            lock (_gate) return _latest[tag];
        }

        public async Task<JsonElement> WaitForStateAsync(Func<JsonElement, bool> predicate, TimeSpan guard)
        {
            await WaitAsync(() => _state is { } s && predicate(s), guard);
            lock (_gate) return _state!.Value;
        }

        public async Task<JsonElement> WaitForMetricsAsync(Func<JsonElement, bool> predicate, TimeSpan guard)
        {
            await WaitAsync(() => _metrics is { } m && predicate(m), guard);
            lock (_gate) return _metrics!.Value;
        }

        /// <summary>Completes at the next message of any kind, or after <paramref name="atMost"/>.</summary>
        public async Task NextMessageAsync(TimeSpan atMost)
        {
            Task next;
            lock (_gate) next = _message.Task;
            await Task.WhenAny(next, Task.Delay(atMost));
        }

        public async ValueTask DisposeAsync() => await _client.DisposeAsync();
    }
}
