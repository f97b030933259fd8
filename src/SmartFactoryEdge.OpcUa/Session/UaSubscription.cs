using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Session;

/// <summary>
/// Called on the session's processing loop with the data changes of one notification message; must not block.
/// A handler that cannot take everything at once keeps the rest and lets the subscription's backpressure wait
/// (see <see cref="ManagedBackpressure"/>): the loop awaits it before the next message.
/// </summary>
public delegate void DataChangeHandler(UaSubscription subscription, NotificationMessage message);

/// <summary>Awaited by the session's processing loop after every message of a subscription: completes when the handler's consumer has room again.</summary>
public delegate ValueTask ManagedBackpressure(CancellationToken cancellationToken);

/// <summary>What to monitor: a node's Value with sampling, queue and deadband settings (Part 4, 5.12.2 and 7.21).</summary>
public sealed record MonitoredItemSpec
{
    public required NodeId NodeId { get; init; }

    /// <summary>Our handle: comes back with every notification of this item.</summary>
    public required uint ClientHandle { get; init; }

    /// <summary>Sampling interval in ms; -1 uses the publishing interval, 0 the fastest the server can.</summary>
    public double SamplingInterval { get; init; } = -1;

    public uint QueueSize { get; init; } = 1;

    public bool DiscardOldest { get; init; } = true;

    /// <summary>Deadband filter, or null for every change.</summary>
    public DataChangeFilter? Filter { get; init; }

    public MonitoredItemCreateRequest ToRequest() => new()
    {
        ItemToMonitor = new ReadValueId(NodeId),
        ClientHandle = ClientHandle,
        SamplingInterval = SamplingInterval,
        QueueSize = QueueSize,
        DiscardOldest = DiscardOldest,
        Filter = Filter,
    };
}

/// <summary>A subscription on a session: its monitored items, its sequence numbers and its keep-alive budget.</summary>
public sealed class UaSubscription
{
    private readonly DataChangeHandler _handler;
    private readonly Dictionary<uint, (MonitoredItemSpec Spec, uint ServerId)> _items = [];
    private UaSession _session;
    private long _lastMessageTicks;

    internal UaSubscription(UaSession session, uint id, TimeSpan publishingInterval, uint maxKeepAliveCount, uint lifetimeCount, DataChangeHandler handler)
    {
        _session = session;
        SubscriptionId = id;
        PublishingInterval = publishingInterval;
        MaxKeepAliveCount = maxKeepAliveCount;
        LifetimeCount = lifetimeCount;
        _handler = handler;
        OnAnyMessage();
    }

    public uint SubscriptionId { get; }

    public TimeSpan PublishingInterval { get; private set; }

    public uint MaxKeepAliveCount { get; private set; }

    public uint LifetimeCount { get; private set; }

    /// <summary>The longest the server may stay silent: publishing interval times max keep-alive count.</summary>
    public TimeSpan KeepAliveBudget => PublishingInterval * Math.Max(1, MaxKeepAliveCount);

    public uint? LastSequenceNumber { get; private set; }

    /// <summary>When the last message (data or keep-alive) arrived.</summary>
    public DateTime LastMessage => new(Interlocked.Read(ref _lastMessageTicks), DateTimeKind.Utc);

    /// <summary>Set when the server reported the subscription gone (BadNoSubscription, a StatusChange with a Bad code).</summary>
    public StatusCode? LostStatus { get; private set; }

    public IReadOnlyCollection<MonitoredItemSpec> Items
    {
        get { lock (_items) return _items.Values.Select(i => i.Spec).ToArray(); }
    }

    /// <summary>Creates monitored items in batches; returns the per-item results in order.</summary>
    public async Task<MonitoredItemCreateResult[]> CreateMonitoredItemsAsync(IReadOnlyList<MonitoredItemSpec> items, CancellationToken cancellationToken, int batchSize = 1000)
    {
        var results = new List<MonitoredItemCreateResult>(items.Count);
        for (int start = 0; start < items.Count; start += batchSize)
        {
            var batch = items.Skip(start).Take(batchSize).ToArray();
            var response = await _session.CallAsync<CreateMonitoredItemsResponse>(new CreateMonitoredItemsRequest
            {
                SubscriptionId = SubscriptionId,
                TimestampsToReturn = TimestampsToReturn.Both,
                ItemsToCreate = batch.Select(i => i.ToRequest()).ToArray(),
            }, cancellationToken).ConfigureAwait(false);
            lock (_items)
            {
                for (int i = 0; i < batch.Length && i < response.Results.Length; i++)
                {
                    if (response.Results[i].StatusCode.IsGood) _items[batch[i].ClientHandle] = (batch[i], response.Results[i].MonitoredItemId);
                }
            }
            results.AddRange(response.Results);
        }
        return results.ToArray();
    }

