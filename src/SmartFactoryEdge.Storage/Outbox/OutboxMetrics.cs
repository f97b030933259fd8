using System.Diagnostics.Metrics;

namespace SmartFactoryEdge.Storage.Outbox;

/// <summary>
/// The outbox's instruments (meter <see cref="MeterName"/>): observable gauges and counters read from the outbox's own
/// totals when a listener collects, so the append path does not pay for them.
/// </summary>
public sealed class OutboxMetrics : IDisposable
{
    public const string MeterName = "SmartFactoryEdge.Outbox";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    internal OutboxMetrics(SqliteOutbox outbox, IMeterFactory? meterFactory)
    {
        if (meterFactory is not null) _meter = meterFactory.Create(MeterName);
        else
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        var tags = new KeyValuePair<string, object?>[] { new("outbox.path", outbox.Path) };
        _meter.CreateObservableGauge("sfe.outbox.queue.batches", () => new Measurement<long>(outbox.ReadGauges().Batches, tags), "{record}", "Records (telemetry batches and anomaly events) waiting for a PUBACK");
        _meter.CreateObservableGauge("sfe.outbox.queue.samples", () => new Measurement<long>(outbox.ReadGauges().Samples, tags), "{sample}", "Samples waiting for a PUBACK");
        _meter.CreateObservableGauge("sfe.outbox.queue.bytes", () => new Measurement<long>(outbox.ReadGauges().Bytes, tags), "By", "Stored bytes counted against the max-bytes bound");
        _meter.CreateObservableGauge("sfe.outbox.oldest.age", () => new Measurement<double>(outbox.ReadGauges().OldestAgeSeconds, tags), "s", "Age of the oldest pending record");
        _meter.CreateObservableGauge("sfe.outbox.blocked", () => new Measurement<int>(outbox.ReadGauges().Blocked ? 1 : 0, tags), null, "1 while the Block policy holds writers back");
        _meter.CreateObservableCounter("sfe.outbox.appended", () => new Measurement<long>(outbox.ReadGauges().Appended, tags), "{sample}", "Samples appended");
        _meter.CreateObservableCounter("sfe.outbox.acknowledged", () => new Measurement<long>(outbox.ReadGauges().Acked, tags), "{sample}", "Samples deleted after their PUBACK");
        _meter.CreateObservableCounter("sfe.outbox.replayed", () => new Measurement<long>(outbox.ReadGauges().Replayed, tags), "{record}", "Records handed out again after a reconnect or restart");
        _meter.CreateObservableCounter("sfe.outbox.dropped", () => new Measurement<long>(outbox.ReadGauges().Dropped, tags), "{sample}", "Samples dropped by a bound (max bytes, max age, disk full) or as corrupt");
    }

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
