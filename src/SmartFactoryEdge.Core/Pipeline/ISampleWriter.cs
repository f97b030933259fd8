using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Core.Pipeline;

/// <summary>Where sources put their samples: the head of the pipeline.</summary>
public interface ISampleWriter
{
    /// <summary>
    /// Writes without waiting. Returns false when the pipeline is full in Wait mode or has been completed:
    /// library callbacks use this, count the refusal and return at once (they must never block).
    /// </summary>
    bool TryWrite(in Sample sample);

    /// <summary>Writes, waiting for room when the pipeline applies backpressure.</summary>
    ValueTask WriteAsync(Sample sample, CancellationToken cancellationToken);
}
