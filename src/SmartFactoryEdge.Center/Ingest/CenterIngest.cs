using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Center.Health;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Center.Ingest;

/// <summary>
/// One center instance: subscribes (MQTT v5 shared subscriptions, <see cref="CenterOptions.TopicFilters"/>), decodes each
/// message and stores it before returning from the message handler, so the MQTT client acknowledges (PUBACK) only what
/// is committed. A payload that does not decode goes to the dead-letter table with its reason; a store failure is
/// retried with backoff and, when it keeps failing for that message, dead-lettered with the store's error. Nothing a
/// gateway sends can stop the loop.
/// </summary>
public sealed class CenterIngest : IAsyncDisposable
{
    private readonly CenterOptions _options;
    private readonly ICenterStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TelemetryDecoder _decoder = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<DecodedBatch> _one = [null!];
    private MqttClient? _client;

    public CenterIngest(CenterOptions options, ICenterStore store, ILogger<CenterIngest>? logger = null, TimeProvider? time = null, CenterMetrics? metrics = null)
    {
        _options = options;
        _store = store;
        _logger = logger ?? NullLogger<CenterIngest>.Instance;
        _time = time ?? TimeProvider.System;
        Metrics = metrics ?? new CenterMetrics();
    }

    public CenterMetrics Metrics { get; }

    public ICenterStore Store => _store;

    /// <summary>Messages handled (any outcome).</summary>
    public long Messages => Interlocked.Read(ref _messages);
    private long _messages;

    /// <summary>Raised after each message is handled (stored, dead-lettered or ignored); for tests and progress.</summary>
    public event Action<CenterMessage>? Handled;

    /// <summary>Initialises the store, connects and subscribes.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var client = new MqttClient(_options.Mqtt);
        _client = client;
        client.ApplicationMessageReceivedAsync += e => HandleAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload, _stopping.Token);
        var filters = _options.TopicFilters().Select(f => new MqttTopicFilter(f, MqttQualityOfService.AtLeastOnce)).ToList();
        var first = true;
        client.ConnectedAsync += result =>
        {
            // a reconnect without a session (the broker lost it) needs the subscriptions again; not from inside the handler
            if (!first && !result.SessionPresent) _ = Task.Run(() => SubscribeAsync(client, filters));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        first = false;
        var sub = await client.SubscribeAsync(filters, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < sub.ReasonCodes.Count; i++)
        {
            if ((byte)sub.ReasonCodes[i] >= 0x80)
                throw new InvalidOperationException($"MQTT broker {_options.Mqtt.Host}:{_options.Mqtt.Port} refused the subscription {filters[i].Topic}: {sub.ReasonCodes[i]}");
        }
        CenterIngestLog.Started(_logger, _options.Mqtt.Host, _options.Mqtt.Port, _options.ShareGroup, _options.Store.ToString());
    }

    private async Task SubscribeAsync(MqttClient client, List<MqttTopicFilter> filters)
    {
        try
        {
            await client.SubscribeAsync(filters, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CenterIngestLog.ResubscribeFailed(_logger, _options.Mqtt.Host, ex);
        }
    }

    /// <summary>Decodes and stores one message; returns when it is committed (or dead-lettered). Never throws except on cancellation.</summary>
    public async Task HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var received = UnixMicros.Now(_time);
        var message = _decoder.Decode(topic, payload, received);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StoreAsync(message, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                CenterIngestLog.StoreFailed(_logger, topic, attempt, ex);
                if (attempt >= _options.StoreAttempts && message.DeadLetter is null)
                {
                    // the store rejects this message (e.g. a value it cannot hold): keep it as a dead letter instead
                    message = CenterMessage.Dead(topic, payload, $"store rejected the message after {attempt} attempts: {ex.Message}", received);
                    attempt = 0;
                    continue;
                }
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(attempt, 10))));
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        Interlocked.Increment(ref _messages);
        Handled?.Invoke(message);
    }

    private async Task StoreAsync(CenterMessage message, CancellationToken cancellationToken)
    {
        if (message.Batch is { } batch)
        {
            _one[0] = batch;
            var stored = await _store.StoreBatchesAsync(_one, cancellationToken).ConfigureAwait(false) == 1;
            Metrics.OnBatch(batch, stored);
        }
        else if (message.DeadLetter is { } dead)
        {
            await _store.StoreDeadLetterAsync(dead, cancellationToken).ConfigureAwait(false);
            Metrics.OnDeadLetter(dead);
            CenterIngestLog.DeadLettered(_logger, dead.Topic, dead.Reason);
        }
        else if (message.Anomaly is { } anomaly)
        {
            await _store.StoreAnomalyAsync(anomaly, cancellationToken).ConfigureAwait(false);
        }
        else if (message.Aas is { } aas)
        {
            await _store.StoreAasAsync(aas, cancellationToken).ConfigureAwait(false);
        }
        else if (message.State is { } state)
        {
            await _store.StoreStateAsync(state, cancellationToken).ConfigureAwait(false);
            Metrics.OnState(state);
        }
    }

    /// <summary>Disconnects (the broker keeps the session and queues for it, or hands shared messages to other instances).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_client is { } c)
        {
            try
            {
                await c.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CenterIngestLog.StopFailed(_logger, _options.Mqtt.Host, ex);
            }
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync().ConfigureAwait(false);
        if (_client is not null) await _client.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}

internal static partial class CenterIngestLog
{
    [LoggerMessage(1, LogLevel.Information, "Center ingest connected to {Host}:{Port}, share group {Group}, store {Store}")]
    public static partial void Started(ILogger logger, string host, int port, string group, string store);

    [LoggerMessage(2, LogLevel.Warning, "Dead letter from {Topic}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string topic, string reason);

    [LoggerMessage(3, LogLevel.Error, "Storing the message from {Topic} failed (attempt {Attempt})")]
    public static partial void StoreFailed(ILogger logger, string topic, int attempt, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Re-subscribing at MQTT broker {Host} failed")]
    public static partial void ResubscribeFailed(ILogger logger, string host, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Disconnecting from MQTT broker {Host} failed")]
    public static partial void StopFailed(ILogger logger, string host, Exception exception);
}
