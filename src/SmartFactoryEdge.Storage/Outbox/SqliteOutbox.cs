using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Codec;

namespace SmartFactoryEdge.Storage.Outbox;

/// <summary>
/// The durable store-and-forward outbox: a SQLite file in WAL mode between the pipeline and the MQTT publisher.
/// <list type="bullet">
/// <item>Write side (<see cref="ISampleSink"/>): <see cref="WriteAsync"/> encodes the batch, assigns the next per-gateway
/// sequence number and commits before it returns, so a batch counts as accepted only once it is on disk.</item>
/// <item>Read side (one forwarder): <see cref="TakePending"/> hands out the oldest records not yet handed out,
/// <see cref="Acknowledge"/> deletes records after their PUBACK, <see cref="Rewind"/> starts again from the oldest
/// unacknowledged record after a failure; records handed out again (or left over from a previous run) are marked replayed.</item>
/// <item>Bounds: <see cref="OutboxOptions.MaxBytes"/>, <see cref="OutboxOptions.MaxAge"/> and the disk itself (SQLITE_FULL),
/// handled by <see cref="OutboxOptions.FullPolicy"/>; every dropped sample is counted in <see cref="GetStats"/> and the metrics.</item>
/// </list>
/// A damaged file at start-up is moved aside and a new one created. Thread-safe; the file is held with an exclusive lock.
/// </summary>
public sealed partial class SqliteOutbox : ISampleSink, IDisposable
{
    /// <summary>The fixed cost per stored record added to its payload length when counting bytes against <see cref="OutboxOptions.MaxBytes"/>.</summary>
    public const int RecordOverheadBytes = 64;

    private const int FormatVersion = 1;
    private const int SqliteFull = 13;
    private const int DropScanChunk = 256;
    private static readonly TimeSpan BlockRecheckInterval = TimeSpan.FromSeconds(1);

    private readonly OutboxOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly SampleBatchCodec _codec = new();
    private readonly AnomalyEventCodec _eventCodec = new();
    private readonly SqliteConnection _db;
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly OutboxMetrics _metrics;

    private readonly SqliteCommand _insertBatch;
    private readonly SqliteCommand _insertPayload;
    private readonly SqliteCommand _updateSequence;
    private readonly SqliteCommand _deleteBatch;
    private readonly SqliteCommand _deletePayload;
    private readonly SqliteCommand _selectPending;
    private readonly SqliteCommand _selectOldest;
    private readonly SqliteCommand _selectCandidates;

    private readonly long[] _nextSequence = new long[2];
    private long _lastId;
    private long _cursor;
    private long _replayUpTo;
    private long _pendingBatches, _pendingSamples, _pendingEvents, _pendingBytes;
    private long _oldestCreatedTicks;
    private long _appendedBatches, _appendedSamples, _appendedEvents;
    private long _ackedBatches, _ackedSamples, _ackedEvents;
    private long _replayedBatches;
    private long _droppedBatches, _droppedSamples, _droppedEvents;
    private string? _lastDropReason;
    private bool _dropEpisode;
    private long _episodeSamples, _episodeBatches;
    private long _episodeStartTimestamp;
    private bool _blocked;
    private long _blockedSinceTimestamp;
    private long _lastFlushTimestamp;
    private TaskCompletionSource _pendingSignal = NewSignal();
    private TaskCompletionSource _spaceSignal = NewSignal();
    private bool _disposed;

    /// <summary>Raised after acknowledge, discard and rewind, and when a writer starts waiting under the Block policy (tests wait on it instead of polling).</summary>
    internal event Action? StateChanged;

    private SqliteOutbox(OutboxOptions options, string gatewayId, SqliteConnection db, string? movedAside, ILogger logger, TimeProvider time, IMeterFactory? meterFactory)
    {
        _options = options;
        GatewayId = gatewayId;
        _db = db;
        MovedAsideFile = movedAside;
        _logger = logger;
        _time = time;
        Path = System.IO.Path.GetFullPath(options.Path);

        _insertBatch = Prepare("INSERT INTO batches(id, stream, seq, created, count, bytes) VALUES ($id, $stream, $seq, $created, $count, $bytes)",
            "$id", "$stream", "$seq", "$created", "$count", "$bytes");
        _insertPayload = Prepare("INSERT INTO payloads(id, data) VALUES ($id, $data)", "$id", "$data");
        _updateSequence = Prepare("UPDATE meta SET value = $value WHERE key = $key", "$value", "$key");
        _deleteBatch = Prepare("DELETE FROM batches WHERE id = $id", "$id");
        _deletePayload = Prepare("DELETE FROM payloads WHERE id = $id", "$id");
        _selectPending = Prepare(
            "SELECT b.id, b.stream, b.seq, b.created, b.count, b.bytes, p.data FROM batches b JOIN payloads p ON p.id = b.id WHERE b.id > $after ORDER BY b.id LIMIT $limit",
            "$after", "$limit");
        _selectOldest = Prepare("SELECT created FROM batches ORDER BY id LIMIT 1");
        _selectCandidates = Prepare("SELECT id, stream, count, bytes, created FROM batches WHERE id > $after ORDER BY id LIMIT $limit", "$after", "$limit");

        LoadState();
        _replayUpTo = _lastId;
        _lastFlushTimestamp = _time.GetTimestamp();
        _metrics = new OutboxMetrics(this, meterFactory);
    }

