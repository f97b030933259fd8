using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Storage.Forwarding;

/// <summary>
/// Moves records from the <see cref="SqliteOutbox"/> to the broker: takes pending records oldest first, keeps up to
/// <see cref="OutboxOptions.InFlightWindow"/> publishes in flight, and deletes each record only after its own publish
/// completed (PUBACK). When a publish fails, the rest of the window is drained (successes are still acknowledged), the outbox
/// is rewound to the oldest unacknowledged record, and the forwarder backs off with <see cref="IRetryPolicy"/> before
/// replaying, in order, marked replayed. Runs until cancelled; never gives up on its own.
/// </summary>
public sealed partial class OutboxForwarder
{
    /// <summary>The endpoint name this forwarder reports to the health registry.</summary>
    public const string HealthEndpoint = "outbox:forwarder";

    private readonly SqliteOutbox _outbox;
    private readonly ITelemetryPublisher _telemetry;
    private readonly IAnomalyEventPublisher? _events;
    private readonly IRetryPolicy _retry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IHealthRegistry? _health;
    private readonly IUplinkConnections? _uplink;
    private readonly int _window;
    private readonly SampleBatchDecoder _decoder = new();
    private long _published;
    private long _failures;
    private bool _warnedNoEventPublisher;

    public OutboxForwarder(SqliteOutbox outbox, ITelemetryPublisher telemetryPublisher, IAnomalyEventPublisher? eventPublisher = null,
        IRetryPolicy? retryPolicy = null, ILogger<OutboxForwarder>? logger = null, TimeProvider? timeProvider = null, IHealthRegistry? health = null)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(telemetryPublisher);
        _outbox = outbox;
        _telemetry = telemetryPublisher;
        _events = eventPublisher;
        _retry = retryPolicy ?? new ExponentialBackoffRetryPolicy(outbox.Options.Retry);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _health = health;
        _uplink = telemetryPublisher as IUplinkConnections;
        _window = outbox.Options.InFlightWindow;
    }

    /// <summary>Records whose publish completed (PUBACK) since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Publish failures (each one causes a rewind and a backoff).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Forwards until <paramref name="cancellationToken"/> is cancelled; what is in flight then is replayed by the next run.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var inFlight = new Queue<(OutboxRecord Record, Task Publish, long Connection)>(_window);
        var acked = new List<long>(_window);
        int attempt = 0;
        long failingSince = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (inFlight.Count < _window)
                {
                    long connection = _uplink?.Connections ?? 0;
                    foreach (var record in _outbox.TakePending(_window - inFlight.Count))
                        inFlight.Enqueue((record, PublishAsync(record, cancellationToken), connection));
                }
                if (inFlight.Count == 0)
                {
                    await _outbox.WaitForPendingAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (inFlight.Count < _window && !inFlight.Peek().Publish.IsCompleted)
                {
                    // while the oldest publish waits for its PUBACK, a record appended meanwhile goes out at once, not one
                    // broker round trip later (that wait was part of the end-to-end latency)
                    var pending = _outbox.WaitForPendingAsync(cancellationToken);
                    if (!pending.IsCompleted) await Task.WhenAny(inFlight.Peek().Publish, pending).ConfigureAwait(false);
                    if (!inFlight.Peek().Publish.IsCompleted) continue;
                }

                Exception? failure = null;
                var head = inFlight.Dequeue();
                try
                {
                    await head.Publish.ConfigureAwait(false);
                    acked.Add(head.Record.Id);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (RecordDiscardedException)
                {
                    // dropped and counted by the outbox; nothing to acknowledge
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                if (failure is null)
                {
                    // acknowledge the head and every later publish that already completed, in one transaction
                    while (inFlight.Count > 0 && inFlight.Peek().Publish.IsCompletedSuccessfully)
                        acked.Add(inFlight.Dequeue().Record.Id);
                    ApplyAcks(acked);
                    if (attempt > 0)
                    {
                        _logger.ForwarderRecovered(_outbox.Path, attempt, _time.GetElapsedTime(failingSince));
                        attempt = 0;
                    }
                    _health?.Report(HealthEndpoint, EndpointHealthState.Connected);
                    continue;
                }

                // a failure: let the rest of the window finish (keeping the successes), then replay from the oldest unacked
                while (inFlight.Count > 0)
                {
                    var next = inFlight.Dequeue();
                    try
                    {
                        await next.Publish.ConfigureAwait(false);
                        acked.Add(next.Record.Id);
                    }
                    catch (Exception)
                    {
                        // replayed with the rest
                    }
                }
                ApplyAcks(acked);
                _outbox.Rewind();
                Interlocked.Increment(ref _failures);
                if (attempt++ == 0) failingSince = _time.GetTimestamp();
                var elapsed = _time.GetElapsedTime(failingSince);
                var delay = _retry.GetNextDelay(attempt, elapsed);
                if (delay is null)
                {
                    // a gateway runs unattended: the policy's budget ends an episode's log, not the forwarding
                    _logger.ForwarderRetryBudgetExhausted(_outbox.Path, attempt, elapsed);
                    attempt = 1;
                    failingSince = _time.GetTimestamp();
                    delay = _retry.GetNextDelay(1, TimeSpan.Zero) ?? TimeSpan.FromSeconds(1);
                }
                // one warning per outage, the retries after it at debug level
                if (attempt == 1) _logger.ForwarderPublishFailed(_outbox.Path, head.Record.Sequence, attempt, delay.Value, failure.Message);
                else _logger.ForwarderStillFailing(_outbox.Path, head.Record.Sequence, attempt, delay.Value, failure.Message);
                _health?.Report(HealthEndpoint, EndpointHealthState.Faulted, failure.Message);
                await BackOffAsync(delay.Value, head.Connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            // observe what is still in flight; whatever completed is acknowledged, the rest is replayed next time
            while (inFlight.Count > 0)
            {
                var next = inFlight.Dequeue();
                try
                {
                    await next.Publish.ConfigureAwait(false);
                    acked.Add(next.Record.Id);
                }
                catch (Exception)
                {
                    // replayed by the next run
                }
            }
            try
            {
                ApplyAcks(acked);
                _outbox.Rewind();
            }
            catch (ObjectDisposedException)
            {
                // the outbox closed first: the records stay stored and are replayed
            }
            _health?.Report(HealthEndpoint, EndpointHealthState.Stopped);
        }
    }

    /// <summary>
    /// Waits out the retry delay, or less: a publisher that reports its connections (<see cref="IUplinkConnections"/>) ends
    /// the wait as soon as it has connected again since the failed publish went out, so a backlog built up during an outage
    /// starts draining the moment the broker is back, not up to one full backoff later.
    /// </summary>
    private async Task BackOffAsync(TimeSpan delay, long failedOnConnection, CancellationToken cancellationToken)
    {
        if (_uplink is null)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _time, wait.Token);
        var reconnected = _uplink.WhenConnectedAfterAsync(failedOnConnection, wait.Token);
        var first = await Task.WhenAny(timer, reconnected).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == reconnected && reconnected.IsCompletedSuccessfully) _logger.ForwarderUplinkBack(_outbox.Path, _uplink.Connections);
    }

    private void ApplyAcks(List<long> acked)
    {
        if (acked.Count == 0) return;
        try
        {
            _outbox.Acknowledge(acked);
            Interlocked.Add(ref _published, acked.Count);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            // the records stay stored and go out again after the rewind: a duplicate, never a loss
            _logger.ForwarderAcknowledgeFailed(_outbox.Path, acked.Count, ex.Message);
            _outbox.Rewind();
        }
        acked.Clear();
    }

    private async Task PublishAsync(OutboxRecord record, CancellationToken cancellationToken)
    {
        if (record.Kind == OutboxRecordKind.Telemetry)
        {
            Core.Samples.Sample[] samples;
            int count;
            try
            {
                // decoded synchronously on the forwarding loop, so one decoder (and its string cache) serves every record
                samples = _decoder.Decode(record.Payload.Span, out count);
            }
            catch (OutboxRecordCorruptException ex)
            {
                _outbox.Discard(record.Id, "corrupt", ex.Message);
                throw new RecordDiscardedException();
            }
            finally
            {
                record.ReturnPayload();
            }
            try
            {
                var batch = new TelemetryBatch(_outbox.GatewayId, record.Sequence, record.Replayed, record.CreatedUtc, samples.AsMemory(0, count));
                await _telemetry.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // the publisher is done with the samples once its task has completed (it encoded them up front)
                SampleBatchDecoder.Return(samples, count);
            }
            return;
        }

        AnomalyEvent anomaly;
        try
        {
            anomaly = AnomalyEventCodec.Decode(record.Payload.Span);
        }
        catch (OutboxRecordCorruptException ex)
        {
            _outbox.Discard(record.Id, "corrupt", ex.Message);
            throw new RecordDiscardedException();
        }
        finally
        {
            record.ReturnPayload();
        }
        if (_events is null)
        {
            if (!_warnedNoEventPublisher)
            {
                _warnedNoEventPublisher = true;
                _logger.ForwarderNoEventPublisher(_outbox.Path);
            }
            _outbox.Discard(record.Id, "no-event-publisher", "no anomaly event publisher is configured");
            throw new RecordDiscardedException();
        }
        await _events.PublishAsync(new AnomalyEventEnvelope(_outbox.GatewayId, record.Sequence, record.Replayed, anomaly), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A record was discarded (corrupt, or an event with no publisher): not a link failure, and nothing to acknowledge.</summary>
    private sealed class RecordDiscardedException : Exception
    {
        public RecordDiscardedException() : base("The record was discarded.") { }
    }
}

internal static partial class OutboxForwarderLog
{
    [LoggerMessage(EventId = EventIds.ForwarderPublishFailed, Level = LogLevel.Warning,
        Message = "Outbox {Path}: publishing sequence {Sequence} failed (attempt {Attempt}); replaying from the oldest unacknowledged record in {Delay}: {Reason}")]
    public static partial void ForwarderPublishFailed(this ILogger logger, string path, long sequence, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = EventIds.ForwarderStillFailing, Level = LogLevel.Debug,
        Message = "Outbox {Path}: publishing sequence {Sequence} failed again (attempt {Attempt}); next try in {Delay}: {Reason}")]
    public static partial void ForwarderStillFailing(this ILogger logger, string path, long sequence, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = EventIds.ForwarderRecovered, Level = LogLevel.Information,
        Message = "Outbox {Path}: publishing again after {Attempts} failed attempts over {Duration}")]
    public static partial void ForwarderRecovered(this ILogger logger, string path, int attempts, TimeSpan duration);

    [LoggerMessage(EventId = EventIds.ForwarderUplinkBack, Level = LogLevel.Information,
        Message = "Outbox {Path}: the uplink has connected again (connection {Connection}); replaying now instead of waiting out the backoff")]
    public static partial void ForwarderUplinkBack(this ILogger logger, string path, long connection);

    [LoggerMessage(EventId = EventIds.ForwarderNoEventPublisher, Level = LogLevel.Error,
        Message = "Outbox {Path} holds anomaly events but no anomaly event publisher is configured; they are dropped and counted")]
    public static partial void ForwarderNoEventPublisher(this ILogger logger, string path);

    [LoggerMessage(EventId = EventIds.ForwarderRetryBudgetExhausted, Level = LogLevel.Error,
        Message = "Outbox {Path}: retry budget used up after {Attempts} attempts over {Elapsed}; forwarding keeps retrying from the initial delay")]
    public static partial void ForwarderRetryBudgetExhausted(this ILogger logger, string path, int attempts, TimeSpan elapsed);

    [LoggerMessage(EventId = EventIds.ForwarderAcknowledgeFailed, Level = LogLevel.Error,
        Message = "Outbox {Path}: deleting {Count} acknowledged records failed ({Reason}); they will be sent again")]
    public static partial void ForwarderAcknowledgeFailed(this ILogger logger, string path, int count, string reason);
}
