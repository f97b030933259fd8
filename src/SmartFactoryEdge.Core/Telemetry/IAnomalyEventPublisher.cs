namespace SmartFactoryEdge.Core.Telemetry;

/// <summary>
/// An anomaly event as it goes up on the `anomaly` topic: like <see cref="TelemetryBatch"/> it carries the gateway id and a
/// per-gateway, monotonically increasing sequence number (a stream of its own, separate from telemetry) and says when it is replayed.
/// </summary>
public sealed record AnomalyEventEnvelope(string GatewayId, long Sequence, bool Replayed, AnomalyEvent Event);

/// <summary>
/// Sends anomaly events upstream. Completes only when the event is safely with the broker (PUBACK for QoS 1), so the durable
/// outbox may then delete it; faults with <see cref="PeerUnavailableException"/> when the link is down.
/// </summary>
public interface IAnomalyEventPublisher
{
    ValueTask PublishAsync(AnomalyEventEnvelope envelope, CancellationToken cancellationToken);
}
