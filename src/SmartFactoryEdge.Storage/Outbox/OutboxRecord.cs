namespace SmartFactoryEdge.Storage.Outbox;

/// <summary>What a stored record holds.</summary>
public enum OutboxRecordKind : byte
{
    /// <summary>A batch of samples for the `telemetry` topic (<see cref="Codec.SampleBatchCodec"/>).</summary>
    Telemetry = 0,

    /// <summary>One anomaly event for the `anomaly` topic (<see cref="Codec.AnomalyEventCodec"/>).</summary>
    AnomalyEvent = 1,
}

/// <summary>
/// A pending record handed out by <see cref="SqliteOutbox.TakePending"/>: the row id (append order), its stream's
/// sequence number, and whether it may have been sent before (after a reconnect or a restart).
/// </summary>
public sealed record OutboxRecord(long Id, OutboxRecordKind Kind, long Sequence, DateTime CreatedUtc, bool Replayed, int Count, byte[] Payload);

/// <summary>What an append stored: the sequence numbers it assigned, or that the batch itself was dropped (disk full).</summary>
public readonly record struct OutboxAppendResult(long FirstSequence, long LastSequence, int Batches, bool Dropped);

/// <summary>The outbox file cannot be used (damaged, not a database, an unknown format).</summary>
public sealed class OutboxFileCorruptException : IOException
{
    public OutboxFileCorruptException(string message) : base(message) { }
    public OutboxFileCorruptException(string message, Exception inner) : base(message, inner) { }
}
