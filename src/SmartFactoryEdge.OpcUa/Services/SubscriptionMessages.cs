using System.Buffers;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;

namespace SmartFactoryEdge.OpcUa.Services;

public sealed class CreateSubscriptionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.CreateSubscriptionRequest;
    public double RequestedPublishingInterval { get; set; }
    public uint RequestedLifetimeCount { get; set; }
    public uint RequestedMaxKeepAliveCount { get; set; }
    public uint MaxNotificationsPerPublish { get; set; }
    public bool PublishingEnabled { get; set; } = true;
    public byte Priority { get; set; }

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteDouble(RequestedPublishingInterval);
        e.WriteUInt32(RequestedLifetimeCount);
        e.WriteUInt32(RequestedMaxKeepAliveCount);
        e.WriteUInt32(MaxNotificationsPerPublish);
        e.WriteBoolean(PublishingEnabled);
        e.WriteByte(Priority);
    }
}

public sealed record CreateSubscriptionResponse(ResponseHeader ResponseHeader, uint SubscriptionId, double RevisedPublishingInterval, uint RevisedLifetimeCount, uint RevisedMaxKeepAliveCount)
    : IServiceResponse<CreateSubscriptionResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.CreateSubscriptionResponse;

    public static CreateSubscriptionResponse Decode(ref BinaryDecoder d) =>
        new(ResponseHeader.Decode(ref d), d.ReadUInt32(), d.ReadDouble(), d.ReadUInt32(), d.ReadUInt32());
}

public sealed class ModifySubscriptionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.ModifySubscriptionRequest;
    public uint SubscriptionId { get; set; }
    public double RequestedPublishingInterval { get; set; }
    public uint RequestedLifetimeCount { get; set; }
    public uint RequestedMaxKeepAliveCount { get; set; }
    public uint MaxNotificationsPerPublish { get; set; }
    public byte Priority { get; set; }

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteUInt32(SubscriptionId);
        e.WriteDouble(RequestedPublishingInterval);
        e.WriteUInt32(RequestedLifetimeCount);
        e.WriteUInt32(RequestedMaxKeepAliveCount);
        e.WriteUInt32(MaxNotificationsPerPublish);
        e.WriteByte(Priority);
    }
}

public sealed record ModifySubscriptionResponse(ResponseHeader ResponseHeader, double RevisedPublishingInterval, uint RevisedLifetimeCount, uint RevisedMaxKeepAliveCount)
    : IServiceResponse<ModifySubscriptionResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.ModifySubscriptionResponse;

    public static ModifySubscriptionResponse Decode(ref BinaryDecoder d) =>
        new(ResponseHeader.Decode(ref d), d.ReadDouble(), d.ReadUInt32(), d.ReadUInt32());
}

public sealed class DeleteSubscriptionsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.DeleteSubscriptionsRequest;
    public IReadOnlyList<uint> SubscriptionIds { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e) => e.WriteUInt32Array(SubscriptionIds);
}

