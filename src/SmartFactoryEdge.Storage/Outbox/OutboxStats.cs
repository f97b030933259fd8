namespace SmartFactoryEdge.Storage.Outbox;

/// <summary>
/// A point-in-time view of the outbox for the gateway's <c>state</c> message, metrics and the web UI.
/// Every sample is accounted for: appended = acknowledged + dropped + pending (per process lifetime for the totals).
/// </summary>
public sealed record OutboxStats
{
    public required string Path { get; init; }
    public required OutboxFullPolicy FullPolicy { get; init; }

    /// <summary>Telemetry batches and anomaly events waiting for a PUBACK (stored, including those in flight).</summary>
    public long PendingBatches { get; init; }
    public long PendingSamples { get; init; }
    public long PendingEvents { get; init; }
    public long PendingBytes { get; init; }
    public long MaxBytes { get; init; }

    /// <summary>Creation time of the oldest pending record, or null when the outbox is empty.</summary>
    public DateTime? OldestCreatedUtc { get; init; }
    public TimeSpan OldestAge { get; init; }

    public long InFlightBatches { get; init; }

    // totals since this process opened the outbox
    public long AppendedBatches { get; init; }
    public long AppendedSamples { get; init; }
    public long AppendedEvents { get; init; }
    public long AcknowledgedBatches { get; init; }
    public long AcknowledgedSamples { get; init; }
    public long AcknowledgedEvents { get; init; }
    public long ReplayedBatches { get; init; }
    public long DroppedBatches { get; init; }
    public long DroppedSamples { get; init; }
    public long DroppedEvents { get; init; }

    /// <summary>Why the last drop happened: "max-bytes", "max-age", "disk-full", "corrupt".</summary>
    public string? LastDropReason { get; init; }

    /// <summary>True while writers are held back by the Block policy.</summary>
    public bool Blocked { get; init; }

    /// <summary>The sequence number the next telemetry batch will get.</summary>
    public long NextSequence { get; init; }

    /// <summary>The file that was moved aside at start-up because it was corrupt or unreadable, if any.</summary>
    public string? MovedAsideFile { get; init; }
}
