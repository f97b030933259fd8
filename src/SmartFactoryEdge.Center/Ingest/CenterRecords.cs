using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Ingest;

/// <summary>One stored sample: where it came from, when it held at the source and when the center received it (Unix microseconds, UTC).</summary>
public readonly record struct SampleRow(
    string Site, string Gateway, string Asset, string Tag, long SourceMicros, long ReceivedMicros, uint Quality, string? Unit, SampleValue Value);

/// <summary>A decoded telemetry batch; (Gateway, Sequence) is its de-duplication key.</summary>
public sealed record DecodedBatch(string Site, string Gateway, long Sequence, bool Replayed, long CreatedMicros, long ReceivedMicros,
    string Encoding, IReadOnlyList<SampleRow> Rows);

/// <summary>A decoded anomaly event.</summary>
public sealed record AnomalyRecord(string Site, string Gateway, string? Asset, string? Tag, string Detector, long TimestampMicros,
    double Score, double Threshold, double Value, string ModelVersion, long ReceivedMicros);

/// <summary>A birth (online) or death (offline) of a gateway, from the state topic or Sparkplug NBIRTH/NDEATH.</summary>
public sealed record StateRecord(string Site, string Gateway, bool Online, long TimestampMicros, long ReceivedMicros, string? Encoding);

/// <summary>A gateway's asset description (the AAS environment JSON from its retained `aas` topic); the latest per gateway is kept.</summary>
public sealed record AasRecord(string Site, string Gateway, long ReceivedMicros, string Json);

/// <summary>A payload the center could not accept, with the reason.</summary>
public sealed record DeadLetter(string Topic, ReadOnlyMemory<byte> Payload, string Reason, long ReceivedMicros);

/// <summary>What one MQTT message decoded into: exactly one of the members is set.</summary>
public readonly record struct CenterMessage(DecodedBatch? Batch, AnomalyRecord? Anomaly, StateRecord? State, DeadLetter? DeadLetter, bool Ignored = false, AasRecord? Aas = null)
{
    public static CenterMessage Dead(string topic, ReadOnlyMemory<byte> payload, string reason, long receivedMicros) =>
        new(null, null, null, new DeadLetter(topic, payload, reason, receivedMicros));
}

/// <summary>Time helpers: the center stores instants as Unix microseconds (UTC).</summary>
public static class UnixMicros
{
    public static long From(DateTime utc) => (DateTime.SpecifyKind(utc, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTime ToDateTime(long micros) => new(DateTime.UnixEpoch.Ticks + micros * 10, DateTimeKind.Utc);

    public static long Now(TimeProvider time) => From(time.GetUtcNow().UtcDateTime);
}
