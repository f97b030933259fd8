using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Telemetry;

/// <summary>A command for the gateway (cmd/model, cmd/config, or a Sparkplug NCMD).</summary>
public sealed record TelemetryCommand(string Name, string Topic, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The telemetry uplink of wire contract v1 (docs/wire-contract.md): publishes telemetry batches (JSON or Sparkplug B)
/// and anomaly events; a retained birth on `state` after each connect and a retained last-will death set on CONNECT;
/// subscribes to cmd/model and cmd/config. <see cref="PublishAsync(TelemetryBatch, CancellationToken)"/> completes on
/// PUBACK (QoS 1) so a durable outbox may then delete the batch; it fails fast with
/// <see cref="PeerUnavailableException"/> while the broker is unreachable, so the outbox keeps it.
/// </summary>
public sealed class MqttTelemetrySink : ITelemetryPublisher, IAnomalyEventPublisher, IUplinkConnections, IHostedService, IAsyncDisposable
{
    private readonly MqttSinkOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MqttClient _client;
    private readonly SparkplugEncoder? _sparkplug;
    private readonly SemaphoreSlim _encodeGate = new(1, 1);
    private readonly string _encodingName;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _connectionGate = new();
    private long _connections;
    private TaskCompletionSource _nextConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _background;

    public MqttTelemetrySink(MqttSinkOptions options, ILogger<MqttTelemetrySink>? logger = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("Invalid MQTT sink options: " + string.Join(" ", errors), nameof(options));
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        Topics = new TelemetryTopics(options.Site, options.GatewayId);
        _encodingName = options.Encoding == TelemetryEncoding.SparkplugB ? "sparkplug-b" : "json";
        MqttApplicationMessage will;
        if (options.Encoding == TelemetryEncoding.SparkplugB)
        {
            // bdSeq: one per sink instance (per process start); the NDEATH will and every NBIRTH of this instance carry it
            _sparkplug = new SparkplugEncoder((ulong)(_time.GetUtcNow().ToUnixTimeSeconds() % 256));
            will = new MqttApplicationMessage
            {
                Topic = Topics.SparkplugNodeDeath,
                Payload = SparkplugEncoder.EncodeDeath(_sparkplug.BdSeq, _time.GetUtcNow().UtcDateTime),
                QoS = MqttQualityOfService.AtLeastOnce,
            };
        }
        else
        {
            will = new MqttApplicationMessage
            {
                Topic = Topics.State,
                Payload = StatePayload(online: false),
                QoS = MqttQualityOfService.AtLeastOnce,
                Retain = true,
                ContentType = "application/json",
            };
        }
        var password = Environment.GetEnvironmentVariable(options.PasswordEnvironmentVariable);
        var certPassword = options.ClientCertificatePasswordEnvironmentVariable is { } v ? Environment.GetEnvironmentVariable(v) : null;
        ClientOptions = new MqttClientOptions
        {
            Host = options.Host,
            Port = options.Port,
            ProtocolVersion = options.ProtocolVersion,
            ClientId = options.ClientId ?? "sfe-" + options.GatewayId,
            CleanStart = false,
            SessionExpiryInterval = options.SessionExpirySeconds,
            KeepAlive = TimeSpan.FromSeconds(options.KeepAliveSeconds),
            Username = options.Username,
            Password = string.IsNullOrEmpty(password) ? null : password,
            Will = will,
            Tls = new MqttClientTlsOptions
            {
                UseTls = options.UseTls,
                CaFile = options.CaFile,
                ClientCertificateFile = options.ClientCertificateFile,
                ClientKeyFile = options.ClientKeyFile,
                ClientCertificatePassword = certPassword,
                AllowUntrustedCertificates = options.AllowUntrustedCertificates,
            },
            AutoReconnect = true,
            Reconnect = options.Retry,
            MaxInFlight = options.MaxInFlight,
        };
        _client = new MqttClient(ClientOptions, loggerFactory?.CreateLogger<MqttClient>(), _time);
        _client.ConnectedAsync += OnConnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public TelemetryTopics Topics { get; }

    /// <summary>The client options derived from the sink options (no secrets are logged from them).</summary>
    public MqttClientOptions ClientOptions { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Sessions with the broker so far (each reconnect adds one); the outbox forwarder replays as soon as it grows.</summary>
    public long Connections
    {
        get { lock (_connectionGate) return _connections; }
    }

    public Task WhenConnectedAfterAsync(long seen, CancellationToken cancellationToken)
    {
        lock (_connectionGate)
        {
            if (_connections > seen) return Task.CompletedTask;
            return _nextConnection.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Commands from the center (cmd/model, cmd/config). Runs on the receive loop; keep it short.</summary>
    public event Func<TelemetryCommand, Task>? CommandReceivedAsync;

    /// <summary>
    /// Connects and publishes the birth. If the broker is unreachable at start-up the gateway still starts: the first
    /// connection is retried in the background with the retry policy (later outages reconnect inside the client), and
    /// meanwhile <see cref="PublishAsync(TelemetryBatch, CancellationToken)"/> fails fast so the outbox keeps the data.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PeerUnavailableException or ProtocolViolationException)
        {
            MqttTelemetrySinkLog.FirstConnectFailed(_logger, _options.Host, _options.Port, e.Message);
            _background = ConnectInBackgroundAsync(_stopping.Token);
        }
    }

    private async Task ConnectInBackgroundAsync(CancellationToken cancellationToken)
    {
        var policy = new Core.Retry.ExponentialBackoffRetryPolicy(_options.Retry with { MaxAttempts = null, TotalBudget = null });
        var started = _time.GetTimestamp();
        for (int attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(policy.GetNextDelay(attempt, _time.GetElapsedTime(started)) ?? TimeSpan.FromSeconds(30), _time, cancellationToken).ConfigureAwait(false);
                await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is PeerUnavailableException or ProtocolViolationException)
            {
                MqttTelemetrySinkLog.FirstConnectFailed(_logger, _options.Host, _options.Port, e.Message);
            }
        }
    }

    /// <summary>Publishes the death explicitly (a clean DISCONNECT discards the will) and disconnects.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_background is { } background) await background.ConfigureAwait(false);
        if (_client.IsConnected)
        {
            try
            {
                var death = _sparkplug is not null
                    ? new MqttApplicationMessage { Topic = Topics.SparkplugNodeDeath, Payload = SparkplugEncoder.EncodeDeath(_sparkplug.BdSeq, _time.GetUtcNow().UtcDateTime), QoS = MqttQualityOfService.AtLeastOnce }
                    : new MqttApplicationMessage { Topic = Topics.State, Payload = StatePayload(false), QoS = MqttQualityOfService.AtLeastOnce, Retain = true, ContentType = "application/json" };
                await _client.PublishAsync(death, cancellationToken).ConfigureAwait(false);
            }
            catch (PeerUnavailableException)
            {
                // the will covers it
            }
        }
        await _client.DisconnectAsync(MqttReasonCode.Success, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes one batch; completes on PUBACK (QoS 1).</summary>
    /// <exception cref="PeerUnavailableException">Not connected, or the broker refused the message.</exception>
    public async ValueTask PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        EnsureConnected();
        using var buffer = new PooledBuffer(1024 + batch.Samples.Length * 128);
        Task<MqttPublishResult> sending;
        await _encodeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // encode and enqueue under the gate, so that seq order (and NBIRTH before NDATA) is the order on the wire
            string topic;
            if (_sparkplug is not null)
            {
                if (_sparkplug.Register(batch))
                {
                    using var birthBuffer = new PooledBuffer(4096);
                    _sparkplug.EncodeBirth(_time.GetUtcNow().UtcDateTime, _options.GatewayId, birthBuffer.Writer);
                    var birth = new MqttApplicationMessage { Topic = Topics.SparkplugNodeBirth, Payload = birthBuffer.Writer.WrittenMemory.ToArray(), QoS = MqttQualityOfService.AtLeastOnce };
                    _ = Observe(_client.PublishAsync(birth, CancellationToken.None));
                }
                _sparkplug.EncodeData(batch, buffer.Writer);
                topic = Topics.SparkplugNodeData;
            }
            else
            {
                TelemetryJsonEncoder.Encode(batch, buffer.Writer);
                topic = Topics.Telemetry;
            }
            sending = _client.PublishAsync(new MqttApplicationMessage
            {
                Topic = topic,
                Payload = OwnedPayload(buffer),
                QoS = _options.QoS,
                ContentType = _sparkplug is null ? "application/json" : null,
            }, cancellationToken);
        }
        finally
        {
            _encodeGate.Release();
        }
        var result = await sending.ConfigureAwait(false);
        if (!result.IsSuccess)
            throw new PeerUnavailableException($"MQTT broker {_options.Host}:{_options.Port} refused the telemetry batch {batch.Sequence}: {result.ReasonCode}.");
    }

    /// <summary>Publishes an anomaly event (JSON on the anomaly topic in both encodings); completes on PUBACK.</summary>
    public async ValueTask PublishAnomalyAsync(AnomalyEvent anomaly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        EnsureConnected();
        using var buffer = new PooledBuffer(512);
        TelemetryJsonEncoder.Encode(anomaly, _options.GatewayId, buffer.Writer);
        await PublishCheckedAsync(new MqttApplicationMessage { Topic = Topics.Anomaly, Payload = OwnedPayload(buffer), QoS = _options.QoS, ContentType = "application/json" },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes an anomaly event from the outbox with its sequence number; completes on PUBACK.</summary>
    public async ValueTask PublishAsync(AnomalyEventEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        EnsureConnected();
        using var buffer = new PooledBuffer(512);
        TelemetryJsonEncoder.Encode(envelope.Event, _options.GatewayId, buffer.Writer, envelope.Sequence, envelope.Replayed);
        await PublishCheckedAsync(new MqttApplicationMessage { Topic = Topics.Anomaly, Payload = OwnedPayload(buffer), QoS = _options.QoS, ContentType = "application/json" },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the retained `state` document while online with one that adds the gateway's health (outbox drops,
    /// endpoint states); the document must keep the birth's fields ("state": "online"). The last will still says offline.
    /// </summary>
    public ValueTask PublishStateAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        PublishRawAsync(Topics.State, json, retain: true, cancellationToken);

    /// <summary>Publishes a health/metrics document (JSON, not retained).</summary>
    public ValueTask PublishMetricsAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        PublishRawAsync(Topics.Metrics, json, retain: false, cancellationToken);

    /// <summary>Publishes the asset description (AAS JSON, retained).</summary>
    public ValueTask PublishAasAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        PublishRawAsync(Topics.Aas, json, retain: true, cancellationToken);

    private async ValueTask PublishRawAsync(string topic, ReadOnlyMemory<byte> json, bool retain, CancellationToken cancellationToken)
    {
        EnsureConnected();
        await PublishCheckedAsync(new MqttApplicationMessage { Topic = topic, Payload = json, QoS = _options.QoS, Retain = retain, ContentType = "application/json" },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The client reads a payload until the packet is written (QoS 0, whose publish completes once it is queued) or
    /// acknowledged (QoS 1/2): a QoS 0 payload in a pooled buffer, returned when the calling method ends, could be
    /// overwritten before it is sent, so it is copied. QoS 1/2 keep the pooled memory: the caller returns it after the
    /// PUBACK. (A caller that cancels its wait before the PUBACK still returns it early; that stays a known gap.)
    /// </summary>
    private ReadOnlyMemory<byte> OwnedPayload(PooledBuffer buffer) =>
        _options.QoS == MqttQualityOfService.AtMostOnce ? buffer.Writer.WrittenMemory.ToArray() : buffer.Writer.WrittenMemory;

    private void EnsureConnected()
    {
        if (!_client.IsConnected) throw new PeerUnavailableException($"MQTT broker {_options.Host}:{_options.Port} is not connected; the batch stays in the outbox.");
    }

    private async Task PublishCheckedAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
            throw new PeerUnavailableException($"MQTT broker {_options.Host}:{_options.Port} refused '{message.Topic}': {result.ReasonCode}{(result.ReasonString is null ? "" : " (" + result.ReasonString + ")")}.");
    }

    private async Task Observe(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is PeerUnavailableException or ObjectDisposedException)
        {
            _sparkplug?.RequestRebirth();
            MqttTelemetrySinkLog.BirthFailed(_logger, e.Message);
        }
    }

    private byte[] StatePayload(bool online)
    {
        using var buffer = new PooledBuffer(256);
        TelemetryJsonEncoder.EncodeState(online, _options.GatewayId, _time.GetUtcNow().UtcDateTime, _encodingName, buffer.Writer);
        return buffer.Writer.WrittenMemory.ToArray();
    }

    private async Task OnConnectedAsync(MqttConnectResult result)
    {
        // Runs before the session loops start taking new publishes from the queue: births go first.
        if (_options.SubscribeCommands)
        {
            var filters = new List<MqttTopicFilter> { new(Topics.Commands, MqttQualityOfService.AtLeastOnce) };
            if (_sparkplug is not null) filters.Add(new(Topics.SparkplugNodeCommand, MqttQualityOfService.AtMostOnce));
            _ = Observe(_client.SubscribeAsync(filters, null, CancellationToken.None));
        }
        if (_sparkplug is not null)
        {
            await _encodeGate.WaitAsync().ConfigureAwait(false);
            try
            {
                _sparkplug.RequestRebirth(); // every new MQTT session starts with an NBIRTH (sent with the next batch)
            }
            finally
            {
                _encodeGate.Release();
            }
        }
        else
        {
            _ = Observe(_client.PublishAsync(new MqttApplicationMessage
            {
                Topic = Topics.State,
                Payload = StatePayload(online: true),
                QoS = MqttQualityOfService.AtLeastOnce,
                Retain = true,
                ContentType = "application/json",
            }, CancellationToken.None));
        }
        MqttTelemetrySinkLog.Online(_logger, _options.Host, _options.Port, Topics.Root, result.SessionPresent);
        TaskCompletionSource reached;
        lock (_connectionGate)
        {
            _connections++;
            reached = _nextConnection;
            _nextConnection = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        reached.TrySetResult();
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        string? name = topic == Topics.CommandModel ? "model" : topic == Topics.CommandConfig ? "config" : topic == Topics.SparkplugNodeCommand ? "sparkplug" : null;
        if (name is null) return;
        if (name == "sparkplug")
        {
            _sparkplug?.RequestRebirth(); // the only NCMD we honour is Node Control/Rebirth
        }
        if (CommandReceivedAsync is { } handler) await handler(new TelemetryCommand(name, topic, e.ApplicationMessage.Payload)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // a container that registered this one instance under several services disposes it once per registration
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_background is { } background) await background.ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _encodeGate.Dispose();
    }

    private int _disposed;

    private readonly struct PooledBuffer(int size) : IDisposable
    {
        public Client.PooledBufferWriter Writer { get; } = new(size);
        public void Dispose() => Writer.Dispose();
    }
}

internal static partial class MqttTelemetrySinkLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "MQTT telemetry uplink online at {Host}:{Port} under {Root} (session present: {SessionPresent})")]
    public static partial void Online(ILogger logger, string host, int port, string root, bool sessionPresent);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} unreachable, retrying in the background: {Reason}")]
    public static partial void FirstConnectFailed(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "MQTT birth, subscription or command handling failed: {Reason}")]
    public static partial void BirthFailed(ILogger logger, string reason);
}
