using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Anomaly;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Gateway.Anomaly;

/// <summary>
/// Runs the anomaly core on every sample the pipeline delivers. Alerts become <see cref="AnomalyEvent"/>s appended to
/// the outbox, so they go up on the `anomaly` topic through the same durable path as telemetry; scores, when
/// anomaly.publishScores is set, are appended as telemetry. Without an uplink, events are only logged. Models pushed on
/// `cmd/model` (<see cref="AssetModelManager"/>) are swapped in here, between two samples, and score the samples of
/// their asset's tags: every sample is scored by exactly one model version.
/// </summary>
/// With a checkpoint file, the detectors' state is written there (atomically) every <c>checkpointInterval</c> of
/// processing and when the sink is disposed at shutdown; <see cref="AnomalyCheckpointFile"/> restores it at start.
public sealed class AnomalySink(AnomalyStage stage, SqliteOutbox? outbox, ILogger<AnomalySink> logger, AssetModelManager? models = null,
    AnomalyCheckpointFile? checkpoint = null, TimeProvider? time = null) : ISampleSink, IDisposable
{
    private readonly Lock _stateGate = new();
    private readonly StateWriter _checkpointWriter = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _lastCheckpoint = (time ?? TimeProvider.System).GetTimestamp();
    private bool _disposed;
    private readonly List<AnomalyEvent> _events = [];
    private readonly List<Sample> _scores = [];
    private long _eventCount;

    public string Name => "anomaly";

    /// <summary>The pushed models, when the gateway accepts them.</summary>
    public AssetModelManager? Models => models;

    /// <summary>Raised on the pipeline's thread for every event (the web UI keeps the recent ones); handlers must be quick.</summary>
    public event Action<AnomalyEvent>? Raised;

    /// <summary>Anomaly events raised so far.</summary>
    public long Events => Interlocked.Read(ref _eventCount);

    public async ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        var scores = stage.Options.PublishScores ? _scores : null;
        lock (_stateGate) // uncontended but for the final checkpoint at shutdown
        {
            for (int i = 0; i < batch.Length; i++)
            {
                ref readonly var sample = ref batch.Span[i];
                stage.Process(sample, _events, scores);
                if (models is null) continue;
                models.ApplyPending(); // a swap happens here, between two samples
                models.Process(sample, _events);
            }
            if (checkpoint is not null && _time.GetElapsedTime(_lastCheckpoint) >= checkpoint.Interval)
            {
                // written under the gate: the writer's buffer is reused, and the final checkpoint (Dispose) takes the gate
                _checkpointWriter.Reset();
                stage.SaveCheckpoint(_checkpointWriter);
                checkpoint.Write(_checkpointWriter.WrittenSpan, logger);
                _lastCheckpoint = _time.GetTimestamp();
            }
        }
        try
        {
            foreach (var e in _events)
            {
                // stored first: an event counted and logged is in the outbox (the drain can be aborted between two)
                if (outbox is not null) await outbox.AppendEventAsync(e, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _eventCount);
                Raised?.Invoke(e);
                AnomalyLog.Raised(logger, e.TagId ?? e.AssetId ?? "?", e.Detector, e.Score, e.Threshold, e.Timestamp, e.ModelVersion);
            }
        }
        finally
        {
            _events.Clear();
        }
        if (_scores.Count > 0)
        {
            if (outbox is not null) await outbox.AppendAsync(_scores.ToArray(), cancellationToken).ConfigureAwait(false);
            _scores.Clear();
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Writes the last checkpoint (the host disposes the sink after the pipeline has drained).</summary>
    public void Dispose()
    {
        if (checkpoint is null) return;
        lock (_stateGate)
        {
            if (_disposed) return;
            _disposed = true;
            _checkpointWriter.Reset();
            stage.SaveCheckpoint(_checkpointWriter);
            checkpoint.Write(_checkpointWriter.WrittenSpan, logger);
        }
    }
}

internal static partial class AnomalyLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Anomaly on {Subject} by {Detector}: score {Score:G4} over threshold {Threshold:G4} at {Timestamp:o} (model {ModelVersion})")]
    public static partial void Raised(ILogger logger, string subject, string detector, double score, double threshold, DateTime timestamp, string modelVersion);
}
