using System.Threading.Channels;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Storage.Tests.Support;

/// <summary>
/// A test <see cref="ITelemetryPublisher"/>: every publish shows up in <see cref="Publishes"/> and completes only when the
/// test acks or fails it (the stand-in for a broker's PUBACK or a lost link), or at once in auto-ack mode.
/// </summary>
internal sealed class ControlledPublisher : ITelemetryPublisher, IAnomalyEventPublisher, IUplinkConnections
{
    private readonly Lock _connectionGate = new();
    private long _connections = 1;
    private TaskCompletionSource _nextConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<PendingPublish> _publishes = Channel.CreateUnbounded<PendingPublish>();
    private readonly List<TelemetryBatch> _acked = [];
    private readonly List<AnomalyEventEnvelope> _ackedEvents = [];

    /// <summary>When set, publishes complete at once (a healthy broker).</summary>
    public volatile bool AutoAck;

    /// <summary>When set, publishes fail at once with PeerUnavailableException (a broker that is down).</summary>
    public volatile bool LinkDown;

    public ChannelReader<PendingPublish> Publishes => _publishes.Reader;

    public IReadOnlyList<TelemetryBatch> Acked { get { lock (_acked) return _acked.ToArray(); } }

    public IReadOnlyList<AnomalyEventEnvelope> AckedEvents { get { lock (_ackedEvents) return _ackedEvents.ToArray(); } }

    public ValueTask PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        // copy: the batch is only valid during the call
        var copy = batch with { Samples = batch.Samples.ToArray() };
        return Publish(new PendingPublish(copy, null, this), cancellationToken);
    }

    public ValueTask PublishAsync(AnomalyEventEnvelope envelope, CancellationToken cancellationToken) =>
        Publish(new PendingPublish(null, envelope, this), cancellationToken);

    private ValueTask Publish(PendingPublish p, CancellationToken cancellationToken)
    {
        if (LinkDown) throw new PeerUnavailableException("broker 127.0.0.1:1883 is down (test)");
        if (AutoAck)
        {
            p.Ack();
            return ValueTask.CompletedTask;
        }
        _publishes.Writer.TryWrite(p);
        return new ValueTask(p.Done.Task.WaitAsync(cancellationToken));
    }

    public long Connections
    {
        get { lock (_connectionGate) return _connections; }
    }

    public Task WhenConnectedAfterAsync(long seen, CancellationToken cancellationToken)
    {
        lock (_connectionGate) return _connections > seen ? Task.CompletedTask : _nextConnection.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The link is back: a new connection, as an MQTT uplink reports after it reconnects.</summary>
    public void Reconnect()
    {
        LinkDown = false;
        TaskCompletionSource reached;
        lock (_connectionGate)
        {
            _connections++;
            reached = _nextConnection;
            _nextConnection = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        reached.TrySetResult();
    }

    public async Task<PendingPublish> NextAsync(TimeSpan? guard = null) =>
        await _publishes.Reader.ReadAsync().AsTask().WaitAsync(guard ?? TimeSpan.FromSeconds(10));

    internal void RecordAck(PendingPublish p)
    {
        if (p.Batch is not null) lock (_acked) _acked.Add(p.Batch);
        if (p.Event is not null) lock (_ackedEvents) _ackedEvents.Add(p.Event);
    }
}

internal sealed class PendingPublish(TelemetryBatch? batch, AnomalyEventEnvelope? anomaly, ControlledPublisher owner)
{
    public TelemetryBatch? Batch { get; } = batch;

    public AnomalyEventEnvelope? Event { get; } = anomaly;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Sequence => Batch?.Sequence ?? Event!.Sequence;

    public void Ack()
    {
        owner.RecordAck(this);
        Done.TrySetResult();
    }

    public void Fail() => Done.TrySetException(new PeerUnavailableException("connection to broker lost (test)"));
}
