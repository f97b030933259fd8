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
/// <remarks>
/// <see cref="Payload"/> lives in a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; the forwarder
/// gives it back (<see cref="ReturnPayload"/>) as soon as it has decoded the record, so that replaying a backlog does not
/// allocate a new array per record. A record that nobody returns simply leaves its buffer to the garbage collector.
/// </remarks>
public sealed record OutboxRecord(long Id, OutboxRecordKind Kind, long Sequence, DateTime CreatedUtc, bool Replayed, int Count, ReadOnlyMemory<byte> Payload)
{
    internal byte[]? RentedPayload { get; set; }

    /// <summary>Gives the payload's buffer back to the pool: <see cref="Payload"/> must not be read after this.</summary>
    public void ReturnPayload()
    {
        var rented = RentedPayload;
        if (rented is null) return;
        RentedPayload = null;
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }
}

/// <summary>What an append stored: the sequence numbers it assigned, or that the batch itself was dropped (disk full).</summary>
public readonly record struct OutboxAppendResult(long FirstSequence, long LastSequence, int Batches, bool Dropped);

/// <summary>The outbox file cannot be used (damaged, not a database, an unknown format).</summary>
public sealed class OutboxFileCorruptException : IOException
{
    public OutboxFileCorruptException(string message) : base(message) { }
    public OutboxFileCorruptException(string message, Exception inner) : base(message, inner) { }
}
