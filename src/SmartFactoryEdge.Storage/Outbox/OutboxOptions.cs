using System.ComponentModel.DataAnnotations;
using SmartFactoryEdge.Core.Retry;

namespace SmartFactoryEdge.Storage.Outbox;

/// <summary>How hard each commit is pushed to disk (SQLite <c>PRAGMA synchronous</c> in WAL mode).</summary>
public enum OutboxSynchronousMode
{
    /// <summary>
    /// Commits survive a crash or kill -9 of the gateway; a power cut can lose the last commits made since the
    /// last WAL checkpoint (the file stays consistent). Several times faster on SD cards.
    /// </summary>
    Normal,

    /// <summary>Every commit is fsynced before the batch counts as accepted: survives power cuts, costs one fsync per append.</summary>
    Full,
}

/// <summary>What the outbox does when a bound (bytes, age, or the disk itself) is hit.</summary>
public enum OutboxFullPolicy
{
    /// <summary>Delete the oldest batches not in flight to make room (or the expired ones), counting every dropped sample.</summary>
    DropOldest,

    /// <summary>Stop accepting: <c>WriteAsync</c> waits until acknowledgements free room, pushing back on the pipeline and the sources.</summary>
    Block,
}

/// <summary>The durable store-and-forward outbox between the pipeline and the MQTT publisher (section <c>outbox</c>).</summary>
public sealed record OutboxOptions
{
    public const string SectionName = "outbox";

    /// <summary>The SQLite file; its folder is created. The -wal file lives beside it.</summary>
    [Required]
    public string Path { get; init; } = "data/outbox.db";

    /// <summary>Normal (default) or Full; see the project README for the trade-off.</summary>
    public OutboxSynchronousMode Synchronous { get; init; } = OutboxSynchronousMode.Normal;

    /// <summary>Bound on stored payload bytes (plus a fixed per-batch overhead); default 512 MiB.</summary>
    [Range(64 * 1024, long.MaxValue)]
    public long MaxBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Bound on the age of the oldest batch (ExpireOn); default 7 days.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>What happens when a bound is hit.</summary>
    public OutboxFullPolicy FullPolicy { get; init; } = OutboxFullPolicy.DropOldest;

    /// <summary>Most samples per stored batch, which is also one MQTT telemetry message; larger writes are split evenly.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; init; } = 1000;

    /// <summary>Batches the forwarder keeps in flight (published, PUBACK not yet received).</summary>
    [Range(1, 1024)]
    public int InFlightWindow { get; init; } = 16;

    /// <summary>Backoff of the forwarder after a failed publish.</summary>
    public RetryPolicyOptions Retry { get; init; } = new() { InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(15) };

    /// <summary>Run <c>PRAGMA quick_check</c> at start-up and move a damaged file aside (costs about a second per 200 MB).</summary>
    public bool CheckIntegrityOnOpen { get; init; } = true;

    /// <summary>In Normal mode, <c>FlushAsync</c> checkpoints the WAL (making it power-cut safe) at most this often.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Test hook: SQLite <c>max_page_count</c>, which makes the file hit SQLITE_FULL like a full disk.</summary>
    internal long? MaxPageCount { get; init; }

    /// <summary>Checks rules DataAnnotations cannot express; returns one message per problem, naming the key and value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path)) errors.Add($"{SectionName}:path must name a file.");
        if (MaxBytes < 64 * 1024) errors.Add($"{SectionName}:maxBytes is {MaxBytes}; it must be at least 65536.");
        if (MaxAge <= TimeSpan.Zero) errors.Add($"{SectionName}:maxAge is {MaxAge}; it must be positive.");
        if (BatchSize is < 1 or > 100_000) errors.Add($"{SectionName}:batchSize is {BatchSize}; it must be 1 to 100000.");
        if (InFlightWindow is < 1 or > 1024) errors.Add($"{SectionName}:inFlightWindow is {InFlightWindow}; it must be 1 to 1024.");
        if (Retry.MaxDelay < Retry.InitialDelay) errors.Add($"{SectionName}:retry:maxDelay ({Retry.MaxDelay}) is below initialDelay ({Retry.InitialDelay}).");
        if (FlushInterval < TimeSpan.Zero) errors.Add($"{SectionName}:flushInterval is {FlushInterval}; it must not be negative.");
        return errors;
    }
}