    /// <summary>The gateway whose sequence numbers this outbox assigns.</summary>
    public string GatewayId { get; }

    /// <summary>The full path of the SQLite file.</summary>
    public string Path { get; }

    /// <summary>Set when the file found at start-up was damaged and moved here; a new outbox was created in its place.</summary>
    public string? MovedAsideFile { get; }

    public OutboxOptions Options => _options;

    string ISampleSink.Name => "outbox";

    /// <summary>
    /// Opens (or creates) the outbox file. A file that is not a database, fails <c>PRAGMA quick_check</c> or has an
    /// unknown format is renamed to <c>&lt;path&gt;.corrupt-&lt;UTC time&gt;</c> (with its -wal/-shm files), logged, and replaced by a new one.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names each key).</exception>
    /// <exception cref="IOException">The file is in use by another process, or cannot be created.</exception>
    public static SqliteOutbox Open(OutboxOptions options, string gatewayId, ILogger<SqliteOutbox>? logger = null,
        TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var path = System.IO.Path.GetFullPath(options.Path);
        if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);

        string? movedAside = null;
        SqliteConnection db;
        try
        {
            db = OpenConnection(path, options, gatewayId, time);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6)
        {
            throw new IOException($"Outbox {path} is in use by another process (is another gateway running with the same outbox path?): {ex.Message}", ex);
        }
        catch (Exception ex) when (IsCorruption(ex))
        {
            movedAside = MoveAside(path, time);
            log.OutboxMovedAside(path, ex.Message, movedAside);
            db = OpenConnection(path, options, gatewayId, time);
        }
        var outbox = new SqliteOutbox(options, gatewayId, db, movedAside, log, time, meterFactory);
        log.OutboxOpened(path, outbox._pendingBatches + outbox._pendingEvents, outbox._pendingSamples, outbox._pendingBytes,
            options.Synchronous, options.FullPolicy, outbox._nextSequence[0]);
        return outbox;
    }

    /// <summary>Appends <paramref name="batch"/> durably (split into batches of at most <see cref="OutboxOptions.BatchSize"/>); see <see cref="AppendAsync"/>.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken) =>
        await AppendAsync(batch, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Appends samples durably and returns the sequence numbers assigned once the commit is done. With the Block policy and a
    /// bound hit, waits until acknowledgements free room (cancellable). With DropOldest, the oldest batches not in flight are
    /// dropped to make room; when even that is impossible (disk full) the incoming batch is dropped, counted and reported in the result.
    /// </summary>
    public async ValueTask<OutboxAppendResult> AppendAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        if (batch.IsEmpty) return default;
        byte[][] blobs;
        int[] counts;
        lock (_codec)
        {
            int chunks = (batch.Length + _options.BatchSize - 1) / _options.BatchSize;
            blobs = new byte[chunks][];
            counts = new int[chunks];
            int offset = 0;
            var span = batch.Span;
            for (int i = 0; i < chunks; i++)
            {
                int n = (batch.Length - offset) / (chunks - i);
                counts[i] = n;
                blobs[i] = _codec.Encode(span.Slice(offset, n));
                offset += n;
            }
        }
        return await AppendBlobsAsync(OutboxRecordKind.Telemetry, blobs, counts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends an anomaly event durably (its own sequence stream), under the same bounds and policy as telemetry.</summary>
    public async ValueTask<OutboxAppendResult> AppendEventAsync(AnomalyEvent anomaly, CancellationToken cancellationToken)
    {
        byte[] blob;
        lock (_eventCodec) blob = _eventCodec.Encode(anomaly);
        return await AppendBlobsAsync(OutboxRecordKind.AnomalyEvent, [blob], [1], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// With <see cref="OutboxSynchronousMode.Normal"/>, checkpoints the WAL into the database file with an fsync (at most once per
    /// <see cref="OutboxOptions.FlushInterval"/>), which makes everything so far power-cut safe. With Full, every commit already is.
    /// </summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_options.Synchronous == OutboxSynchronousMode.Full) return ValueTask.CompletedTask;
        lock (_gate)
        {
            if (_disposed || _time.GetElapsedTime(_lastFlushTimestamp) < _options.FlushInterval) return ValueTask.CompletedTask;
            _lastFlushTimestamp = _time.GetTimestamp();
            try
            {
                using var cmd = _db.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                cmd.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                _logger.OutboxCheckpointFailed(Path, ex.Message);
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Hands out up to <paramref name="maxRecords"/> stored records, oldest first, that were not handed out since the last
    /// <see cref="Rewind"/>. They stay stored (and are protected from DropOldest) until <see cref="Acknowledge"/> or <see cref="Rewind"/>.
    /// Meant for a single forwarder.
    /// </summary>
    public IReadOnlyList<OutboxRecord> TakePending(int maxRecords)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_options.FullPolicy == OutboxFullPolicy.DropOldest && IsExpiredLocked(out var cutoff))
                TryPurgeExpiredLocked(cutoff);
            if (_lastId <= _cursor) return [];
            var result = new List<OutboxRecord>(Math.Min(maxRecords, 64));
            _selectPending.Parameters[0].Value = _cursor;
            _selectPending.Parameters[1].Value = maxRecords;
            using (var reader = _selectPending.ExecuteReader())
            {
                while (reader.Read())
                {
                    long id = reader.GetInt64(0);
                    var kind = (OutboxRecordKind)reader.GetInt32(1);
                    long seq = reader.GetInt64(2);
                    long created = reader.GetInt64(3);
                    int count = reader.GetInt32(4);
                    long bytes = reader.GetInt64(5);
                    // read into a pooled buffer: a fresh array per record was most of the garbage while replaying a backlog
                    var length = checked((int)reader.GetBytes(6, 0, null, 0, 0));
                    var payload = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
                    var copied = reader.GetBytes(6, 0, payload, 0, length);
                    if (copied != length) throw new OutboxFileCorruptException($"Outbox {Path}: record {id} gave {copied} of its {length} payload bytes.");
                    bool replayed = id <= _replayUpTo;
                    if (replayed) _replayedBatches++;
                    _inFlight[id] = new InFlight(kind, seq, count, bytes);
                    result.Add(new OutboxRecord(id, kind, seq, new DateTime(created, DateTimeKind.Utc), replayed, count, payload.AsMemory(0, length))
                    {
                        RentedPayload = payload,
                    });
                    _cursor = id;
                }
            }
            if (result.Count == 0) _cursor = _lastId;
            return result;
        }
    }

    /// <summary>Completes when there are records not yet handed out (or at once if there are).</summary>
    public Task WaitForPendingAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_lastId > _cursor) return Task.CompletedTask;
            if (_pendingSignal.Task.IsCompleted) _pendingSignal = NewSignal();
            wait = _pendingSignal.Task;
        }
        return wait.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes records whose PUBACK arrived, in one transaction. Ids not handed out (or already dropped) are ignored,
    /// so nothing is ever deleted without its own acknowledgement.
    /// </summary>
    public void Acknowledge(IReadOnlyCollection<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) return;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var done = new List<(long Id, InFlight Info)>(ids.Count);
            using (var tx = _db.BeginTransaction())
            {
                foreach (var id in ids)
                {
                    if (!_inFlight.TryGetValue(id, out var info)) continue;
                    DeleteLocked(tx, id);
                    done.Add((id, info));
                }
                tx.Commit();
            }
            foreach (var (id, info) in done)
            {
                _inFlight.Remove(id);
                RemoveFromTotalsLocked(info.Kind, info.Count, info.Bytes);
                if (info.Kind == OutboxRecordKind.Telemetry) { _ackedBatches++; _ackedSamples += info.Count; }
                else _ackedEvents++;
            }
            if (done.Count > 0) AfterSpaceFreedLocked();
        }
        StateChanged?.Invoke();
    }

    /// <summary>
    /// Forgets what was handed out: the next <see cref="TakePending"/> starts again at the oldest unacknowledged record,
    /// and every record handed out before is marked replayed. Call after a publish failure or a reconnect.
    /// </summary>
    public void Rewind()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _replayUpTo = Math.Max(_replayUpTo, _cursor);
            _cursor = 0;
            _inFlight.Clear();
            if (_lastId > 0) _pendingSignal.TrySetResult();
        }
        StateChanged?.Invoke();
    }

    /// <summary>
    /// Drops a handed-out record that can never be published (reason "corrupt" when it cannot be decoded), counted like any
    /// other drop, so that it does not block the queue for ever.
    /// </summary>
    public void Discard(long id, string reason, string detail)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_inFlight.Remove(id, out var info)) return;
            using (var tx = _db.BeginTransaction())
            {
                DeleteLocked(tx, id);
                tx.Commit();
            }
            RemoveFromTotalsLocked(info.Kind, info.Count, info.Bytes);
            CountDropLocked(info.Kind, info.Count, reason);
            _logger.OutboxRecordDiscarded(Path, id, info.Sequence, info.Count, reason, detail);
            AfterSpaceFreedLocked();
        }
        StateChanged?.Invoke();
    }

    /// <summary>A snapshot for the gateway's `state` message, metrics and the UI.</summary>
    public OutboxStats GetStats()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            DateTime? oldest = _oldestCreatedTicks > 0 ? new DateTime(_oldestCreatedTicks, DateTimeKind.Utc) : null;
            return new OutboxStats
            {
                Path = Path,
                FullPolicy = _options.FullPolicy,
                PendingBatches = _pendingBatches,
                PendingSamples = _pendingSamples,
                PendingEvents = _pendingEvents,
                PendingBytes = _pendingBytes,
                MaxBytes = _options.MaxBytes,
                OldestCreatedUtc = oldest,
                OldestAge = oldest is { } o && now > o ? now - o : TimeSpan.Zero,
                InFlightBatches = _inFlight.Count,
                AppendedBatches = _appendedBatches,
                AppendedSamples = _appendedSamples,
                AppendedEvents = _appendedEvents,
                AcknowledgedBatches = _ackedBatches,
                AcknowledgedSamples = _ackedSamples,
                AcknowledgedEvents = _ackedEvents,
                ReplayedBatches = _replayedBatches,
                DroppedBatches = _droppedBatches,
                DroppedSamples = _droppedSamples,
                DroppedEvents = _droppedEvents,
                LastDropReason = _lastDropReason,
                Blocked = _blocked,
                NextSequence = _nextSequence[0],
                MovedAsideFile = MovedAsideFile,
            };
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var cmd in new[] { _insertBatch, _insertPayload, _updateSequence, _deleteBatch, _deletePayload, _selectPending, _selectOldest, _selectCandidates })
                cmd.Dispose();
            _db.Dispose();
            _pendingSignal.TrySetException(new ObjectDisposedException(nameof(SqliteOutbox)));
            _spaceSignal.TrySetException(new ObjectDisposedException(nameof(SqliteOutbox)));
        }
        _metrics.Dispose();
    }

    internal (long Batches, long Samples, long Bytes, double OldestAgeSeconds, long Appended, long Acked, long Replayed, long Dropped, bool Blocked) ReadGauges()
    {
        lock (_gate)
        {
            double age = 0;
            if (_oldestCreatedTicks > 0)
                age = Math.Max(0, (_time.GetUtcNow().UtcDateTime.Ticks - _oldestCreatedTicks) / (double)TimeSpan.TicksPerSecond);
            return (_pendingBatches + _pendingEvents, _pendingSamples, _pendingBytes, age, _appendedSamples, _ackedSamples, _replayedBatches, _droppedSamples, _blocked);
        }
    }

    private async ValueTask<OutboxAppendResult> AppendBlobsAsync(OutboxRecordKind kind, byte[][] blobs, int[] counts, CancellationToken cancellationToken)
    {
        bool announced = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task wait;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (TryAppendLocked(kind, blobs, counts, out var result)) return result;
                if (_spaceSignal.Task.IsCompleted) _spaceSignal = NewSignal();
                wait = _spaceSignal.Task;
            }
            if (!announced)
            {
                announced = true;
                StateChanged?.Invoke();
            }
            try
            {
                // woken by acknowledgements; the periodic recheck covers a disk that frees up by itself
                await wait.WaitAsync(BlockRecheckInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // recheck
            }
        }
    }

    /// <summary>Applies the bounds and commits; false means the Block policy holds the writer back.</summary>
    private bool TryAppendLocked(OutboxRecordKind kind, byte[][] blobs, int[] counts, out OutboxAppendResult result)
    {
        result = default;
        long need = 0;
        foreach (var b in blobs) need += b.Length + RecordOverheadBytes;
        bool overBytes = _pendingBytes > 0 && _pendingBytes + need > _options.MaxBytes;
        bool expired = IsExpiredLocked(out var cutoff);
        if (_options.FullPolicy == OutboxFullPolicy.Block && (overBytes || expired))
        {
            EnterBlockedLocked(overBytes ? "max-bytes" : "max-age");
            return false;
        }

        List<Candidate>? drops = null;
        string? dropReason = null;
        if (expired)
        {
            drops = SelectExpiredLocked(cutoff);
            if (drops.Count > 0) dropReason = "max-age";
        }
        if (overBytes)
        {
            long freed = drops?.Sum(d => d.Bytes) ?? 0;
            long toFree = _pendingBytes + need - _options.MaxBytes - freed;
            if (toFree > 0)
            {
                var more = SelectOldestLocked(toFree, drops);
                if (more.Count > 0) { (drops ??= []).AddRange(more); dropReason ??= "max-bytes"; }
            }
        }

        for (int attempt = 0; ; attempt++)
        {
            try
            {
                result = CommitAppendLocked(kind, blobs, counts, drops);
                break;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteFull)
            {
                // the disk (or max_page_count) is full: a bound hit like any other
                if (_options.FullPolicy == OutboxFullPolicy.Block)
                {
                    EnterBlockedLocked("disk-full");
                    return false;
                }
                long alreadyFreed = drops?.Sum(d => d.Bytes) ?? 0;
                var more = attempt < 4 ? SelectOldestLocked(Math.Max(need * 2, (_pendingBytes - alreadyFreed) / 10), drops) : [];
                if (more.Count == 0)
                {
                    // nothing left to drop: the incoming batch is the one that goes, counted like any other drop
                    if (drops is { Count: > 0 }) TryDeleteLocked(drops, dropReason ?? "disk-full");
                    result = DropIncomingLocked(kind, counts, "disk-full", ex.Message);
                    return true;
                }
                (drops ??= []).AddRange(more);
                dropReason = "disk-full";
            }
            catch (SqliteException ex)
            {
                // any other storage error (a failing SD card, a read-only remount) must not crash the data path either
                if (_options.FullPolicy == OutboxFullPolicy.Block)
                {
                    EnterBlockedLocked($"storage error {ex.SqliteErrorCode}: {ex.Message}");
                    return false;
                }
                result = DropIncomingLocked(kind, counts, "io-error", ex.Message);
                return true;
            }
        }

        if (drops is { Count: > 0 })
        {
            foreach (var d in drops) CountDropLocked(d.Kind, d.Count, dropReason!);
            RefreshOldestLocked();
        }
        else if (_dropEpisode && _pendingBytes <= _options.MaxBytes / 10 * 9)
        {
            // hysteresis: the episode ends only once there is real room again, so a full outbox logs once, not per batch
            _dropEpisode = false;
            _logger.OutboxDropEpisodeEnded(Path, _episodeSamples, _episodeBatches, _time.GetElapsedTime(_episodeStartTimestamp));
        }
        if (_blocked)
        {
            _blocked = false;
            _logger.OutboxBlockEnded(Path, _time.GetElapsedTime(_blockedSinceTimestamp));
        }
        _pendingSignal.TrySetResult();
        return true;
    }

    private OutboxAppendResult CommitAppendLocked(OutboxRecordKind kind, byte[][] blobs, int[] counts, List<Candidate>? drops)
    {
        long created = _time.GetUtcNow().UtcDateTime.Ticks;
        int stream = (int)kind;
        long firstSeq = _nextSequence[stream];
        long id = _lastId;
        using (var tx = _db.BeginTransaction())
        {
            if (drops is not null)
            {
                foreach (var d in drops) DeleteLocked(tx, d.Id);
            }
            for (int i = 0; i < blobs.Length; i++)
            {
                id++;
                _insertBatch.Transaction = tx;
                var p = _insertBatch.Parameters;
                p[0].Value = id;
                p[1].Value = stream;
                p[2].Value = firstSeq + i;
                p[3].Value = created;
                p[4].Value = counts[i];
                p[5].Value = (long)blobs[i].Length + RecordOverheadBytes;
                _insertBatch.ExecuteNonQuery();
                _insertPayload.Transaction = tx;
                _insertPayload.Parameters[0].Value = id;
                _insertPayload.Parameters[1].Value = blobs[i];
                _insertPayload.ExecuteNonQuery();
            }
            _updateSequence.Transaction = tx;
            _updateSequence.Parameters[0].Value = firstSeq + blobs.Length;
            _updateSequence.Parameters[1].Value = SequenceKey(stream);
            _updateSequence.ExecuteNonQuery();
            tx.Commit();
        }

        // committed: now the in-memory view follows
        if (drops is not null)
        {
            foreach (var d in drops) RemoveFromTotalsLocked(d.Kind, d.Count, d.Bytes);
        }
        _lastId = id;
        _nextSequence[stream] = firstSeq + blobs.Length;
        if (_pendingBatches + _pendingEvents == 0 || _oldestCreatedTicks == 0) _oldestCreatedTicks = created;
        for (int i = 0; i < blobs.Length; i++)
        {
            long bytes = (long)blobs[i].Length + RecordOverheadBytes;
            _pendingBytes += bytes;
            if (kind == OutboxRecordKind.Telemetry)
            {
                _pendingBatches++;
                _pendingSamples += counts[i];
                _appendedBatches++;
                _appendedSamples += counts[i];
            }
            else
            {
                _pendingEvents++;
                _appendedEvents++;
            }
        }
        return new OutboxAppendResult(firstSeq, firstSeq + blobs.Length - 1, blobs.Length, Dropped: false);
    }

    /// <summary>Counts the incoming records as dropped (logged once per episode) when nothing else can make room.</summary>
    private OutboxAppendResult DropIncomingLocked(OutboxRecordKind kind, int[] counts, string reason, string detail)
    {
        bool first = !_dropEpisode;
        foreach (var c in counts) CountDropLocked(kind, c, reason);
        if (first) _logger.OutboxIncomingDropped(Path, counts.Sum(), $"{reason}: {detail}");
        return new OutboxAppendResult(0, 0, 0, Dropped: true);
    }

    private bool IsExpiredLocked(out long cutoffTicks)
    {
        cutoffTicks = _time.GetUtcNow().UtcDateTime.Ticks - _options.MaxAge.Ticks;
        return _oldestCreatedTicks > 0 && _oldestCreatedTicks < cutoffTicks;
    }

    private void TryPurgeExpiredLocked(long cutoff)
    {
        var drops = SelectExpiredLocked(cutoff);
        if (drops.Count == 0) return;
        TryDeleteLocked(drops, "max-age");
    }

    /// <summary>Deletes <paramref name="drops"/> in their own transaction and counts them; a failure (disk full) is left for the next try.</summary>
    private void TryDeleteLocked(List<Candidate> drops, string reason)
    {
        try
        {
            using (var tx = _db.BeginTransaction())
            {
                foreach (var d in drops) DeleteLocked(tx, d.Id);
                tx.Commit();
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteFull)
        {
            return;
        }
        foreach (var d in drops)
        {
            RemoveFromTotalsLocked(d.Kind, d.Count, d.Bytes);
            CountDropLocked(d.Kind, d.Count, reason);
        }
        RefreshOldestLocked();
        AfterSpaceFreedLocked();
    }

    private List<Candidate> SelectExpiredLocked(long cutoff)
    {
        var list = new List<Candidate>();
        long after = 0;
        while (true)
        {
            int seen = 0;
            foreach (var c in ReadCandidatesLocked(after))
            {
                seen++;
                after = c.Id;
                if (c.CreatedTicks >= cutoff) return list;
                if (!_inFlight.ContainsKey(c.Id)) list.Add(c);
            }
            if (seen < DropScanChunk) return list;
        }
    }

    /// <summary>The oldest records not in flight (and not already chosen) whose bytes add up to at least <paramref name="toFree"/>.</summary>
    private List<Candidate> SelectOldestLocked(long toFree, List<Candidate>? already)
    {
        var list = new List<Candidate>();
        HashSet<long>? skip = already is { Count: > 0 } ? already.Select(a => a.Id).ToHashSet() : null;
        long freed = 0;
        long after = 0;
        while (freed < toFree)
        {
            int seen = 0;
            foreach (var c in ReadCandidatesLocked(after))
            {
                seen++;
                after = c.Id;
                if (_inFlight.ContainsKey(c.Id) || (skip?.Contains(c.Id) ?? false)) continue;
                list.Add(c);
                freed += c.Bytes;
                if (freed >= toFree) break;
            }
            if (seen < DropScanChunk) break;
        }
        return list;
    }

    private List<Candidate> ReadCandidatesLocked(long after)
    {
        var list = new List<Candidate>(DropScanChunk);
        _selectCandidates.Parameters[0].Value = after;
        _selectCandidates.Parameters[1].Value = DropScanChunk;
        using var reader = _selectCandidates.ExecuteReader();
        while (reader.Read())
            list.Add(new Candidate(reader.GetInt64(0), (OutboxRecordKind)reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4)));
        return list;
    }

    private void DeleteLocked(SqliteTransaction tx, long id)
    {
        _deleteBatch.Transaction = tx;
        _deleteBatch.Parameters[0].Value = id;
        _deleteBatch.ExecuteNonQuery();
        _deletePayload.Transaction = tx;
        _deletePayload.Parameters[0].Value = id;
        _deletePayload.ExecuteNonQuery();
    }

    private void RemoveFromTotalsLocked(OutboxRecordKind kind, int count, long bytes)
    {
        _pendingBytes -= bytes;
        if (kind == OutboxRecordKind.Telemetry)
        {
            _pendingBatches--;
            _pendingSamples -= count;
        }
        else _pendingEvents--;
    }

    private void CountDropLocked(OutboxRecordKind kind, int count, string reason)
    {
        if (!_dropEpisode)
        {
            _dropEpisode = true;
            _episodeStartTimestamp = _time.GetTimestamp();
            _episodeSamples = 0;
            _episodeBatches = 0;
            _logger.OutboxDropEpisodeStarted(Path, reason, _options.MaxBytes, _options.MaxAge);
        }
        if (kind == OutboxRecordKind.Telemetry)
        {
            _droppedBatches++;
            _droppedSamples += count;
            _episodeSamples += count;
        }
        else _droppedEvents++;
        _episodeBatches++;
        _lastDropReason = reason;
    }

    private void EnterBlockedLocked(string reason)
    {
        if (_blocked) return;
        _blocked = true;
        _blockedSinceTimestamp = _time.GetTimestamp();
        _logger.OutboxBlockStarted(Path, reason, _pendingBytes, _options.MaxBytes);
    }

    private void AfterSpaceFreedLocked()
    {
        if (_pendingBatches + _pendingEvents == 0) _oldestCreatedTicks = 0;
        else RefreshOldestLocked();
        _spaceSignal.TrySetResult();
    }

    private void RefreshOldestLocked()
    {
        var v = _selectOldest.ExecuteScalar();
        _oldestCreatedTicks = v is long t ? t : 0;
    }

    private void LoadState()
    {
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "SELECT stream, count(*), total(count), total(bytes), max(id) FROM batches GROUP BY stream";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                long n = r.GetInt64(1);
                if (r.GetInt32(0) == (int)OutboxRecordKind.Telemetry)
                {
                    _pendingBatches = n;
                    _pendingSamples = (long)r.GetDouble(2);
                }
                else _pendingEvents = n;
                _pendingBytes += (long)r.GetDouble(3);
                _lastId = Math.Max(_lastId, r.GetInt64(4));
            }
        }
        for (int stream = 0; stream < 2; stream++)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT value FROM meta WHERE key = $key";
            cmd.Parameters.AddWithValue("$key", SequenceKey(stream));
            _nextSequence[stream] = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        RefreshOldestLocked();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
        cmd.Prepare();
        return cmd;
    }

    private static string SequenceKey(int stream) => stream == 0 ? "seq.telemetry" : "seq.anomaly";

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static SqliteConnection OpenConnection(string path, OutboxOptions options, string gatewayId, TimeProvider time)
    {
        var csb = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        };
        var db = new SqliteConnection(csb.ToString());
        try
        {
            db.Open();
            Execute(db, "PRAGMA locking_mode=EXCLUSIVE");
            var mode = Convert.ToString(Scalar(db, "PRAGMA journal_mode=WAL"), CultureInfo.InvariantCulture);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new OutboxFileCorruptException($"Outbox {path}: could not switch to WAL mode (journal_mode is {mode}).");
            Execute(db, options.Synchronous == OutboxSynchronousMode.Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            Execute(db, "PRAGMA journal_size_limit=67108864");
            // 1 MB: the outbox only touches both ends of its table (append at the tail, read and delete at the head); a
            // bigger cache fills up during an outage and stays resident (4 MB gave 5-10 MB more peak RSS in 45 s outage runs
            // at 100k values/s: 110/109 MB against 100/105 MB)
            Execute(db, "PRAGMA cache_size=-1024");
            if (options.MaxPageCount is { } pages) Execute(db, $"PRAGMA max_page_count={pages.ToString(CultureInfo.InvariantCulture)}");
            if (options.CheckIntegrityOnOpen)
            {
                var check = Convert.ToString(Scalar(db, "PRAGMA quick_check(1)"), CultureInfo.InvariantCulture);
                if (!string.Equals(check, "ok", StringComparison.Ordinal))
                    throw new OutboxFileCorruptException($"Outbox {path} failed its integrity check: {check}");
            }
            EnsureSchema(db, path, gatewayId, time);
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static void EnsureSchema(SqliteConnection db, string path, string gatewayId, TimeProvider time)
    {
        var hasMeta = Convert.ToInt64(Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"), CultureInfo.InvariantCulture) > 0;
        using var tx = db.BeginTransaction();
        if (!hasMeta)
        {
            var tables = Convert.ToInt64(Scalar(db, "SELECT count(*) FROM sqlite_master", tx), CultureInfo.InvariantCulture);
            if (tables > 0) throw new OutboxFileCorruptException($"Outbox {path} is a SQLite database but not an outbox (it has other tables and no meta table).");
            Execute(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value NOT NULL)", tx);
            Execute(db, "CREATE TABLE batches(id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL)", tx);
            Execute(db, "CREATE TABLE payloads(id INTEGER PRIMARY KEY, data BLOB NOT NULL)", tx);
            // a new file starts its sequences at the clock (unix ms x 1000) so that a file lost or moved aside never makes
            // the center see an old sequence number again for this gateway
            long start = Math.Max(1, time.GetUtcNow().ToUnixTimeMilliseconds() * 1000);
            using var insert = db.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO meta(key, value) VALUES ('format', $format), ('gateway', $gateway), ('seq.telemetry', $start), ('seq.anomaly', $start), ('created', $created)";
            insert.Parameters.AddWithValue("$format", FormatVersion);
            insert.Parameters.AddWithValue("$gateway", gatewayId);
            insert.Parameters.AddWithValue("$start", start);
            insert.Parameters.AddWithValue("$created", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            insert.ExecuteNonQuery();
        }
        else
        {
            var format = Scalar(db, "SELECT value FROM meta WHERE key = 'format'", tx);
            if (format is not long f || f != FormatVersion)
                throw new OutboxFileCorruptException($"Outbox {path} has format {format ?? "(none)"}; this build reads format {FormatVersion}.");
            try
            {
                Execute(db, "SELECT id, stream, seq, created, count, bytes FROM batches LIMIT 0", tx);
                Execute(db, "SELECT id, data FROM payloads LIMIT 0", tx);
                foreach (var key in new[] { "seq.telemetry", "seq.anomaly" })
                {
                    if (Scalar(db, $"SELECT value FROM meta WHERE key = '{key}'", tx) is not long)
                        throw new OutboxFileCorruptException($"Outbox {path} has no valid {key} in its meta table.");
                }
            }
            catch (SqliteException ex)
            {
                throw new OutboxFileCorruptException($"Outbox {path} does not have the expected tables: {ex.Message}", ex);
            }
        }
        // the first write takes the exclusive lock for the life of the connection: a second gateway on the same file fails here
        using (var touch = db.CreateCommand())
        {
            touch.Transaction = tx;
            touch.CommandText = "INSERT OR REPLACE INTO meta(key, value) VALUES ('opened', $now)";
            touch.Parameters.AddWithValue("$now", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            touch.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static bool IsCorruption(Exception ex) => ex switch
    {
        OutboxFileCorruptException => true,
        // SQLITE_IOERR (10), SQLITE_CORRUPT (11), SQLITE_NOTADB (26); BUSY/LOCKED (in use), CANTOPEN, FULL and READONLY are not
        SqliteException s => s.SqliteErrorCode is 10 or 11 or 26,
        _ => false,
    };

    private static string MoveAside(string path, TimeProvider time)
    {
        var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{path}.corrupt-{stamp}";
        for (int n = 1; File.Exists(target); n++) target = $"{path}.corrupt-{stamp}-{n}";
        if (File.Exists(path)) File.Move(path, target);
        foreach (var suffix in new[] { "-wal", "-shm", "-journal" })
        {
            if (File.Exists(path + suffix)) File.Move(path + suffix, target + suffix);
        }
        return target;
    }

    private static void Execute(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    private readonly record struct InFlight(OutboxRecordKind Kind, long Sequence, int Count, long Bytes);

    private readonly record struct Candidate(long Id, OutboxRecordKind Kind, int Count, long Bytes, long CreatedTicks);
}

internal static partial class SqliteOutboxLog
{
    [LoggerMessage(EventId = EventIds.OutboxOpened, Level = LogLevel.Information,
        Message = "Outbox {Path} opened: {Records} records ({Samples} samples, {Bytes} bytes) pending, synchronous {Mode}, policy {Policy}, next sequence {Sequence}")]
    public static partial void OutboxOpened(this ILogger logger, string path, long records, long samples, long bytes, OutboxSynchronousMode mode, OutboxFullPolicy policy, long sequence);

    [LoggerMessage(EventId = EventIds.OutboxMovedAside, Level = LogLevel.Error,
        Message = "Outbox file {Path} is corrupt or unreadable ({Reason}); moved it aside to {MovedTo} and started a new, empty outbox")]
    public static partial void OutboxMovedAside(this ILogger logger, string path, string reason, string movedTo);

    [LoggerMessage(EventId = EventIds.OutboxDropEpisodeStarted, Level = LogLevel.Warning,
        Message = "Outbox {Path} hit a bound ({Reason}; max bytes {MaxBytes}, max age {MaxAge}) with policy DropOldest: dropping the oldest batches, every dropped sample is counted")]
    public static partial void OutboxDropEpisodeStarted(this ILogger logger, string path, string reason, long maxBytes, TimeSpan maxAge);

    [LoggerMessage(EventId = EventIds.OutboxDropEpisodeEnded, Level = LogLevel.Warning,
        Message = "Outbox {Path} is within its bounds again: {Samples} samples in {Records} records were dropped over {Duration}")]
    public static partial void OutboxDropEpisodeEnded(this ILogger logger, string path, long samples, long records, TimeSpan duration);

    [LoggerMessage(EventId = EventIds.OutboxBlockStarted, Level = LogLevel.Warning,
        Message = "Outbox {Path} hit a bound ({Reason}; {Bytes} of {MaxBytes} bytes) with policy Block: writers wait until acknowledgements free room")]
    public static partial void OutboxBlockStarted(this ILogger logger, string path, string reason, long bytes, long maxBytes);

    [LoggerMessage(EventId = EventIds.OutboxBlockEnded, Level = LogLevel.Information,
        Message = "Outbox {Path} accepts batches again after blocking writers for {Duration}")]
    public static partial void OutboxBlockEnded(this ILogger logger, string path, TimeSpan duration);

    [LoggerMessage(EventId = EventIds.OutboxRecordDiscarded, Level = LogLevel.Error,
        Message = "Outbox {Path}: record {Id} (sequence {Sequence}, {Count} samples) cannot be published and was dropped ({Reason}): {Detail}")]
    public static partial void OutboxRecordDiscarded(this ILogger logger, string path, long id, long sequence, int count, string reason, string detail);

    [LoggerMessage(EventId = EventIds.OutboxIncomingDropped, Level = LogLevel.Error,
        Message = "Outbox {Path} cannot store and has nothing left to drop: incoming batches are dropped and counted from now on, starting with {Samples} samples ({Reason})")]
    public static partial void OutboxIncomingDropped(this ILogger logger, string path, int samples, string reason);

    [LoggerMessage(EventId = EventIds.OutboxCheckpointFailed, Level = LogLevel.Warning,
        Message = "Outbox {Path}: WAL checkpoint failed: {Reason}")]
    public static partial void OutboxCheckpointFailed(this ILogger logger, string path, string reason);
}
