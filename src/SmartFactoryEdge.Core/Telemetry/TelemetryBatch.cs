using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Core.Telemetry;

/// <summary>
/// A batch of samples as it goes up to the center (wire contract v1, docs/wire-contract.md): the gateway id and a
/// per-gateway, monotonically increasing sequence number let the center turn at-least-once delivery into
/// exactly-once rows; <see cref="Replayed"/> says the batch is being sent again after an outage or restart.
/// </summary>
public sealed record TelemetryBatch(string GatewayId, long Sequence, bool Replayed, DateTime CreatedUtc, ReadOnlyMemory<Sample> Samples);

/// <summary>
/// Sends telemetry batches upstream. The returned task completes only when the batch is safely with the broker
/// (PUBACK for QoS 1), so a durable outbox may then delete it; it faults with <see cref="PeerUnavailableException"/>
/// when the link is down. <see cref="TelemetryBatch.Samples"/> may be a pooled buffer, valid until that task has completed:
/// copy what you keep beyond it.
/// </summary>
public interface ITelemetryPublisher
{
    ValueTask PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken);
}
