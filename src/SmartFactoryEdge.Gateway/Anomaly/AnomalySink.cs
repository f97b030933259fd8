using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Gateway.Anomaly;

/// <summary>
/// Runs the anomaly core on every sample the pipeline delivers. Alerts become <see cref="AnomalyEvent"/>s appended to
/// the outbox, so they go up on the `anomaly` topic through the same durable path as telemetry; scores, when
/// anomaly.publishScores is set, are appended as telemetry. Without an uplink, events are only logged.
/// </summary>
public sealed class AnomalySink(AnomalyStage stage, SqliteOutbox? outbox, ILogger<AnomalySink> logger) : ISampleSink
{
    private readonly List<AnomalyEvent> _events = [];
    private readonly List<Sample> _scores = [];
    private long _eventCount;

    public string Name => "anomaly";

    /// <summary>Raised on the pipeline's thread for every event (the web UI keeps the recent ones); handlers must be quick.</summary>
    public event Action<AnomalyEvent>? Raised;

    /// <summary>Anomaly events raised so far.</summary>
    public long Events => Interlocked.Read(ref _eventCount);

    public async ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        var scores = stage.Options.PublishScores ? _scores : null;
        for (int i = 0; i < batch.Length; i++)
            stage.Process(batch.Span[i], _events, scores);
        foreach (var e in _events)
        {
            Interlocked.Increment(ref _eventCount);
            Raised?.Invoke(e);
            AnomalyLog.Raised(logger, e.TagId ?? e.AssetId ?? "?", e.Detector, e.Score, e.Threshold, e.Timestamp, e.ModelVersion);
            if (outbox is not null) await outbox.AppendEventAsync(e, cancellationToken).ConfigureAwait(false);
        }
        _events.Clear();
        if (_scores.Count > 0)
        {
            if (outbox is not null) await outbox.AppendAsync(_scores.ToArray(), cancellationToken).ConfigureAwait(false);
            _scores.Clear();
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

internal static partial class AnomalyLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Anomaly on {Subject} by {Detector}: score {Score:G4} over threshold {Threshold:G4} at {Timestamp:o} (model {ModelVersion})")]
    public static partial void Raised(ILogger logger, string subject, string detector, double score, double threshold, DateTime timestamp, string modelVersion);
}
