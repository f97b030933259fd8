using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Core.Pipeline;

/// <summary>
/// Consumes batches of samples (a file, the console, the durable outbox in front of MQTT, a null sink).
/// The batch memory is only valid during the call: a sink that keeps samples copies them.
/// </summary>
public interface ISampleSink
{
    string Name { get; }

    ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken);

    /// <summary>Makes everything written so far durable or visible (called at shutdown and on idle).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);
}
