using System.Collections.Concurrent;
using System.Text.Json;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>Detectors configured in the gateway YAML raise events that reach the broker's anomaly topic through the outbox.</summary>
[Collection("uplink")]
public sealed class AnomalyUplinkTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-anomaly-").FullName;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task AnInjectedSpikeBecomesAnAnomalyEventOnTheBroker()
    {
        var events = new ConcurrentQueue<JsonElement>();
        var spikeSeen = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new MqttClient(new MqttClientOptions { Port = _broker.AnonymousPort, ClientId = "anomaly-listener" });
        client.ApplicationMessageReceivedAsync += e =>
        {
            using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload.ToArray());
            var root = doc.RootElement.Clone();
            events.Enqueue(root);
            if (root.ToString().Contains("p1.flow", StringComparison.Ordinal)) spikeSeen.TrySetResult(root);
            return Task.CompletedTask;
        };
        await client.ConnectAsync();
        await client.SubscribeAsync("sfe/v1/+/+/anomaly", MqttQualityOfService.AtLeastOnce);

        var config = Path.Combine(_dir, "gateway.yaml");
        File.WriteAllText(config, string.Join("\n",
            "gateway: { id: gw-anomaly, site: lab, stopWhenSourcesFinish: false }",
            "sources:",
            "  simulator:",
            "    - name: line",
            "      rateHz: 10",
            "      realtime: false",
            "      maxSamplesPerSignal: 3000",
            "      start: 2026-07-01T00:00:00Z",
            "      machines: [{ kind: pump, asset: p1 }]",
            "      anomalies: [{ tag: p1.flow, kind: spike, at: 200s, magnitude: 40 }]",
            "anomaly:",
            "  tags:",
            "    - tag: p1.flow",
            "      detectors: [{ kind: iid-spike, parameters: { confidence: 99.9 } }]",
            "mqtt: { host: 127.0.0.1, port: " + _broker.AnonymousPort + " }",
            "outbox: { path: data/outbox.db }") + "\n");
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");
        var first = await spikeSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        sfe.Signal(15);
        var exit = await sfe.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, sfe.Output);

        // the event names the detector, the score against its threshold, and the spike's own source timestamp
        var text = first.ToString();
        Assert.Contains("iid-spike", text, StringComparison.Ordinal);
        Assert.Contains("2026-07-01T00:03:20", text, StringComparison.Ordinal);
        Assert.Contains("Anomaly on p1.flow by iid-spike", sfe.Output, StringComparison.Ordinal);
        // it came through the outbox: it has the outbox's event sequence number and says whether it was replayed
        Assert.True(first.GetProperty("seq").GetInt64() > 0);
        Assert.False(first.GetProperty("replayed").GetBoolean());
        Assert.Equal("gw-anomaly", first.GetProperty("gatewayId").GetString());
    }

    [Fact]
    public async Task TheAssetDescriptionIsPublishedRetainedAndValid()
    {
        var config = Path.Combine(_dir, "aas.yaml");
        File.WriteAllText(config, string.Join("\n",
            "gateway: { id: gw-aas, site: lab, statusInterval: 200ms }",
            "assets:",
            "  - { id: p1, name: Cooling pump, kind: pump, manufacturer: ACME, serialNumber: P-77 }",
            "sources:",
            "  simulator:",
            "    - name: line",
            "      rateHz: 5",
            "      machines: [{ kind: pump, asset: p1 }]",
            "mqtt: { host: 127.0.0.1, port: " + _broker.AnonymousPort + " }",
            "outbox: { path: data/aas-outbox.db }") + "\n");
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");
        await sfe.WaitForLineAsync("File sink writing|Gateway running", TimeSpan.FromSeconds(30));

        // a consumer that subscribes later still gets it: the description is retained
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new MqttClient(new MqttClientOptions { Port = _broker.AnonymousPort, ClientId = "aas-reader" });
        client.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage.Payload.ToArray()); return Task.CompletedTask; };
        await client.ConnectAsync();
        await client.SubscribeAsync("sfe/v1/lab/gw-aas/aas", MqttQualityOfService.AtLeastOnce);
        var payload = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        sfe.Signal(15);
        Assert.Equal(0, await sfe.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var errors = SmartFactoryEdge.Gateway.Aas.AasValidator.Validate(payload);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        using var doc = JsonDocument.Parse(payload);
        var shell = Assert.Single(doc.RootElement.GetProperty("assetAdministrationShells").EnumerateArray());
        Assert.Contains("p1", shell.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Contains("mqtt:sfe/v1/lab/gw-aas/telemetry", System.Text.Encoding.UTF8.GetString(payload), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigtermWhileEverySampleRaisesAnEventExitsCleanlyWithEveryEventInTheOutbox()
    {
        // EWMA with sigma 1e-9 alarms on every sample; the simulator floods (not real time), so the drain cannot finish
        // within the 1 s shutdown timeout: the host must abort it without writing to the outbox after it closed
        var config = Path.Combine(_dir, "flood.yaml");
        File.WriteAllText(config, string.Join("\n",
            "gateway: { id: gw-flood, site: lab, stopWhenSourcesFinish: false, shutdownTimeout: 1s }",
            "sources:",
            "  simulator:",
            "    - name: line",
            "      rateHz: 10",
            "      realtime: false",
            "      maxSamplesPerSignal: 200000",
            "      machines: [{ kind: pump, asset: p1 }]",
            "anomaly:",
            "  tags:",
            "    - tag: p1.flow",
            "      detectors: [{ kind: ewma, parameters: { mean: 0, sigma: 0.000000001 } }]",
            "mqtt: { host: 127.0.0.1, port: " + _broker.AnonymousPort + " }",
            "outbox: { path: data/flood-outbox.db }") + "\n");
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");
        await sfe.WaitForLineAsync("Anomaly on p1.flow by ewma", TimeSpan.FromSeconds(60));
        sfe.Signal(15);
        var exit = await sfe.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var output = sfe.Output;
        Assert.True(exit == 0, output[^Math.Min(output.Length, 4000)..]);
        Assert.DoesNotContain("ObjectDisposedException", output, StringComparison.Ordinal);
        // every event raised (logged) is in the outbox: appended = raised
        var raised = System.Text.RegularExpressions.Regex.Matches(output, "Anomaly on p1.flow by ewma").Count;
        var summary = System.Text.RegularExpressions.Regex.Match(output, @"anomaly events: appended (\d+)");
        Assert.True(summary.Success, "no outbox summary line");
        Assert.True(raised > 0);
        Assert.Equal(raised, long.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
