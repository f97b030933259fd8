using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;

namespace SmartFactoryEdge.Core.Pipeline;

/// <summary>The bounded queue between sources and sinks.</summary>
public sealed record PipelineOptions
{
    public const string SectionName = "pipeline";

    /// <summary>Samples the queue holds before <see cref="FullMode"/> applies.</summary>
    [Range(16, 16_777_216)]
    public int Capacity { get; init; } = 65_536;

    /// <summary>
    /// Wait (default) pushes back on sources, so nothing is dropped in memory; DropOldest keeps the freshest
    /// data when sinks cannot keep up, and counts every sample it drops.
    /// </summary>
    public BoundedChannelFullMode FullMode { get; init; } = BoundedChannelFullMode.Wait;

    /// <summary>Most samples handed to the sinks in one call.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; init; } = 1024;
}