    public async Task<StatusCode[]> DeleteMonitoredItemsAsync(IReadOnlyList<uint> clientHandles, CancellationToken cancellationToken)
    {
        uint[] ids;
        lock (_items) ids = clientHandles.Where(_items.ContainsKey).Select(h => _items[h].ServerId).ToArray();
        var response = await _session.CallAsync<DeleteMonitoredItemsResponse>(new DeleteMonitoredItemsRequest { SubscriptionId = SubscriptionId, MonitoredItemIds = ids }, cancellationToken).ConfigureAwait(false);
        lock (_items) foreach (var h in clientHandles) _items.Remove(h);
        return response.Results;
    }

    public async Task ModifyAsync(TimeSpan publishingInterval, uint maxKeepAliveCount, CancellationToken cancellationToken)
    {
        var response = await _session.CallAsync<ModifySubscriptionResponse>(new ModifySubscriptionRequest
        {
            SubscriptionId = SubscriptionId,
            RequestedPublishingInterval = publishingInterval.TotalMilliseconds,
            RequestedMaxKeepAliveCount = maxKeepAliveCount,
            RequestedLifetimeCount = Math.Max(LifetimeCount, maxKeepAliveCount * 3),
        }, cancellationToken).ConfigureAwait(false);
        PublishingInterval = TimeSpan.FromMilliseconds(response.RevisedPublishingInterval);
        MaxKeepAliveCount = response.RevisedMaxKeepAliveCount;
        LifetimeCount = response.RevisedLifetimeCount;
    }

    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        _session.Forget(this);
        await _session.CallAsync<DeleteSubscriptionsResponse>(new DeleteSubscriptionsRequest { SubscriptionIds = [SubscriptionId] }, cancellationToken).ConfigureAwait(false);
    }

    internal void OnAnyMessage() => Interlocked.Exchange(ref _lastMessageTicks, DateTime.UtcNow.Ticks);

    private readonly SortedDictionary<uint, NotificationMessage> _held = new(Comparer<uint>.Create(static (a, b) => unchecked((int)(a - b))));
    private uint? _knownUpTo;

    /// <summary>Since when a sequence number is missing (null when all arrived in order).</summary>
    internal DateTime? GapSince { get; private set; }

    /// <summary>Messages received ahead of a missing one.</summary>
    internal int HeldCount => _held.Count;

    internal void Hold(NotificationMessage message)
    {
        if (_held.Remove(message.SequenceNumber, out var earlier) && !ReferenceEquals(earlier, message)) earlier.Release();
        _held[message.SequenceNumber] = message;
        NoteExists(message.SequenceNumber);
    }

    /// <summary>The server said message <paramref name="sequenceNumber"/> exists (it sent it, or a keep-alive names the next).</summary>
    internal void NoteExists(uint sequenceNumber)
    {
        if (LastSequenceNumber is not { } last || !UaSession.SequenceAfter(sequenceNumber, last)) return;
        if (_knownUpTo is null || UaSession.SequenceAfter(sequenceNumber, _knownUpTo.Value)) _knownUpTo = sequenceNumber;
        GapSince ??= DateTime.UtcNow;
    }

    internal void DrainHeld()
    {
        while (LastSequenceNumber is { } last && _held.Remove(unchecked(last + 1), out var next)) Deliver(next);
        if (LastSequenceNumber is { } l && (_knownUpTo is null || !UaSession.SequenceAfter(_knownUpTo.Value, l)))
        {
            GapSince = null;
            _knownUpTo = null;
        }
    }

    /// <summary>The first sequence number after the last delivered one that is known to exist but never arrived.</summary>
    internal uint? FirstMissing()
    {
        if (LastSequenceNumber is not { } last || _knownUpTo is not { } upTo || !UaSession.SequenceAfter(upTo, last)) return null;
        var next = unchecked(last + 1);
        return _held.ContainsKey(next) ? null : next;
    }

    /// <summary>Gives up on a message the server no longer has.</summary>
    internal void Skip(uint sequenceNumber) => LastSequenceNumber = sequenceNumber;

    internal void Deliver(NotificationMessage message)
    {
        LastSequenceNumber = message.SequenceNumber;
        if (message.StatusChange is { IsBad: true } status) LostStatus = status;
        try
        {
            _handler(this, message);
        }
        finally
        {
            message.Release();
        }
    }

    internal void MarkLost(StatusCode status) => LostStatus = status;

    internal void MoveTo(UaSession session) => _session = session;

    internal DataChangeHandler Handler => _handler;

    /// <summary>Awaited after every delivered message before the next one is processed (null: never waits).</summary>
    public ManagedBackpressure? Backpressure { get; internal set; }
}
