using SmartFactoryEdge.Center.Ingest;

namespace SmartFactoryEdge.Center.Storage;

/// <summary>
/// Where the center keeps what it ingests. <see cref="StoreBatchesAsync"/> stores each batch and its rows in the same
/// transaction as the (gateway, sequence) key, so a batch delivered twice is stored once: at-least-once delivery
/// becomes exactly-once rows. Implementations: <see cref="SqliteCenterStore"/> (default) and <see cref="PostgresCenterStore"/>.
/// </summary>
public interface ICenterStore : IAsyncDisposable
{
    /// <summary>Creates the schema if it is not there.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Stores the batches not yet stored (one transaction); returns how many were new (the rest were duplicates).</summary>
    Task<int> StoreBatchesAsync(IReadOnlyList<DecodedBatch> batches, CancellationToken cancellationToken);

    Task StoreDeadLetterAsync(DeadLetter deadLetter, CancellationToken cancellationToken);

    /// <summary>Stores an anomaly event; a repeat (same gateway, detector, tag or asset, timestamp) is ignored.</summary>
    Task StoreAnomalyAsync(AnomalyRecord anomaly, CancellationToken cancellationToken);

    /// <summary>Stores a birth or death; a repeat (same gateway, state, timestamp) is ignored.</summary>
    Task StoreStateAsync(StateRecord state, CancellationToken cancellationToken);

    /// <summary>Keeps a gateway's AAS environment (the latest replaces the one before).</summary>
    Task StoreAasAsync(AasRecord aas, CancellationToken cancellationToken);

    /// <summary>The latest AAS environment of every gateway.</summary>
    Task<IReadOnlyList<AasRecord>> ReadAasAsync(CancellationToken cancellationToken);

    /// <summary>The samples matching the query, ordered by site, asset, source timestamp and tag.</summary>
    IAsyncEnumerable<SampleRow> ReadSamplesAsync(SampleQuery query, CancellationToken cancellationToken);

    /// <summary>The anomaly events matching the query (site, asset, time range).</summary>
    Task<IReadOnlyList<AnomalyRecord>> ReadAnomaliesAsync(SampleQuery query, CancellationToken cancellationToken);

    Task<IReadOnlyList<DeadLetterRow>> ReadDeadLettersAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Per gateway: batches, sequence range and gaps, replayed batches, lag, last birth and death.</summary>
    Task<IReadOnlyList<GatewayStatus>> ReadGatewayStatusAsync(CancellationToken cancellationToken);

    Task<StoreCounts> CountAsync(CancellationToken cancellationToken);
}

/// <summary>A filter on stored samples: [FromMicros, ToMicros) by source timestamp, optional site, asset and tags.</summary>
public sealed record SampleQuery(long FromMicros, long ToMicros, string? Site = null, string? Asset = null, IReadOnlyList<string>? Tags = null);

/// <summary>A stored dead letter.</summary>
public sealed record DeadLetterRow(string Topic, byte[] Payload, string Reason, long ReceivedMicros);

/// <summary>Row counts of the store's tables.</summary>
public sealed record StoreCounts(long Samples, long Batches, long DeadLetters, long Anomalies, long States);

/// <summary>
/// The health of one gateway as the store sees it. Gaps count the sequence numbers missing between the lowest and the
/// highest stored; lag is the median-free simple figure "received minus created" of the latest batch.
/// </summary>
public sealed record GatewayStatus(string Site, string Gateway, long Batches, long MinSequence, long MaxSequence, long Gaps, long ReplayedBatches,
    long LastReceivedMicros, long LastLagMicros, long? LastBirthMicros, long? LastDeathMicros);