public sealed record DeleteSubscriptionsResponse(ResponseHeader ResponseHeader, StatusCode[] Results) : IServiceResponse<DeleteSubscriptionsResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.DeleteSubscriptionsResponse;

    public static DeleteSubscriptionsResponse Decode(ref BinaryDecoder d)
    {
        var r = new DeleteSubscriptionsResponse(ResponseHeader.Decode(ref d), d.ReadStatusCodeArray());
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

/// <summary>Data-change filter with deadband (Part 4, 7.22.2).</summary>
public sealed record DataChangeFilter(DataChangeTrigger Trigger, DeadbandType DeadbandType, double DeadbandValue) : IEncodeable
{
    public uint BinaryEncodingId => EncodingIds.DataChangeFilter;

    public void Encode(BinaryEncoder encoder)
    {
        encoder.WriteUInt32((uint)Trigger);
        encoder.WriteUInt32((uint)DeadbandType);
        encoder.WriteDouble(DeadbandValue);
    }
}

public sealed record MonitoredItemCreateRequest
{
    public required ReadValueId ItemToMonitor { get; init; }
    public MonitoringMode MonitoringMode { get; init; } = MonitoringMode.Reporting;
    public uint ClientHandle { get; init; }
    public double SamplingInterval { get; init; } = -1;
    public DataChangeFilter? Filter { get; init; }
    public uint QueueSize { get; init; } = 1;
    public bool DiscardOldest { get; init; } = true;

    public void Encode(BinaryEncoder e)
    {
        ItemToMonitor.Encode(e);
        e.WriteUInt32((uint)MonitoringMode);
        e.WriteUInt32(ClientHandle);
        e.WriteDouble(SamplingInterval);
        if (Filter is null) e.WriteExtensionObject(ExtensionObject.Null);
        else e.WriteExtensionObject(Filter);
        e.WriteUInt32(QueueSize);
        e.WriteBoolean(DiscardOldest);
    }
}

public sealed class CreateMonitoredItemsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.CreateMonitoredItemsRequest;
    public uint SubscriptionId { get; set; }
    public TimestampsToReturn TimestampsToReturn { get; set; } = TimestampsToReturn.Both;
    public IReadOnlyList<MonitoredItemCreateRequest> ItemsToCreate { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteUInt32(SubscriptionId);
        e.WriteUInt32((uint)TimestampsToReturn);
        e.WriteArray(ItemsToCreate, static (enc, i) => i.Encode(enc));
    }
}

public sealed record MonitoredItemCreateResult(StatusCode StatusCode, uint MonitoredItemId, double RevisedSamplingInterval, uint RevisedQueueSize)
{
    public static MonitoredItemCreateResult Decode(ref BinaryDecoder d)
    {
        var r = new MonitoredItemCreateResult(d.ReadStatusCode(), d.ReadUInt32(), d.ReadDouble(), d.ReadUInt32());
        d.ReadExtensionObject();
        return r;
    }
}

public sealed record CreateMonitoredItemsResponse(ResponseHeader ResponseHeader, MonitoredItemCreateResult[] Results) : IServiceResponse<CreateMonitoredItemsResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.CreateMonitoredItemsResponse;

    public static CreateMonitoredItemsResponse Decode(ref BinaryDecoder d)
    {
        var r = new CreateMonitoredItemsResponse(ResponseHeader.Decode(ref d), d.ReadArray(MonitoredItemCreateResult.Decode, "MonitoredItemCreateResults", 23));
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public sealed class DeleteMonitoredItemsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.DeleteMonitoredItemsRequest;
    public uint SubscriptionId { get; set; }
    public IReadOnlyList<uint> MonitoredItemIds { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteUInt32(SubscriptionId);
        e.WriteUInt32Array(MonitoredItemIds);
    }
}

public sealed record DeleteMonitoredItemsResponse(ResponseHeader ResponseHeader, StatusCode[] Results) : IServiceResponse<DeleteMonitoredItemsResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.DeleteMonitoredItemsResponse;

    public static DeleteMonitoredItemsResponse Decode(ref BinaryDecoder d)
    {
        var r = new DeleteMonitoredItemsResponse(ResponseHeader.Decode(ref d), d.ReadStatusCodeArray());
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public readonly record struct SubscriptionAcknowledgement(uint SubscriptionId, uint SequenceNumber);

public sealed class PublishRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.PublishRequest;
    public IReadOnlyList<SubscriptionAcknowledgement> SubscriptionAcknowledgements { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e) => e.WriteArray(SubscriptionAcknowledgements, static (enc, a) =>
    {
        enc.WriteUInt32(a.SubscriptionId);
        enc.WriteUInt32(a.SequenceNumber);
    });
}

/// <summary>One changed value of one monitored item.</summary>
public readonly record struct MonitoredItemNotification(uint ClientHandle, DataValue Value);

