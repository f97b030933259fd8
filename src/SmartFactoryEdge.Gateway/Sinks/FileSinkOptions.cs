using System.ComponentModel.DataAnnotations;

namespace SmartFactoryEdge.Gateway.Sinks;

/// <summary>The rotating JSON-lines file sink: one sample per line, a new file when one is full.</summary>
public sealed record FileSinkOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>The folder for the files (relative paths are relative to the configuration file).</summary>
    [Required]
    public string Path { get; init; } = "data/telemetry";

    /// <summary>File name prefix: {prefix}-{utc time}-{n}.jsonl.</summary>
    public string Prefix { get; init; } = "telemetry";

    /// <summary>A file is closed and a new one started beyond this size.</summary>
    [Range(4096, long.MaxValue)]
    public long MaxFileBytes { get; init; } = 64L << 20;

    /// <summary>Keep at most this many files, deleting the oldest (each deletion is logged); 0 keeps every file.</summary>
    [Range(0, 1_000_000)]
    public int MaxFiles { get; init; }

    /// <summary>fsync on every flush: survives power loss, costs a disk sync per batch.</summary>
    public bool FsyncOnFlush { get; init; }
}

public sealed record ConsoleSinkOptions
{
    public bool Enabled { get; init; }

    /// <summary>Print every Nth sample (1 prints them all).</summary>
    [Range(1, int.MaxValue)]
    public int Every { get; init; } = 1;
}
