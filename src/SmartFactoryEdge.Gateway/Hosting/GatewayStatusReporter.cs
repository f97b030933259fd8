using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Sinks;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Gateway.Hosting;

/// <summary>
/// Publishes the gateway's status document on the `metrics` topic at gateway.statusInterval: pipeline counters,
/// the outbox (depth, bytes, oldest age, replayed, dropped with the reason) and the health of every endpoint.
/// </summary>
public sealed class GatewayStatusReporter(
    GatewayConfig config,
    GatewayOptions options,
    SamplePipeline pipeline,
    SqliteOutbox outbox,
    IHealthRegistry health,
    MqttTelemetrySink sink,
    TimeProvider time,
    ILogger<GatewayStatusReporter> logger,
    IEnumerable<ISampleSource>? sources = null,
    Anomaly.AssetModelManager? models = null) : BackgroundService
{
    private readonly OpcUaSource[] _opcua = sources?.OfType<OpcUaSource>().ToArray() ?? [];

    private readonly long _started = time.GetTimestamp();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.StatusInterval, time);
        var buffer = new ArrayBufferWriter<byte>(4096);
        string? lastState = null;
        var aasPublished = false;
        // the asset descriptions do not change while the process runs: generate once, publish (retained) per connection
        var aas = config.Assets.Count > 0 ? Aas.AasGenerator.GenerateUtf8(config) : null;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                var gc = GC.GetGCMemoryInfo();
                StatusLog.Memory(logger, ProcessMemory.ResidentBytes() >> 20, gc.HeapSizeBytes >> 20, gc.TotalCommittedBytes >> 20, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            }
            if (!sink.IsConnected) { lastState = null; aasPublished = false; continue; } // the next tick carries the numbers; status is not queued in the outbox
            buffer.ResetWrittenCount();
            Write(buffer);
            try
            {
                if (aas is not null && !aasPublished)
                {
                    await sink.PublishAasAsync(aas, stoppingToken).ConfigureAwait(false);
                    aasPublished = true;
                }
                await sink.PublishMetricsAsync(buffer.WrittenMemory, stoppingToken).ConfigureAwait(false);
                // the retained state changes only when what it reports changes (drops, health), not on every tick
                buffer.ResetWrittenCount();
                WriteState(buffer);
                var state = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
                var key = state[(state.IndexOf("\"outbox\"", StringComparison.Ordinal))..];
                if (key != lastState)
                {
                    await sink.PublishStateAsync(buffer.WrittenMemory, stoppingToken).ConfigureAwait(false);
                    lastState = key;
                }
            }
            catch (Exception e) when (e is PeerUnavailableException or InvalidOperationException or TimeoutException)
            {
                StatusLog.NotPublished(logger, e.Message);
            }
        }
    }

    /// <summary>The retained `state` document: the birth's fields plus outbox drops and endpoint health.</summary>
    public void WriteState(IBufferWriter<byte> output)
    {
        using var json = new Utf8JsonWriter(output, SampleJson.WriterOptions);
        json.WriteStartObject();
        json.WriteNumber("v", 1);
        json.WriteString("gatewayId", outbox.GatewayId);
        json.WriteString("state", "online");
        json.WriteString("ts", time.GetUtcNow().UtcDateTime);
        var s = outbox.GetStats();
        json.WriteStartObject("outbox");
        json.WriteNumber("droppedSamples", s.DroppedSamples);
        json.WriteNumber("droppedEvents", s.DroppedEvents);
        if (s.LastDropReason is not null) json.WriteString("lastDropReason", s.LastDropReason);
        json.WriteBoolean("blocked", s.Blocked);
        json.WriteEndObject();
        json.WriteStartArray("health");
        foreach (var e in health.Snapshot())
        {
            json.WriteStartObject();
            json.WriteString("endpoint", e.Endpoint);
            json.WriteString("state", e.State.ToString());
            if (e.Reason is not null) json.WriteString("reason", e.Reason);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteOpcUa(json);
        WriteModels(json, counts: false);
        json.WriteEndObject();
    }

    /// <summary>Per OPC UA source: the endpoint, security policy and mode in use, and <c>insecure</c> when SecurityPolicy None.</summary>
    private void WriteOpcUa(Utf8JsonWriter json)
    {
        if (_opcua.Length == 0) return;
        json.WriteStartArray("opcua");
        foreach (var source in _opcua)
        {
            json.WriteStartObject();
            json.WriteString("source", source.Name);
            if (source.Security is { } s)
            {
                json.WriteString("endpoint", s.EndpointUrl);
                json.WriteString("securityPolicy", s.SecurityPolicy);
                json.WriteString("securityMode", s.SecurityMode);
                json.WriteString("identity", s.Identity);
                json.WriteBoolean("insecure", s.Insecure);
                if (s.Insecure) json.WriteString("warning", "SecurityPolicy None: neither signed nor encrypted");
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The pushed models: per asset the active and previous version (state); with counts per version (metrics).</summary>
    private void WriteModels(Utf8JsonWriter json, bool counts)
    {
        if (models is null) return;
        json.WriteStartArray("models");
        foreach (var m in models.Snapshot())
        {
            json.WriteStartObject();
            json.WriteString("asset", m.Asset);
            json.WriteString("version", m.Version);
            json.WriteString("contentHash", m.ContentHash);
            if (m.PreviousVersion is not null) json.WriteString("previousVersion", m.PreviousVersion);
            json.WriteString("activatedAt", m.ActivatedUtc);
            if (counts)
            {
                json.WriteStartObject("scored");
                foreach (var (v, n) in m.Scored) json.WriteNumber(v, n);
                json.WriteEndObject();
                json.WriteStartObject("firstSample");
                foreach (var (v, t) in m.FirstSample) json.WriteString(v, t);
                json.WriteEndObject();
                json.WriteStartObject("lastSample");
                foreach (var (v, t) in m.LastSample) json.WriteString(v, t);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>Writes the status document (also used by tests and, later, the local API).</summary>
    public void Write(IBufferWriter<byte> output)
    {
        using var json = new Utf8JsonWriter(output, SampleJson.WriterOptions);
        json.WriteStartObject();
        json.WriteNumber("v", 1);
        json.WriteString("gatewayId", outbox.GatewayId);
        json.WriteString("ts", time.GetUtcNow().UtcDateTime);
        json.WriteNumber("uptimeSeconds", Math.Round(time.GetElapsedTime(_started).TotalSeconds, 1));
        json.WriteStartObject("pipeline");
        json.WriteNumber("accepted", pipeline.Accepted);
        json.WriteNumber("delivered", pipeline.Delivered);
        json.WriteNumber("dropped", pipeline.Dropped);
        json.WriteNumber("depth", pipeline.Depth);
        json.WriteNumber("capacity", pipeline.Capacity);
        json.WriteEndObject();
        var s = outbox.GetStats();
        json.WriteStartObject("outbox");
        json.WriteNumber("pendingBatches", s.PendingBatches);
        json.WriteNumber("pendingSamples", s.PendingSamples);
        json.WriteNumber("pendingBytes", s.PendingBytes);
        json.WriteNumber("maxBytes", s.MaxBytes);
        json.WriteNumber("oldestAgeSeconds", Math.Round(s.OldestAge.TotalSeconds, 1));
        json.WriteNumber("appendedSamples", s.AppendedSamples);
        json.WriteNumber("acknowledgedSamples", s.AcknowledgedSamples);
        json.WriteNumber("replayedBatches", s.ReplayedBatches);
        json.WriteNumber("droppedSamples", s.DroppedSamples);
        json.WriteNumber("droppedEvents", s.DroppedEvents);
        if (s.LastDropReason is not null) json.WriteString("lastDropReason", s.LastDropReason);
        json.WriteBoolean("blocked", s.Blocked);
        json.WriteEndObject();
        json.WriteStartArray("health");
        foreach (var e in health.Snapshot())
        {
            json.WriteStartObject();
            json.WriteString("endpoint", e.Endpoint);
            json.WriteString("state", e.State.ToString());
            if (e.Reason is not null) json.WriteString("reason", e.Reason);
            json.WriteString("since", e.Since.UtcDateTime);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteModels(json, counts: true);
        json.WriteEndObject();
    }
}

internal static partial class StatusLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Debug, Message = "Status document not published: {Reason}")]
    public static partial void NotPublished(ILogger logger, string reason);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Debug, Message = "Memory: working set {WorkingSetMb} MB, managed heap {HeapMb} MB, committed {CommittedMb} MB; collections gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2}")]
    public static partial void Memory(ILogger logger, long workingSetMb, long heapMb, long committedMb, int gen0, int gen1, int gen2);
}