/// <summary>
/// A notification message (Part 4, 7.25). Data changes and status changes are decoded straight from the
/// message; other notification kinds (events) are kept as raw ExtensionObjects.
/// </summary>
/// <remarks>
/// A decoded message's data changes live in a pooled buffer that the session takes back once the subscription's
/// handler has returned: <see cref="DataChanges"/> is valid during the callback only; copy what you keep. (At 100k
/// values/s a fresh array per message was the gateway's largest allocation, ~8 MB/s, and filled gen2 with garbage.)
/// </remarks>
public sealed record NotificationMessage(uint SequenceNumber, DateTime PublishTime)
{
    private static readonly ArrayPool<MonitoredItemNotification> ChangePool = ArrayPool<MonitoredItemNotification>.Shared;
    private MonitoredItemNotification[] _changes = [];
    private int _changeCount;
    private bool _pooled;

    /// <summary>All data changes of this message, in order (several DataChangeNotifications are concatenated).</summary>
    public ReadOnlySpan<MonitoredItemNotification> DataChanges
    {
        get => _changes.AsSpan(0, _changeCount);
        init
        {
            _changes = value.ToArray();
            _changeCount = value.Length;
        }
    }

    /// <summary>The status of the subscription when the server sent a StatusChangeNotification (e.g. BadTimeout).</summary>
    public StatusCode? StatusChange { get; init; }

    public ExtensionObject[] Other { get; init; } = [];

    /// <summary>A keep-alive: no notifications at all.</summary>
    public bool IsKeepAlive => _changeCount == 0 && StatusChange is null && Other.Length == 0;

    /// <summary>Gives a decoded message's buffer back to the pool; the message reads as having no data changes after it.</summary>
    internal void Release()
    {
        if (!_pooled) return;
        ReturnToPool(_changes, _changeCount);
        _changes = [];
        _changeCount = 0;
        _pooled = false;
    }

    private static void ReturnToPool(MonitoredItemNotification[] changes, int used)
    {
        // values may hold strings or arrays: clear the used part so the pool does not keep them alive
        Array.Clear(changes, 0, used);
        ChangePool.Return(changes);
    }

    public static NotificationMessage Decode(ref BinaryDecoder d)
    {
        var seq = d.ReadUInt32();
        var time = d.ReadDateTime();
        var count = d.ReadArrayLength("NotificationData", 3);
        MonitoredItemNotification[]? changes = null;
        var changeCount = 0;
        StatusCode? status = null;
        List<ExtensionObject>? other = null;
        try
        {
            for (int i = 0; i < count; i++)
            {
                var body = d.ReadExtensionObjectBody(out var typeId, out var encoding);
                if (encoding == ExtensionObjectEncoding.Binary && typeId.IdType == NodeIdType.Numeric && typeId.NamespaceIndex == 0)
                {
                    if (typeId.Numeric == EncodingIds.DataChangeNotification)
                    {
                        var inner = new BinaryDecoder(body, d.Limits);
                        var n = inner.ReadArrayLength("MonitoredItems", 5);
                        if (n > 0)
                        {
                            if (changes is null) changes = ChangePool.Rent(n);
                            else if (changes.Length - changeCount < n)
                            {
                                var bigger = ChangePool.Rent(changeCount + n);
                                changes.AsSpan(0, changeCount).CopyTo(bigger);
                                ReturnToPool(changes, changeCount);
                                changes = bigger;
                            }
                            for (int k = 0; k < n; k++) changes[changeCount + k] = new MonitoredItemNotification(inner.ReadUInt32(), inner.ReadDataValue());
                            changeCount += n;
                        }
                        continue;
                    }
                    if (typeId.Numeric == EncodingIds.StatusChangeNotification)
                    {
                        var inner = new BinaryDecoder(body, d.Limits);
                        status = inner.ReadStatusCode();
                        continue;
                    }
                }
                (other ??= []).Add(new ExtensionObject(typeId, encoding, body.ToArray()));
            }
        }
        catch
        {
            if (changes is not null) ReturnToPool(changes, changes.Length); // a failed element may sit past changeCount
            throw;
        }
        return new NotificationMessage(seq, time)
        {
            _changes = changes ?? [],
            _changeCount = changeCount,
            _pooled = changes is not null,
            StatusChange = status,
            Other = other?.ToArray() ?? [],
        };
    }

