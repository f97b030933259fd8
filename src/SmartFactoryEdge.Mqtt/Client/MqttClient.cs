using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Mqtt.Transport;
using SmartFactoryEdge.Mqtt.Formatter;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Client;

/// <summary>
/// An MQTT 3.1.1 / 5.0 client (API shaped like MQTTnet's): connect, publish QoS 0/1/2 from many producers at once,
/// subscribe, receive, disconnect. One writer loop coalesces queued packets into large socket writes; one reader loop
/// decodes with <see cref="MqttPacketFormatter"/>. QoS 1/2 publishes stay in the session until acknowledged and are
/// sent again (DUP) after a reconnect; the connection is watched with PINGREQ and re-established with backoff and jitter.
/// </summary>
public sealed class MqttClient : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _endpoint;
    private readonly Channel<OutgoingPublish> _outgoing;
    private readonly object _overflowGate = new();
    private readonly Queue<OverflowEntry> _overflow = new(); // publishes waiting for room in _outgoing, in order
    private int _overflowCount;
    private readonly AsyncWindow _window;
    private readonly CompletionPump _completions;
    private readonly WriterSignal _writerSignal = new(); // the send loop waits on it when it has nothing to write
    private readonly object _sessionGate = new();
    private readonly object[] _inflight = new object[65536]; // OutgoingPublish or PendingRequest by packet id
    private readonly HashSet<ushort> _inboundQoS2 = [];
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private int _nextPacketId;
    private long _sendOrder;
    private volatile Connection? _connection;
    private Task? _supervisor;
    private string _clientId;
    private volatile bool _stopping;
    private volatile bool _sessionEnded;
    private CancellationTokenSource _stopRequested = new();
    private MqttQualityOfService _serverMaxQoS = MqttQualityOfService.ExactlyOnce;
    private bool _serverRetainAvailable = true;
    private uint? _serverMaxPacketSize;

    public MqttClient(MqttClientOptions options, ILogger<MqttClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.OutgoingQueueCapacity, 1);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _endpoint = $"{options.Host}:{options.Port}";
        _clientId = options.ClientId;
        _window = new AsyncWindow(Math.Min(options.MaxInFlight, 65_535));
        _completions = new CompletionPump(this);
        _outgoing = Channel.CreateBounded<OutgoingPublish>(new BoundedChannelOptions(options.OutgoingQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public MqttClientOptions Options => _options;

    /// <summary>Whether a connection is established right now.</summary>
    public bool IsConnected => _connection is { IsAlive: true };

    /// <summary>The client identifier in use (the broker's assigned one if we sent none).</summary>
    public string ClientId => _clientId;

    /// <summary>QoS 1/2 publishes waiting for their acknowledgement.</summary>
    public int InFlightCount => _window.Count;

    /// <summary>
    /// Delivered messages, in order, on a dispatcher loop (not the receive loop: a handler may publish and await the PUBACK).
    /// QoS 1/2 messages are acknowledged after the handler returns; a slow handler slows reading once 1024 messages wait.
    /// </summary>
    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;

    /// <summary>Raised after every successful CONNACK (first connect and reconnects).</summary>
    public event Func<MqttConnectResult, Task>? ConnectedAsync;

    /// <summary>Raised when a connection ends.</summary>
    public event Func<MqttClientDisconnectedEventArgs, Task>? DisconnectedAsync;

    // ------------------------------------------------------------------ public API

    /// <summary>Connects (TCP/TLS, CONNECT, CONNACK) and starts the session loops.</summary>
    /// <exception cref="MqttConnectException">The broker refused the connection (reason code inside).</exception>
    /// <exception cref="PeerUnavailableException">The broker cannot be reached.</exception>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        if (_supervisor is { } previous)
        {
            if (!_sessionEnded) throw new InvalidOperationException("The client is already connected or connecting.");
            await previous.ConfigureAwait(false);
        }
        _stopping = false;
        _sessionEnded = false;
        if (_stopRequested.IsCancellationRequested)
        {
            _stopRequested.Dispose();
            _stopRequested = new CancellationTokenSource();
        }
        var (connection, result) = await ConnectOnceAsync(cleanStart: _options.CleanStart, cancellationToken).ConfigureAwait(false);
        _supervisor = SuperviseAsync(connection);
        return result;
    }

    /// <summary>
    /// Publishes a message. QoS 0 completes once the message is in the outgoing queue (at once unless the queue is full,
    /// like mqtt.js's callback once its stream takes the packet; QoS 0 promises no delivery, and a QoS 0 message still
    /// queued when the session ends for good is dropped; <see cref="DisconnectAsync"/> sends what was queued before it);
    /// QoS 1 on PUBACK; QoS 2 on PUBCOMP. Safe to call from many threads. While the link is down (and auto-reconnect is
    /// on) the message waits in the session. QoS 1/2 tasks complete on a thread-pool thread in the order the broker
    /// acknowledged them, several on the same thread one after another: a continuation that runs synchronously there
    /// (an await, ExecuteSynchronously) must not block, or it holds up the results behind it (until the next keep-alive
    /// tick starts another runner).
    /// </summary>
    /// <exception cref="PeerUnavailableException">Not connected and no reconnect is under way.</exception>
    public Task<MqttPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        OutgoingPublish item;
        try
        {
            item = Prepare(message);
        }
        catch (Exception e)
        {
            return Task.FromException<MqttPublishResult>(e);
        }
        // fast path (no state machine, no extra hop): a free window slot and room in the queue
        if (item.Packet.QoS != MqttQualityOfService.AtMostOnce)
        {
            if (!_window.TryAcquire()) return PublishSlowAsync(item, cancellationToken);
            if (!TryRegister(item))
            {
                _window.Release();
                return Task.FromException<MqttPublishResult>(new InvalidOperationException("No free packet identifier."));
            }
        }
        return Enqueue(item, cancellationToken);
    }

    /// <summary>
    /// Puts the publish into the outgoing queue or, when that is full, at the end of the overflow line, which the writer
    /// loop moves into the queue in order as it drains it. QoS 0 waiters in the line are told in one thread-pool work
    /// item per batch (not one continuation each), so a producer held back by a slow broker costs no thread hop per message.
    /// </summary>
    private Task<MqttPublishResult> Enqueue(OutgoingPublish item, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _overflowCount) == 0 && _outgoing.Writer.TryWrite(item))
        {
            if (!CompletionPump.IsCompleting(this)) WakeWriter(); // (the pump wakes it once its batch is through)
            return Queued(item, cancellationToken);
        }
        OverflowEntry? entry = null;
        lock (_overflowGate)
        {
            // under the gate the writer loop cannot drain the line in between: nothing waits without being seen
            if (_overflow.Count > 0 || !_outgoing.Writer.TryWrite(item))
            {
                entry = new OverflowEntry(this, item);
                _overflow.Enqueue(entry);
                Volatile.Write(ref _overflowCount, _overflow.Count);
            }
        }
        if (entry is null)
        {
            if (!CompletionPump.IsCompleting(this)) WakeWriter();
            return Queued(item, cancellationToken);
        }
        if (cancellationToken.CanBeCanceled)
        {
            // registered outside the gate (an already cancelled token runs the callback at once), stored under it
            var registration = cancellationToken.UnsafeRegister(static (s, token) => ((OverflowEntry)s!).Owner.CancelOverflow((OverflowEntry)s!, token), entry);
            bool stillWaiting;
            lock (_overflowGate)
            {
                stillWaiting = entry.State == OverflowEntry.Waiting;
                if (stillWaiting) entry.Registration = registration;
            }
            if (!stillWaiting) registration.Unregister();
        }
        return entry.Accepted is { } accepted ? accepted.Task : Queued(item, cancellationToken);
    }

    private static Task<MqttPublishResult> Queued(OutgoingPublish item, CancellationToken cancellationToken)
    {
        if (item.Packet.QoS == MqttQualityOfService.AtMostOnce) return QoS0Queued; // no task, no continuation, no thread hop
        return cancellationToken.CanBeCanceled ? item.Completion.Task.WaitAsync(cancellationToken) : item.Completion.Task;
    }

    /// <summary>A publish still waiting in the overflow line is withdrawn (not sent) when its caller cancels.</summary>
    private void CancelOverflow(OverflowEntry entry, CancellationToken token)
    {
        lock (_overflowGate)
        {
            if (entry.State != OverflowEntry.Waiting) return;
            entry.State = OverflowEntry.Cancelled;
        }
        if (entry.Accepted is { } accepted)
        {
            accepted.TrySetCanceled(token);
            return;
        }
        var item = entry.Item;
        if (Unregister(item.Packet.PacketIdentifier, item)) _window.Release();
        CompleteLater(item, null, token);
    }

    /// <summary>
    /// Writer loop: moves waiting publishes into the queue while it has room, then tells their QoS 0 callers at once.
    /// Returns whether anything moved. Taking the gate also makes it safe to go idle afterwards: a producer that found
    /// the queue full has either finished joining the line (seen here) or will find the queue empty and write to it.
    /// </summary>
    private bool MoveOverflow()
    {
        var moved = false;
        List<TaskCompletionSource<MqttPublishResult>>? accepted = null;
        lock (_overflowGate)
        {
            while (_overflow.TryPeek(out var entry))
            {
                if (entry.State == OverflowEntry.Waiting)
                {
                    if (!_outgoing.Writer.TryWrite(entry.Item)) break;
                    moved = true;
                    entry.State = OverflowEntry.Moved;
                    entry.Registration.Unregister();
                    if (entry.Accepted is { } a) (accepted ??= []).Add(a);
                }
                _overflow.Dequeue();
            }
            Volatile.Write(ref _overflowCount, _overflow.Count);
        }
        // their continuations run there, one after another, never on the writer loop
        if (accepted is not null)
            ThreadPool.UnsafeQueueUserWorkItem(static list => { foreach (var a in list) a.TrySetResult(QoS0Written); }, accepted, preferLocal: false);
        return moved;
    }

    private OutgoingPublish Prepare(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!MqttTopic.IsValidTopicName(message.Topic)) throw new ArgumentException($"'{message.Topic}' is not a valid topic name (empty, or has wildcards).", nameof(message));
        if (message.QoS > MqttQualityOfService.ExactlyOnce) throw new ArgumentOutOfRangeException(nameof(message), "QoS must be 0, 1 or 2.");
        if (message.QoS > _serverMaxQoS) throw new ArgumentException($"The broker {_endpoint} supports QoS up to {(int)_serverMaxQoS}, not {(int)message.QoS}.", nameof(message));
        if (message.Retain && !_serverRetainAvailable) throw new ArgumentException($"The broker {_endpoint} does not support retained messages.", nameof(message));
        EnsureUsable();
        var packet = new MqttPublishPacket
        {
            Topic = message.Topic,
            Payload = message.Payload,
            QoS = message.QoS,
            Retain = message.Retain,
            MessageExpiryInterval = message.MessageExpiryInterval,
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData,
            PayloadFormatIndicator = message.PayloadFormatIndicator,
            UserProperties = message.UserProperties,
        };
        if (_serverMaxPacketSize is { } max && MqttPacketFormatter.GetEncodedSize(packet, _options.ProtocolVersion) > max)
            throw new ArgumentException($"The message to '{message.Topic}' exceeds the broker's maximum packet size of {max} bytes.", nameof(message));
        return new OutgoingPublish(packet);
    }

    /// <summary>Tells the send loop there is something to write, if it waits (it resumes on the thread pool).</summary>
    private void WakeWriter() => _writerSignal.Wake(inline: false);

    /// <summary>QoS 1/2 when the in-flight window is full: waits for a slot, then queues.</summary>
    private async Task<MqttPublishResult> PublishSlowAsync(OutgoingPublish item, CancellationToken cancellationToken)
    {
        await _window.AcquireAsync(cancellationToken).ConfigureAwait(false);
        if (!TryRegister(item))
        {
            _window.Release();
            throw new InvalidOperationException("No free packet identifier.");
        }
        return await Enqueue(item, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes a UTF-8 or binary payload.</summary>
    public Task<MqttPublishResult> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce,
        bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = payload, QoS = qos, Retain = retain }, cancellationToken);

    /// <summary>Subscribes to topic filters; the result holds the granted QoS (or failure) per filter.</summary>
    public async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttTopicFilter> filters, uint? subscriptionIdentifier = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0) throw new ArgumentException("At least one topic filter is needed.", nameof(filters));
        foreach (var f in filters)
            if (!MqttTopic.IsValidTopicFilter(f.Topic)) throw new ArgumentException($"'{f.Topic}' is not a valid topic filter.", nameof(filters));
        var packet = new MqttSubscribePacket { TopicFilters = filters, SubscriptionIdentifier = subscriptionIdentifier };
        var reply = await RequestAsync(packet, cancellationToken).ConfigureAwait(false);
        var ack = reply as MqttSubAckPacket ?? throw new ProtocolViolationException($"MQTT broker {_endpoint} answered SUBSCRIBE with {reply.Type}.");
        if (ack.ReasonCodes.Count != filters.Count)
            throw new ProtocolViolationException($"MQTT broker {_endpoint}: SUBACK has {ack.ReasonCodes.Count} codes for {filters.Count} filters.");
        return new MqttSubscribeResult(ack.ReasonCodes, ack.ReasonString);
    }

    public Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce,
        CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttTopicFilter(topicFilter, qos)], null, cancellationToken);

    public async Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> filters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0) throw new ArgumentException("At least one topic filter is needed.", nameof(filters));
        var reply = await RequestAsync(new MqttUnsubscribePacket { TopicFilters = filters }, cancellationToken).ConfigureAwait(false);
        var ack = reply as MqttUnsubAckPacket ?? throw new ProtocolViolationException($"MQTT broker {_endpoint} answered UNSUBSCRIBE with {reply.Type}.");
        IReadOnlyList<MqttReasonCode> codes = ack.ReasonCodes.Count > 0 ? ack.ReasonCodes : Enumerable.Repeat(MqttReasonCode.Success, filters.Count).ToArray();
        return new MqttUnsubscribeResult(codes, ack.ReasonString);
    }

    /// <summary>Sends DISCONNECT (so the broker discards the will, unless <paramref name="reasonCode"/> asks for it) and stops the loops.</summary>
    public async Task DisconnectAsync(MqttReasonCode reasonCode = MqttReasonCode.Success, CancellationToken cancellationToken = default)
    {
        _stopping = true;
        await _stopRequested.CancelAsync().ConfigureAwait(false); // ends a reconnect back-off or attempt at once
        var connection = _connection;
        if (connection is { IsAlive: true })
        {
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (connection.Control.Writer.TryWrite(new ControlItem(new MqttDisconnectPacket { ReasonCode = reasonCode }, written)))
            {
                WakeWriter();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.Timeout);
                try
                {
                    await written.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // the socket is stuck: close it anyway
                }
                catch (Exception e) when (e is IOException or PeerUnavailableException or ObjectDisposedException)
                {
                    // already gone
                }
            }
            connection.Abort(null);
        }
        if (_supervisor is { } supervisor)
        {
            await supervisor.ConfigureAwait(false);
            _supervisor = null;
        }
        _sessionEnded = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_lifetime.IsCancellationRequested) return;
        try
        {
            await DisconnectAsync(MqttReasonCode.Success, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or PeerUnavailableException or ObjectDisposedException or OperationCanceledException)
        {
            // best effort
        }
        _lifetime.Cancel();
        FailSession(new ObjectDisposedException(nameof(MqttClient)));
        _lifetime.Dispose();
        _stopRequested.Dispose();
    }

    /// <summary>Drops the socket without DISCONNECT, as a crash or a cut cable would (tests: the will must fire).</summary>
    internal void AbortConnection() => _connection?.Abort(new PeerUnavailableException($"MQTT connection to {_endpoint} aborted."));

    // ------------------------------------------------------------------ session state

    private void EnsureUsable()
    {
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        if (_connection is { IsAlive: true }) return;
        if (_supervisor is not null && _options.AutoReconnect && !_stopping && !_sessionEnded) return; // queued until the reconnect
        throw new PeerUnavailableException($"MQTT broker {_endpoint}: not connected.");
    }

    private bool TryRegister(object item)
    {
        lock (_sessionGate)
        {
            for (int i = 0; i < 65535; i++)
            {
                var id = (ushort)(_nextPacketId % 65535 + 1);
                _nextPacketId = id;
                if (_inflight[id] is null)
                {
                    _inflight[id] = item;
                    switch (item)
                    {
                        case OutgoingPublish p: p.Packet.PacketIdentifier = id; break;
                        case PendingRequest r: r.PacketIdentifier = id; break;
                    }
                    return true;
                }
            }
            return false;
        }
    }

    private bool Unregister(ushort id, object expected)
    {
        lock (_sessionGate)
        {
            if (!ReferenceEquals(_inflight[id], expected)) return false;
            _inflight[id] = null!;
            return true;
        }
    }

    private async Task<MqttPacket> RequestAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (connection is not { IsAlive: true }) throw new PeerUnavailableException($"MQTT broker {_endpoint}: not connected.");
        var request = new PendingRequest();
        if (!TryRegister(request)) throw new InvalidOperationException("No free packet identifier.");
        ((IMqttPacketWithIdentifier)packet).PacketIdentifier = request.PacketIdentifier;
        try
        {
            if (!connection.Control.Writer.TryWrite(new ControlItem(packet, null)))
                throw new PeerUnavailableException($"MQTT broker {_endpoint}: the connection closed.");
            WakeWriter();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                return await request.Completion.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PeerUnavailableException($"MQTT broker {_endpoint}: no answer to {packet.Type.ToString().ToUpperInvariant()} within {_options.Timeout.TotalSeconds:0.#} s.");
            }
        }
        finally
        {
            Unregister(request.PacketIdentifier, request);
        }
    }

    /// <summary>Fails everything the session holds (used when the client stops for good).</summary>
    private void FailSession(Exception reason)
    {
        // publishes still waiting for room were never accepted: QoS 0 callers hear it here, QoS 1/2 below (in _inflight)
        List<OverflowEntry> stranded = [];
        lock (_overflowGate)
        {
            foreach (var e in _overflow)
            {
                if (e.State != OverflowEntry.Waiting) continue;
                e.State = OverflowEntry.Cancelled;
                stranded.Add(e);
            }
            _overflow.Clear();
            Volatile.Write(ref _overflowCount, 0);
        }
        foreach (var e in stranded)
        {
            e.Registration.Unregister();
            e.Accepted?.TrySetException(reason);
        }
        List<object> items = [];
        lock (_sessionGate)
        {
            for (int i = 1; i < _inflight.Length; i++)
            {
                if (_inflight[i] is { } o)
                {
                    items.Add(o);
                    _inflight[i] = null!;
                }
            }
        }
        foreach (var o in items)
        {
            switch (o)
            {
                case OutgoingPublish p:
                    // taken out of _inflight here, so nobody else completes it: its window slot is ours to give back
                    _window.Release();
                    CompleteLater(p, reason, default);
                    break;
                case PendingRequest r:
                    r.Completion.TrySetException(reason);
                    break;
            }
        }
        // QoS 0 messages already reported success when they were queued: they are dropped (nobody observes their task)
        while (_outgoing.Reader.TryRead(out var queued))
        {
            if (queued.Packet.QoS != MqttQualityOfService.AtMostOnce) CompleteLater(queued, reason, default); // already failed above: no-op
        }
    }

    // ------------------------------------------------------------------ connection

    private async Task<(Connection, MqttConnectResult)> ConnectOnceAsync(bool cleanStart, CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        Stream? stream = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                stream = await MqttTransport.ConnectAsync(_options, timeout.Token).ConfigureAwait(false);
                var v = _options.ProtocolVersion;
                var v5 = v == MqttProtocolVersion.V500;
                var connect = new MqttConnectPacket
                {
                    ProtocolVersion = v,
                    ClientId = _clientId,
                    CleanStart = cleanStart,
                    KeepAliveSeconds = (ushort)Math.Clamp(_options.KeepAlive.TotalSeconds, 0, ushort.MaxValue),
                    Username = _options.Username,
                    Password = _options.Password is null ? (ReadOnlyMemory<byte>?)null : System.Text.Encoding.UTF8.GetBytes(_options.Password),
                    SessionExpiryInterval = v5 && _options.SessionExpiryInterval > 0 ? _options.SessionExpiryInterval : null,
                    ReceiveMaximum = v5 && _options.ReceiveMaximum != 65535 ? _options.ReceiveMaximum : null,
                    MaximumPacketSize = v5 ? (uint)_options.MaximumPacketSize : null,
                    TopicAliasMaximum = v5 && _options.TopicAliasMaximum > 0 ? _options.TopicAliasMaximum : null,
                    UserProperties = v5 ? _options.UserProperties : null,
                };
                if (_options.Will is { } will)
                {
                    connect.WillFlag = true;
                    connect.WillTopic = will.Topic;
                    connect.WillPayload = will.Payload;
                    connect.WillQoS = will.QoS;
                    connect.WillRetain = will.Retain;
                    if (v5)
                    {
                        connect.WillDelayInterval = _options.WillDelayInterval;
                        connect.WillMessageExpiryInterval = will.MessageExpiryInterval;
                        connect.WillContentType = will.ContentType;
                        connect.WillPayloadFormatIndicator = will.PayloadFormatIndicator;
                        connect.WillResponseTopic = will.ResponseTopic;
                        connect.WillCorrelationData = will.CorrelationData;
                        connect.WillUserProperties = will.UserProperties;
                    }
                }
                await stream.WriteAsync(MqttPacketFormatter.Encode(connect, v), timeout.Token).ConfigureAwait(false);
                await stream.FlushAsync(timeout.Token).ConfigureAwait(false);

                var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 16384, leaveOpen: true));
                var first = await ReadPacketAsync(reader, timeout.Token).ConfigureAwait(false)
                    ?? throw new PeerUnavailableException($"MQTT broker {_endpoint} closed the connection before CONNACK.");
                if (first is not MqttConnAckPacket connAck)
                    throw new ProtocolViolationException($"MQTT broker {_endpoint} sent {first.Type} instead of CONNACK.");
                if (connAck.ReasonCode != MqttReasonCode.Success)
                    throw new MqttConnectException(_endpoint, connAck.ReasonCode, connAck.ReasonString);

                if (connAck.AssignedClientIdentifier is { Length: > 0 } assigned) _clientId = assigned;
                _serverMaxQoS = connAck.MaximumQoS ?? MqttQualityOfService.ExactlyOnce;
                _serverRetainAvailable = connAck.RetainAvailable ?? true;
                _serverMaxPacketSize = connAck.MaximumPacketSize;
                _window.SetLimit(Math.Min(_options.MaxInFlight, connAck.ReceiveMaximum ?? 65535));
                var keepAlive = connAck.ServerKeepAlive is { } ska ? TimeSpan.FromSeconds(ska) : _options.KeepAlive;
                var aliasMax = v5 && _options.UseTopicAliases ? connAck.TopicAliasMaximum ?? (ushort)0 : (ushort)0;
                if (!connAck.SessionPresent)
                {
                    lock (_sessionGate) _inboundQoS2.Clear();
                }
                var connection = new Connection(this, stream, reader, keepAlive, aliasMax, _lifetime.Token);
                await ResendSessionAsync(connection, timeout.Token).ConfigureAwait(false);
                var result = new MqttConnectResult(connAck.ReasonCode, connAck.SessionPresent, _clientId, connAck);
                _connection = connection;
                connection.Start(this);
                stream = null;
                MqttClientLog.Connected(_logger, _endpoint, v, _clientId, connAck.SessionPresent);
                MqttClientMetrics.Connects.Add(1);
                if (ConnectedAsync is { } handler) await InvokeSafelyAsync(handler, result).ConfigureAwait(false);
                return (connection, result);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
            {
                throw new PeerUnavailableException($"MQTT broker {_endpoint}: no CONNACK within {_options.Timeout.TotalSeconds:0.#} s.");
            }
            catch (IOException e)
            {
                throw new PeerUnavailableException($"MQTT broker {_endpoint}: connection failed during CONNECT: {e.Message}", e);
            }
        }
        finally
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            _connectGate.Release();
        }
    }

    /// <summary>Sends again, in their original order, the QoS 1/2 publishes and PUBRELs still unacknowledged (DUP set).</summary>
    private async Task ResendSessionAsync(Connection connection, CancellationToken cancellationToken)
    {
        List<OutgoingPublish> resend = [];
        lock (_sessionGate)
        {
            foreach (var o in _inflight)
            {
                if (o is OutgoingPublish { Sent: true } p) resend.Add(p);
            }
        }
        if (resend.Count == 0) return;
        resend.Sort(static (a, b) => a.SendOrder.CompareTo(b.SendOrder));
        using var buffer = new PooledBufferWriter(64 * 1024);
        foreach (var p in resend)
        {
            MqttPacket packet;
            if (p.PubRecReceived)
            {
                packet = new MqttPubRelPacket { PacketIdentifier = p.Packet.PacketIdentifier };
            }
            else
            {
                p.Packet.Topic = p.Topic;
                p.Packet.TopicAlias = null;
                p.Packet.Dup = true;
                packet = p.Packet;
            }
            MqttPacketFormatter.Encode(packet, _options.ProtocolVersion, buffer);
            if (buffer.WrittenCount >= _options.WriteBufferSize)
            {
                await connection.Stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                buffer.Clear();
            }
        }
        if (buffer.WrittenCount > 0) await connection.Stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await connection.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        MqttClientLog.Resent(_logger, _endpoint, resend.Count);
        MqttClientMetrics.PublishesResent.Add(resend.Count);
    }

    private async Task<MqttPacket?> ReadPacketAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                if (MqttPacketFormatter.TryDecode(buffer, _options.ProtocolVersion, _options.MaximumPacketSize, out var packet, out consumed))
                    return packet;
                consumed = buffer.Start;
                if (result.IsCompleted) return null;
            }
            finally
            {
                reader.AdvanceTo(consumed, buffer.End);
            }
        }
    }

    /// <summary>Waits for the connection to end, reports it and reconnects with backoff until the client stops.</summary>
    private async Task SuperviseAsync(Connection connection)
    {
        try
        {
            await SuperviseCoreAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            _sessionEnded = true;
            // anything a producer queued while the supervisor was giving up fails now instead of waiting for ever
            FailSession(new PeerUnavailableException($"MQTT broker {_endpoint}: the session ended."));
        }
    }

    private async Task SuperviseCoreAsync(Connection connection)
    {
        var policy = new ExponentialBackoffRetryPolicy(_options.Reconnect);
        while (true)
        {
            var (error, serverReason) = await connection.RunAsync().ConfigureAwait(false);
            if (ReferenceEquals(_connection, connection)) _connection = null;
            var reconnect = _options.AutoReconnect && !_stopping && !_lifetime.IsCancellationRequested;
            if (error is not null)
            {
                // a dropped link is routine on a plant network and its message says what happened; a stack trace (which
                // also loads the PDB readers, megabytes on a small board) only for what is not a network failure
                var expected = error is IOException or System.Net.Sockets.SocketException or PeerUnavailableException or TimeoutException;
                MqttClientLog.ConnectionLost(_logger, _endpoint, error.Message, expected ? null : error);
                MqttClientMetrics.ConnectionsLost.Add(1);
            }
            if (DisconnectedAsync is { } handler)
                await InvokeSafelyAsync(handler, new MqttClientDisconnectedEventArgs(error, serverReason, reconnect)).ConfigureAwait(false);
            if (!reconnect)
            {
                FailSession(new PeerUnavailableException($"MQTT broker {_endpoint}: " + (_stopping ? "the client disconnected." : "connection lost: " + error?.Message), error ?? new OperationCanceledException()));
                return;
            }
            var started = Stopwatch.StartNew();
            Connection? next = null;
            for (int attempt = 1; next is null; attempt++)
            {
                var delay = policy.GetNextDelay(attempt, started.Elapsed);
                if (delay is null || _stopping || _lifetime.IsCancellationRequested)
                {
                    FailSession(new PeerUnavailableException($"MQTT broker {_endpoint}: gave up reconnecting after {attempt - 1} attempt(s)."));
                    return;
                }
                MqttClientLog.Reconnecting(_logger, _endpoint, attempt, delay.Value.TotalMilliseconds);
                try
                {
                    var stop = _stopRequested.Token;
                    await Task.Delay(delay.Value, _time, stop).ConfigureAwait(false);
                    if (_stopping) continue;
                    (next, _) = await ConnectOnceAsync(cleanStart: false, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_lifetime.IsCancellationRequested || _stopping)
                {
                    return;
                }
                catch (Exception e) when (!_lifetime.IsCancellationRequested)
                {
                    // anything else (a TLS file gone, a refused CONNECT) is retried too: the gateway must heal by itself
                    MqttClientLog.ReconnectFailed(_logger, _endpoint, attempt, e.Message);
                }
            }
            connection = next;
        }
    }

    private async Task InvokeSafelyAsync<T>(Func<T, Task> handler, T args)
    {
        try
        {
            await handler(args).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            MqttClientLog.HandlerFailed(_logger, _endpoint, e);
        }
    }

    // ------------------------------------------------------------------ loops

    private async Task ReceiveLoopAsync(Connection c, CancellationToken cancellationToken)
    {
        var reader = c.Reader;
        var version = _options.ProtocolVersion;
        var acknowledged = new List<Acknowledged>(); // acknowledged publishes not yet handed to the pump
        try
        {
            while (true)
            {
                var read = reader.ReadAsync(cancellationToken);
                ReadResult result;
                if (!read.IsCompleted && _completions.TryTake(acknowledged))
                {
                    // about to wait for bytes with acknowledgements in hand: the pump runs on this thread once the loop has
                    // let go of it (its continuation is registered with the read), so no work item and no other thread
                    result = await new PumpWhileReading(read, _completions);
                }
                else
                {
                    if (acknowledged.Count >= 1024) _completions.Add(acknowledged); // bytes keep coming: don't hold them back
                    result = await read.ConfigureAwait(false);
                }
                var buffer = result.Buffer;
                try
                {
                    var now = 0L;
                    while (true)
                    {
                        // hot path: a PUBACK without properties (40 02 id id; 5.0 also 40 03 id id rc and 40 04 id id rc 00,
                        // Mosquitto's answer when nobody subscribes) completes a publish without decoding a packet object;
                        // anything else (properties, a reason code not valid for PUBACK, 3.1.1 extras) takes the full decoder
                        var first = buffer.FirstSpan;
                        if (first.Length >= 4 && first[0] == 0x40 && MqttPacketFormatter.TryDecodeBarePubAck(first, version, out var id, out var reason, out var length))
                        {
                            buffer = buffer.Slice(length);
                            if (now == 0) now = _time.GetTimestamp();
                            CompleteById(id, reason, acknowledged);
                            continue;
                        }
                        if (!MqttPacketFormatter.TryDecode(buffer, version, _options.MaximumPacketSize, out var packet, out var consumed)) break;
                        buffer = buffer.Slice(consumed);
                        now = _time.GetTimestamp();
                        c.LastReceived = now;
                        var handled = HandleAsync(c, packet!, acknowledged, cancellationToken);
                        if (!handled.IsCompleted)
                        {
                            // about to wait (the inbound queue is full): a handler may be waiting for one of these
                            _completions.Add(acknowledged);
                            await handled.ConfigureAwait(false);
                        }
                    }
                    if (now != 0) c.LastReceived = now;
                    if (result.IsCompleted)
                        throw new PeerUnavailableException($"MQTT broker {_endpoint} closed the connection.");
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        finally
        {
            _completions.Add(acknowledged); // taken out of the session already: they must still be told
        }
    }

    private async ValueTask HandleAsync(Connection c, MqttPacket packet, List<Acknowledged> acknowledged, CancellationToken cancellationToken)
    {
        switch (packet)
        {
            case MqttPubAckPacket ack:
                Complete(ack.PacketIdentifier, MqttQualityOfService.AtLeastOnce, ack, acknowledged);
                break;
            case MqttPubRecPacket rec:
                OnPubRec(c, rec, acknowledged);
                break;
            case MqttPubCompPacket comp:
                Complete(comp.PacketIdentifier, MqttQualityOfService.ExactlyOnce, comp, acknowledged);
                break;
            case MqttPublishPacket publish:
                await OnPublishAsync(c, publish, cancellationToken).ConfigureAwait(false);
                break;
            case MqttPubRelPacket rel:
                lock (_sessionGate) _inboundQoS2.Remove(rel.PacketIdentifier);
                c.Send(new MqttPubCompPacket { PacketIdentifier = rel.PacketIdentifier });
                break;
            case MqttSubAckPacket or MqttUnsubAckPacket:
                var id = ((IMqttPacketWithIdentifier)packet).PacketIdentifier;
                PendingRequest? request;
                lock (_sessionGate) request = _inflight[id] as PendingRequest;
                request?.Completion.TrySetResult(packet);
                break;
            case MqttPingRespPacket:
                c.PingSentAt = 0;
                break;
            case MqttDisconnectPacket disconnect:
                c.ServerReason = disconnect.ReasonCode;
                throw new PeerUnavailableException($"MQTT broker {_endpoint} disconnected us: {disconnect.ReasonCode}{(disconnect.ReasonString is null ? "" : " (" + disconnect.ReasonString + ")")}.");
            default:
                throw new ProtocolViolationException($"MQTT broker {_endpoint} sent an unexpected {packet.Type.ToString().ToUpperInvariant()}.");
        }
        _ = cancellationToken;
    }

    private void CompleteById(ushort id, MqttReasonCode reason, List<Acknowledged> acknowledged)
    {
        OutgoingPublish? item;
        lock (_sessionGate)
        {
            item = _inflight[id] as OutgoingPublish;
            if (item is not { Packet.QoS: MqttQualityOfService.AtLeastOnce }) item = null;
            else _inflight[id] = null!;
        }
        if (item is null)
        {
            MqttClientLog.UnknownPacketId(_logger, _endpoint, MqttPacketType.PubAck, id);
            return;
        }
        _window.Release();
        MqttClientMetrics.PublishesAcknowledged.Add(1);
        acknowledged.Add(new Acknowledged(item, new MqttPublishResult(reason, id)));
    }

    private void Complete(ushort id, MqttQualityOfService expected, MqttPublishAcknowledgementPacket ack, List<Acknowledged> acknowledged)
    {
        OutgoingPublish? item;
        lock (_sessionGate)
        {
            item = _inflight[id] as OutgoingPublish;
            if (item is null || item.Packet.QoS != expected)
            {
                item = null;
            }
            else
            {
                _inflight[id] = null!;
            }
        }
        if (item is null)
        {
            MqttClientLog.UnknownPacketId(_logger, _endpoint, ack.Type, id);
            return;
        }
        _window.Release();
        MqttClientMetrics.PublishesAcknowledged.Add(1);
        acknowledged.Add(new Acknowledged(item, new MqttPublishResult(ack.ReasonCode, id, ack.ReasonString)));
    }

    private void OnPubRec(Connection c, MqttPubRecPacket rec, List<Acknowledged> acknowledged)
    {
        OutgoingPublish? item;
        lock (_sessionGate) item = _inflight[rec.PacketIdentifier] as OutgoingPublish;
        if (item is null || item.Packet.QoS != MqttQualityOfService.ExactlyOnce)
        {
            c.Send(new MqttPubRelPacket { PacketIdentifier = rec.PacketIdentifier, ReasonCode = _options.ProtocolVersion == MqttProtocolVersion.V500 ? MqttReasonCode.PacketIdentifierNotFound : MqttReasonCode.Success });
            return;
        }
        if ((byte)rec.ReasonCode >= 0x80)
        {
            Complete(rec.PacketIdentifier, MqttQualityOfService.ExactlyOnce, rec, acknowledged);
            return;
        }
        item.PubRecReceived = true;
        c.Send(new MqttPubRelPacket { PacketIdentifier = rec.PacketIdentifier });
    }

    private ValueTask OnPublishAsync(Connection c, MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        var topic = publish.Topic;
        if (publish.TopicAlias is { } alias)
        {
            if (alias > _options.TopicAliasMaximum)
                throw new ProtocolViolationException($"MQTT broker {_endpoint} used topic alias {alias} above our maximum {_options.TopicAliasMaximum}.");
            if (topic.Length > 0) c.InboundAliases[alias] = topic;
            else if (!c.InboundAliases.TryGetValue(alias, out topic!))
                throw new ProtocolViolationException($"MQTT broker {_endpoint} used unknown topic alias {alias}.");
        }
        // handed to the dispatcher loop, so that a handler may itself publish and await a PUBACK (which this loop reads)
        var item = new InboundPublish(publish, topic);
        return c.Inbound.Writer.TryWrite(item) ? ValueTask.CompletedTask : c.Inbound.Writer.WriteAsync(item, cancellationToken);
    }

    /// <summary>Delivers inbound messages in order, then acknowledges each (at-least-once towards the handler).</summary>
    private async Task DispatchLoopAsync(Connection c, CancellationToken cancellationToken)
    {
        await foreach (var (publish, topic) in c.Inbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var deliver = true;
            if (publish.QoS == MqttQualityOfService.ExactlyOnce)
            {
                lock (_sessionGate) deliver = _inboundQoS2.Add(publish.PacketIdentifier);
            }
            if (deliver && ApplicationMessageReceivedAsync is { } handler)
            {
                var message = new MqttApplicationMessage
                {
                    Topic = topic,
                    Payload = publish.Payload,
                    QoS = publish.QoS,
                    Retain = publish.Retain,
                    Dup = publish.Dup,
                    MessageExpiryInterval = publish.MessageExpiryInterval,
                    ContentType = publish.ContentType,
                    ResponseTopic = publish.ResponseTopic,
                    CorrelationData = publish.CorrelationData,
                    PayloadFormatIndicator = publish.PayloadFormatIndicator,
                    UserProperties = publish.UserProperties,
                    SubscriptionIdentifiers = publish.SubscriptionIdentifiers,
                };
                await InvokeSafelyAsync(handler, new MqttApplicationMessageReceivedEventArgs(message, _clientId)).ConfigureAwait(false);
                MqttClientMetrics.MessagesReceived.Add(1);
            }
            switch (publish.QoS)
            {
                case MqttQualityOfService.AtLeastOnce:
                    c.Send(new MqttPubAckPacket { PacketIdentifier = publish.PacketIdentifier });
                    break;
                case MqttQualityOfService.ExactlyOnce:
                    c.Send(new MqttPubRecPacket { PacketIdentifier = publish.PacketIdentifier });
                    break;
            }
        }
    }

    private async Task SendLoopAsync(Connection c, CancellationToken cancellationToken)
    {
        var version = _options.ProtocolVersion;
        var limit = _options.WriteBufferSize;
        using var buffer = new PooledBufferWriter(limit + 1024);
        var acknowledged = new List<TaskCompletionSource>();
        var control = c.Control.Reader;
        var data = _outgoing.Reader;
        // the connection ending ends a wait (the check at the top of the loop then throws)
        using var wakeOnCancel = cancellationToken.UnsafeRegister(static s => ((WriterSignal)s!).Wake(inline: false), _writerSignal);
        long published = 0;
        var resumedInline = false; // woken on the completion pump's thread: write once, then move to the thread pool
        ControlItem? disconnect = null; // DISCONNECT waits until the publishes queued before it are in the buffer
        var queuedBeforeDisconnect = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                while (disconnect is null && buffer.WrittenCount < limit && control.TryRead(out var item))
                {
                    if (item.Packet is MqttDisconnectPacket)
                    {
                        disconnect = item;
                        queuedBeforeDisconnect = data.Count; // bounded: a producer that keeps publishing cannot hold it back
                        break;
                    }
                    MqttPacketFormatter.Encode(item.Packet, version, buffer);
                    if (item.Written is not null) acknowledged.Add(item.Written);
                }
                while (buffer.WrittenCount < limit && (disconnect is null || queuedBeforeDisconnect > 0) && data.TryRead(out var publish))
                {
                    if (disconnect is not null) queuedBeforeDisconnect--;
                    var packet = publish.Packet;
                    if (packet.QoS != MqttQualityOfService.AtMostOnce)
                    {
                        publish.SendOrder = Interlocked.Increment(ref _sendOrder);
                        publish.Sent = true;
                    }
                    if (c.OutboundAliasMaximum > 0) ApplyAlias(c, publish);
                    MqttPacketFormatter.Encode(packet, version, buffer);
                    published++;
                }
                // (not while a DISCONNECT waits: what is still in line then was never accepted, and FailSession says so)
                if (disconnect is null && Volatile.Read(ref _overflowCount) > 0) MoveOverflow();
                if (disconnect is { } d && buffer.WrittenCount < limit && (queuedBeforeDisconnect <= 0 || data.Count == 0))
                {
                    MqttPacketFormatter.Encode(d.Packet, version, buffer);
                    if (d.Written is not null) acknowledged.Add(d.Written);
                    disconnect = null;
                }
                if (buffer.WrittenCount > 0)
                {
                    await c.Stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    if (published > 0)
                    {
                        MqttClientMetrics.PublishesSent.Add(published);
                        published = 0;
                    }
                    c.LastSent = _time.GetTimestamp();
                    buffer.Clear();
                    foreach (var t in acknowledged) t.TrySetResult();
                    acknowledged.Clear();
                    if (resumedInline)
                    {
                        // on the pump's thread: give it back if there is more to write (from the thread pool), else go idle here
                        resumedInline = false;
                        if (control.TryPeek(out _) || data.Count > 0 || Volatile.Read(ref _overflowCount) > 0) await Task.Yield();
                    }
                    continue;
                }
                if (MoveOverflow()) continue; // never idle while a publish waits for room
                // idle: say so, look once more (whatever was queued before a waker looked at the signal is seen here),
                // then wait for a wake-up
                _writerSignal.PrepareWait();
                if ((control.TryPeek(out _) || data.Count > 0 || Volatile.Read(ref _overflowCount) > 0 || cancellationToken.IsCancellationRequested)
                    && _writerSignal.TryCancelWait())
                {
                    continue;
                }
                await _writerSignal.WaitAsync().ConfigureAwait(false);
                resumedInline = _writerSignal.ResumedInline;
            }
        }
        finally
        {
            // the link failed: whoever waits for a DISCONNECT (or another control packet) to be written hears it now
            var closed = new PeerUnavailableException($"MQTT connection to {_endpoint} closed before the packet was sent.");
            disconnect?.Written?.TrySetException(closed);
            foreach (var t in acknowledged) t.TrySetException(closed);
        }
    }

    private static void ApplyAlias(Connection c, OutgoingPublish publish)
    {
        var packet = publish.Packet;
        if (c.OutboundAliases.TryGetValue(publish.Topic, out var alias))
        {
            packet.Topic = "";
            packet.TopicAlias = alias;
        }
        else if (c.OutboundAliases.Count < c.OutboundAliasMaximum)
        {
            alias = (ushort)(c.OutboundAliases.Count + 1);
            c.OutboundAliases[publish.Topic] = alias;
            packet.Topic = publish.Topic;
            packet.TopicAlias = alias;
        }
        else
        {
            packet.Topic = publish.Topic;
            packet.TopicAlias = null;
        }
    }

    private async Task KeepAliveLoopAsync(Connection c, CancellationToken cancellationToken)
    {
        if (c.KeepAlive <= TimeSpan.Zero) return;
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(c.KeepAlive.TotalMilliseconds / 4, 50, 5000));
        var lastPing = _time.GetTimestamp();
        // Task.Delay rather than PeriodicTimer: a cancelled PeriodicTimer records its stack trace with file and line,
        // which loads the PDB readers (several MB resident) every time a connection drops
        while (true)
        {
            await Task.Delay(tick, _time, cancellationToken).ConfigureAwait(false);
            _completions.RescueIfStuck();
            var now = _time.GetTimestamp();
            var pingSent = c.PingSentAt;
            if (pingSent != 0)
            {
                if (_time.GetElapsedTime(pingSent, now) > _options.Timeout)
                    throw new PeerUnavailableException($"MQTT broker {_endpoint}: no PINGRESP within {_options.Timeout.TotalSeconds:0.#} s (dead connection).");
                continue;
            }
            // ping when idle for half the keep-alive, and at least once per keep-alive even when busy, so a dead broker is noticed under load
            if (_time.GetElapsedTime(c.LastSent, now) >= c.KeepAlive / 2 || _time.GetElapsedTime(lastPing, now) >= c.KeepAlive)
            {
                c.PingSentAt = now;
                lastPing = now;
                c.Send(MqttPingReqPacket.Instance);
            }
        }
    }

    // ------------------------------------------------------------------ types

    /// <summary>The result of every QoS 0 publish (immutable, so one instance serves all).</summary>
    private static readonly MqttPublishResult QoS0Written = new(MqttReasonCode.Success, 0);
    private static readonly Task<MqttPublishResult> QoS0Queued = Task.FromResult(QoS0Written);

    /// <summary>
    /// A queued publish; it is its own completion source (one allocation less per message than holding one). Its
    /// continuations run where it is completed, which is never a loop of ours: acknowledgements go through the
    /// <see cref="CompletionPump"/>, failures and cancellations through a work item of their own (<see cref="CompleteLater"/>).
    /// </summary>
    private sealed class OutgoingPublish(MqttPublishPacket packet) : TaskCompletionSource<MqttPublishResult>
    {
        public MqttPublishPacket Packet { get; } = packet;
        public string Topic { get; } = packet.Topic;
        public TaskCompletionSource<MqttPublishResult> Completion => this;
        public volatile bool Sent;
        public volatile bool PubRecReceived;
        public long SendOrder;
    }

    /// <summary>A publish whose acknowledgement has arrived, with its result, on the way to its caller.</summary>
    private readonly record struct Acknowledged(OutgoingPublish Item, MqttPublishResult Result);

    /// <summary>
    /// Tells publishers their acknowledgements, in the order the broker sent them, on the thread pool: the receive loop
    /// hands over what each read brought as one batch, and one runner at a time completes them in order, so the callers'
    /// continuations run right there, one after another, instead of costing a thread-pool hop each. Publishes made by
    /// those continuations are written when the queue runs dry, in one socket write, by the send loop run inline.
    /// A continuation must not block: it holds up the results behind it. If one does (no progress between two keep-alive
    /// ticks while results wait), <see cref="RescueIfStuck"/> starts a second runner, so a continuation that waits for a
    /// later publish's result delays but never deadlocks (order is then no longer guaranteed for those results).
    /// </summary>
    private sealed class CompletionPump(MqttClient owner) : IThreadPoolWorkItem
    {
        [ThreadStatic] private static MqttClient? t_completing;
        private readonly object _gate = new();
        private readonly List<Acknowledged> _pending = [];
        private int _head; // next result to deliver in _pending
        private int _runners; // Execute calls under way (1, or more after a rescue)
        private long _progress; // results taken so far
        private long _progressAtCheck = -1;

        /// <summary>Whether the current thread is running continuations of <paramref name="client"/>'s publishes.</summary>
        public static bool IsCompleting(MqttClient client) => ReferenceEquals(t_completing, client);

        /// <summary>Takes the batch (and clears it); schedules a runner on the thread pool unless one runs already.</summary>
        public void Add(List<Acknowledged> batch)
        {
            if (TryTake(batch)) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        /// <summary>
        /// Takes the batch (and clears it); true if no runner is under way, in which case the caller must run
        /// <see cref="Execute"/> (or schedule it) next; false if a running one will deliver the batch.
        /// </summary>
        public bool TryTake(List<Acknowledged> batch)
        {
            if (batch.Count == 0) return false;
            lock (_gate)
            {
                _pending.AddRange(batch);
                batch.Clear();
                if (_runners > 0) return false;
                _runners = 1;
                return true;
            }
        }

        /// <summary>Called now and then (keep-alive ticks): starts another runner if results wait and none moved since the last call.</summary>
        public void RescueIfStuck()
        {
            lock (_gate)
            {
                if (_runners == 0 || _head == _pending.Count)
                {
                    _progressAtCheck = -1;
                    return;
                }
                if (_progress != _progressAtCheck)
                {
                    _progressAtCheck = _progress;
                    return;
                }
                _runners++;
                _progressAtCheck = -1;
            }
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        public void Execute()
        {
            var outer = t_completing;
            t_completing = owner;
            try
            {
                var deliveredSinceFlush = 0;
                while (true)
                {
                    Acknowledged next = default;
                    var have = false;
                    lock (_gate)
                    {
                        if (_head < _pending.Count)
                        {
                            next = _pending[_head];
                            _pending[_head++] = default;
                            _progress++;
                            have = true;
                        }
                        else
                        {
                            _pending.Clear();
                            _head = 0;
                            if (deliveredSinceFlush == 0)
                            {
                                _runners--;
                                return;
                            }
                        }
                    }
                    if (have)
                    {
                        next.Item.TrySetResult(next.Result);
                        // (results may keep coming while the runner works: the writer is not kept waiting for long)
                        if (++deliveredSinceFlush < 1024) continue;
                    }
                    // ran dry: what the continuations published goes out together (no wake-up when they published
                    // nothing), and the send loop writes it right here, on this thread, instead of being woken on another
                    // (for one write: if it has more to do, it goes on on the thread pool); then look for more results
                    deliveredSinceFlush = 0;
                    if (owner._outgoing.Reader.Count > 0 || Volatile.Read(ref owner._overflowCount) > 0) owner._writerSignal.Wake(inline: true);
                }
            }
            finally
            {
                t_completing = outer;
            }
        }
    }

    /// <summary>
    /// Awaits a pending read of the receive loop and, once the loop's continuation is registered with it (so the loop no
    /// longer depends on this thread), runs the completion pump on the thread the loop is letting go of. Callers' code
    /// thus never runs inside the receive loop, and a batch of acknowledgements costs no work item of its own.
    /// </summary>
    private readonly struct PumpWhileReading(ValueTask<ReadResult> read, CompletionPump pump) : ICriticalNotifyCompletion
    {
        private readonly ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _read = read.ConfigureAwait(false).GetAwaiter();

        public PumpWhileReading GetAwaiter() => this;

        public bool IsCompleted => false; // always through UnsafeOnCompleted, so that the pump runs

        public ReadResult GetResult() => _read.GetResult();

        public void OnCompleted(Action continuation)
        {
            _read.OnCompleted(continuation);
            pump.Execute();
        }

        public void UnsafeOnCompleted(Action continuation)
        {
            _read.UnsafeOnCompleted(continuation);
            pump.Execute();
        }
    }

    /// <summary>Fails or cancels a publish from a work item of its own, so no caller code runs on the thread that decided it.</summary>
    private static void CompleteLater(OutgoingPublish item, Exception? error, CancellationToken cancelled) =>
        ThreadPool.UnsafeQueueUserWorkItem(static s =>
        {
            if (s.error is not null) s.item.TrySetException(s.error);
            else s.item.TrySetCanceled(s.cancelled);
        }, (item, error, cancelled), preferLocal: false);

    /// <summary>A publish waiting for room in the outgoing queue.</summary>
    private sealed class OverflowEntry(MqttClient owner, OutgoingPublish item)
    {
        public const int Waiting = 0, Moved = 1, Cancelled = 2;
        public MqttClient Owner { get; } = owner;
        public OutgoingPublish Item { get; } = item;
        /// <summary>QoS 0 only: completes when the publish is in the queue; no RunContinuationsAsynchronously, because
        /// MoveOverflow completes a whole batch from one thread-pool work item.</summary>
        public TaskCompletionSource<MqttPublishResult>? Accepted { get; } = item.Packet.QoS == MqttQualityOfService.AtMostOnce ? new() : null;
        public int State; // guarded by _overflowGate
        public CancellationTokenRegistration Registration; // guarded by _overflowGate
    }

    private sealed class PendingRequest
    {
        public ushort PacketIdentifier;
        public TaskCompletionSource<MqttPacket> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct ControlItem(MqttPacket Packet, TaskCompletionSource? Written);

    private readonly record struct InboundPublish(MqttPublishPacket Packet, string Topic);

    /// <summary>One TCP/TLS connection and its three loops.</summary>
    private sealed class Connection
    {
        private readonly MqttClient _owner;
        private readonly CancellationTokenSource _cts;
        private readonly TaskCompletionSource<Exception?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task[] _loops = [];

        public Connection(MqttClient owner, Stream stream, PipeReader reader, TimeSpan keepAlive, ushort outboundAliasMaximum, CancellationToken lifetime)
        {
            _owner = owner;
            Stream = stream;
            Reader = reader;
            KeepAlive = keepAlive;
            OutboundAliasMaximum = outboundAliasMaximum;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
            LastSent = LastReceived = TimeProvider.System.GetTimestamp();
        }

        public Stream Stream { get; }
        public PipeReader Reader { get; }
        public TimeSpan KeepAlive { get; }
        public ushort OutboundAliasMaximum { get; }
        public Dictionary<string, ushort> OutboundAliases { get; } = new(StringComparer.Ordinal);
        public Dictionary<ushort, string> InboundAliases { get; } = [];
        public Channel<ControlItem> Control { get; } = Channel.CreateUnbounded<ControlItem>(new UnboundedChannelOptions { SingleReader = true });
        /// <summary>Received publishes waiting for the handler; bounded, so a slow handler slows the socket instead of memory growing.</summary>
        public Channel<InboundPublish> Inbound { get; } = Channel.CreateBounded<InboundPublish>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        public long LastSent;
        public long LastReceived;
        public long PingSentAt;
        public MqttReasonCode? ServerReason;

        public bool IsAlive => !_ended.Task.IsCompleted;

        public void Send(MqttPacket packet)
        {
            if (Control.Writer.TryWrite(new ControlItem(packet, null))) _owner.WakeWriter();
        }

        public void Start(MqttClient client)
        {
            var token = _cts.Token;
            _loops =
            [
                Observe(client.ReceiveLoopAsync(this, token)),
                Observe(client.SendLoopAsync(this, token)),
                Observe(client.KeepAliveLoopAsync(this, token)),
                Observe(client.DispatchLoopAsync(this, token)),
            ];
        }

        private async Task Observe(Task loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_cts.IsCancellationRequested)
            {
                Abort(null);
                return;
            }
            catch (Exception e)
            {
                Abort(e);
                return;
            }
        }

        public void Abort(Exception? error)
        {
            if (!_ended.TrySetResult(error)) return;
            Control.Writer.TryComplete();
            Inbound.Writer.TryComplete();
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // already torn down
            }
        }

        /// <summary>Waits for the first loop to fail (or an abort), then tears everything down; returns the reason.</summary>
        public async Task<(Exception? Error, MqttReasonCode? ServerReason)> RunAsync()
        {
            var error = await _ended.Task.ConfigureAwait(false);
            await Task.WhenAll(_loops).ConfigureAwait(false); // Observe never throws
            await Reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await Stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the socket is already broken
            }
            while (Control.Reader.TryRead(out var item)) item.Written?.TrySetException(new PeerUnavailableException("The connection closed before the packet was sent."));
            _cts.Dispose();
            return (error, ServerReason);
        }
    }
}

internal static partial class MqttClientLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "MQTT connected to {Endpoint} ({Version}) as '{ClientId}', session present: {SessionPresent}")]
    public static partial void Connected(ILogger logger, string endpoint, MqttProtocolVersion version, string clientId, bool sessionPresent);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "MQTT connection to {Endpoint} lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason, Exception? exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "MQTT reconnecting to {Endpoint}: attempt {Attempt} in {DelayMs:0} ms")]
    public static partial void Reconnecting(ILogger logger, string endpoint, int attempt, double delayMs);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "MQTT reconnect attempt {Attempt} to {Endpoint} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, string endpoint, int attempt, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "MQTT event handler for {Endpoint} threw")]
    public static partial void HandlerFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "MQTT {Endpoint} sent {PacketType} for unknown packet id {PacketId}")]
    public static partial void UnknownPacketId(ILogger logger, string endpoint, MqttPacketType packetType, ushort packetId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "MQTT resent {Count} unacknowledged packet(s) to {Endpoint}")]
    public static partial void Resent(ILogger logger, string endpoint, int count);
}
