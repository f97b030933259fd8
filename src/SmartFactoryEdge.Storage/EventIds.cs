namespace SmartFactoryEdge.Storage;

/// <summary>Logging event ids of this project, one block per class.</summary>
internal static class EventIds
{
    // SqliteOutbox: 4100-4149
    public const int OutboxOpened = 4100;
    public const int OutboxMovedAside = 4101;
    public const int OutboxDropEpisodeStarted = 4102;
    public const int OutboxDropEpisodeEnded = 4103;
    public const int OutboxBlockStarted = 4104;
    public const int OutboxBlockEnded = 4105;
    public const int OutboxRecordDiscarded = 4106;
    public const int OutboxIncomingDropped = 4107;
    public const int OutboxCheckpointFailed = 4108;

    // OutboxForwarder: 4150-4199
    public const int ForwarderPublishFailed = 4150;
    public const int ForwarderRecovered = 4151;
    public const int ForwarderNoEventPublisher = 4152;
    public const int ForwarderRetryBudgetExhausted = 4153;
    public const int ForwarderAcknowledgeFailed = 4154;
    public const int ForwarderStillFailing = 4155;
    public const int ForwarderUplinkBack = 4156;
}