    /// <summary>Encodes (used by tests and the in-memory server).</summary>
    public void Encode(BinaryEncoder e)
    {
        e.WriteUInt32(SequenceNumber);
        e.WriteDateTime(PublishTime);
        var count = (_changeCount > 0 ? 1 : 0) + (StatusChange is null ? 0 : 1) + Other.Length;
        e.WriteInt32(count);
        if (_changeCount > 0) e.WriteExtensionObject(new DataChangeNotificationBody(_changes.AsMemory(0, _changeCount)));
        if (StatusChange is { } s) e.WriteExtensionObject(new StatusChangeBody(s));
        foreach (var o in Other) e.WriteExtensionObject(o);
    }

    private sealed record DataChangeNotificationBody(ReadOnlyMemory<MonitoredItemNotification> Items) : IEncodeable
    {
        public uint BinaryEncodingId => EncodingIds.DataChangeNotification;

        public void Encode(BinaryEncoder encoder)
        {
            encoder.WriteInt32(Items.Length);
            foreach (var item in Items.Span)
            {
                encoder.WriteUInt32(item.ClientHandle);
                encoder.WriteDataValue(item.Value);
            }
            encoder.WriteInt32(-1);
        }
    }

    private sealed record StatusChangeBody(StatusCode Status) : IEncodeable
    {
        public uint BinaryEncodingId => EncodingIds.StatusChangeNotification;

        public void Encode(BinaryEncoder encoder)
        {
            encoder.WriteStatusCode(Status);
            encoder.WriteDiagnosticInfo(null);
        }
    }
}

public sealed record PublishResponse(ResponseHeader ResponseHeader, uint SubscriptionId, uint[] AvailableSequenceNumbers, bool MoreNotifications,
    NotificationMessage NotificationMessage, StatusCode[] Results) : IServiceResponse<PublishResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.PublishResponse;

    public static PublishResponse Decode(ref BinaryDecoder d)
    {
        var r = new PublishResponse(ResponseHeader.Decode(ref d), d.ReadUInt32(), d.ReadUInt32Array(), d.ReadBoolean(),
            NotificationMessage.Decode(ref d), d.ReadStatusCodeArray());
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public sealed class RepublishRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.RepublishRequest;
    public uint SubscriptionId { get; set; }
    public uint RetransmitSequenceNumber { get; set; }

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteUInt32(SubscriptionId);
        e.WriteUInt32(RetransmitSequenceNumber);
    }
}

public sealed record RepublishResponse(ResponseHeader ResponseHeader, NotificationMessage NotificationMessage) : IServiceResponse<RepublishResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.RepublishResponse;

    public static RepublishResponse Decode(ref BinaryDecoder d) => new(ResponseHeader.Decode(ref d), NotificationMessage.Decode(ref d));
}

public sealed class TransferSubscriptionsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.TransferSubscriptionsRequest;
    public IReadOnlyList<uint> SubscriptionIds { get; set; } = [];
    public bool SendInitialValues { get; set; } = true;

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteUInt32Array(SubscriptionIds);
        e.WriteBoolean(SendInitialValues);
    }
}

public sealed record TransferResult(StatusCode StatusCode, uint[] AvailableSequenceNumbers)
{
    public static TransferResult Decode(ref BinaryDecoder d) => new(d.ReadStatusCode(), d.ReadUInt32Array());
}

public sealed record TransferSubscriptionsResponse(ResponseHeader ResponseHeader, TransferResult[] Results) : IServiceResponse<TransferSubscriptionsResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.TransferSubscriptionsResponse;

    public static TransferSubscriptionsResponse Decode(ref BinaryDecoder d)
    {
        var r = new TransferSubscriptionsResponse(ResponseHeader.Decode(ref d), d.ReadArray(TransferResult.Decode, "TransferResults", 8));
        d.ReadDiagnosticInfoArray();
        return r;
    }
}
