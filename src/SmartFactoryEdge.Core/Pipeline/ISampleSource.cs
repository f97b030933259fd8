namespace SmartFactoryEdge.Core.Pipeline;

/// <summary>
/// Produces samples (a simulator, an OPC UA subscription, a Modbus poller, a sensor bus).
/// A source supervises itself: a dead peer becomes Bad-quality samples and a backoff, never an
/// exception out of <see cref="RunAsync"/>; only cancellation or invalid configuration ends it.
/// </summary>
public interface ISampleSource
{
    /// <summary>A name for logs, health and metrics, unique per gateway (e.g. "opcua:press01").</summary>
    string Name { get; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (or the source has nothing more to give).</summary>
    Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken);
}
