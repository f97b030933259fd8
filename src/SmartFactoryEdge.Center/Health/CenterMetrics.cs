using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SmartFactoryEdge.Center.Ingest;

namespace SmartFactoryEdge.Center.Health;

/// <summary>What one instance has seen of one gateway since it started.</summary>
public sealed class GatewayHealth
{
    internal readonly object Gate = new();

    public required string Site { get; init; }
    public required string Gateway { get; init; }
    public long Batches { get; internal set; }
    public long Duplicates { get; internal set; }
    public long ReplayedBatches { get; internal set; }
    public long HighestSequence { get; internal set; } = -1;

    /// <summary>Sequence numbers skipped over (a later one arrived first); a replay that fills them in lowers the count.</summary>
    public long SequenceGaps { get; internal set; }

    /// <summary>Receive time minus batch creation time of the latest batch, microseconds.</summary>
    public long LagMicros { get; internal set; }
    public long? LastBirthMicros { get; internal set; }
    public long? LastDeathMicros { get; internal set; }
}

/// <summary>
/// The center's health as System.Diagnostics.Metrics instruments (meter "SmartFactoryEdge.Center"): counters of stored
/// and duplicate batches, samples, dead letters, replayed batches and sequence gaps, and per-gateway lag gauges.
/// </summary>
public sealed class CenterMetrics : IDisposable
{
    public const string MeterName = "SmartFactoryEdge.Center";

    private readonly Meter _meter;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _samples;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _gaps;
    private readonly ConcurrentDictionary<string, GatewayHealth> _gateways = new(StringComparer.Ordinal);
    private long _deadLetterCount;

    public CenterMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _batches = _meter.CreateCounter<long>("sfe.center.batches", "{batch}", "Telemetry batches stored");
        _duplicates = _meter.CreateCounter<long>("sfe.center.batches.duplicate", "{batch}", "Batches delivered again and dropped by (gateway, sequence)");
        _samples = _meter.CreateCounter<long>("sfe.center.samples", "{sample}", "Samples stored");
        _deadLetters = _meter.CreateCounter<long>("sfe.center.dead_letters", "{message}", "Messages rejected into the dead-letter table");
        _replayed = _meter.CreateCounter<long>("sfe.center.batches.replayed", "{batch}", "Batches marked replayed by their gateway");
        _gaps = _meter.CreateCounter<long>("sfe.center.sequence_gaps", "{batch}", "Sequence numbers skipped over when a later batch arrived");
        _meter.CreateObservableGauge("sfe.center.gateway.lag", ObserveLag, "s", "Receive time minus creation time of each gateway's latest batch");
        _meter.CreateObservableGauge("sfe.center.gateway.online", ObserveOnline, "{gateway}", "1 when the gateway's last state was a birth");
    }

    public IReadOnlyCollection<GatewayHealth> Gateways => _gateways.Values.ToList();

    public long DeadLetters => Interlocked.Read(ref _deadLetterCount);

    private GatewayHealth For(string site, string gateway) => _gateways.GetOrAdd(gateway, g => new GatewayHealth { Site = site, Gateway = g });

    /// <summary>Records a batch after the store said whether it was new.</summary>
    public void OnBatch(DecodedBatch batch, bool stored)
    {
        var tags = new KeyValuePair<string, object?>("gateway", batch.Gateway);
        var h = For(batch.Site, batch.Gateway);
        long gaps = 0;
        lock (h.Gate)
        {
            if (!stored) { h.Duplicates++; }
            else
            {
                h.Batches++;
                if (batch.Replayed) h.ReplayedBatches++;
                if (h.HighestSequence >= 0 && batch.Sequence > h.HighestSequence + 1) gaps = batch.Sequence - h.HighestSequence - 1;
                else if (batch.Sequence < h.HighestSequence && h.SequenceGaps > 0) h.SequenceGaps--; // a late batch fills a gap
                h.SequenceGaps += gaps;
                h.HighestSequence = Math.Max(h.HighestSequence, batch.Sequence);
                h.LagMicros = batch.ReceivedMicros - batch.CreatedMicros;
            }
        }
        if (!stored) { _duplicates.Add(1, tags); return; }
        _batches.Add(1, tags);
        _samples.Add(batch.Rows.Count, tags);
        if (batch.Replayed) _replayed.Add(1, tags);
        if (gaps > 0) _gaps.Add(gaps, tags);
    }

    public void OnState(StateRecord state)
    {
        var h = For(state.Site, state.Gateway);
        lock (h.Gate)
        {
            if (state.Online) h.LastBirthMicros = Math.Max(h.LastBirthMicros ?? long.MinValue, state.TimestampMicros);
            else h.LastDeathMicros = Math.Max(h.LastDeathMicros ?? long.MinValue, state.TimestampMicros);
        }
    }

    public void OnDeadLetter(DeadLetter deadLetter)
    {
        Interlocked.Increment(ref _deadLetterCount);
        _deadLetters.Add(1);
    }

    private IEnumerable<Measurement<double>> ObserveLag()
    {
        foreach (var h in _gateways.Values)
            yield return new Measurement<double>(h.LagMicros / 1e6, new KeyValuePair<string, object?>("gateway", h.Gateway), new KeyValuePair<string, object?>("site", h.Site));
    }

    private IEnumerable<Measurement<int>> ObserveOnline()
    {
        foreach (var h in _gateways.Values)
            yield return new Measurement<int>((h.LastBirthMicros ?? long.MinValue) > (h.LastDeathMicros ?? long.MinValue) ? 1 : 0, new KeyValuePair<string, object?>("gateway", h.Gateway));
    }

    public void Dispose() => _meter.Dispose();
}
