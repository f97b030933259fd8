using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Storage.Tests.Support;

namespace SmartFactoryEdge.Storage.Tests.Outbox;

public class SqliteOutboxTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private SqliteOutbox Open(Func<OutboxOptions, OutboxOptions>? configure = null, TimeProvider? time = null, CapturingLogger<SqliteOutbox>? logger = null) =>
        SqliteOutbox.Open(TestData.Options(_dir.File(), configure), "gw-test", logger, time);

    private static long[] DecodeIds(OutboxRecord r) => TestData.Ids(SampleBatchCodec.Decode(r.Payload.Span)).ToArray();

    [Fact]
    public async Task AppendThenAcknowledgeDeletes()
    {
        using var outbox = Open();
        var result = await outbox.AppendAsync(TestData.Numbered(0, 500), default);
        Assert.Equal(1, result.Batches);
        var stats = outbox.GetStats();
        Assert.Equal(1, stats.PendingBatches);
        Assert.Equal(500, stats.PendingSamples);

        var records = outbox.TakePending(10);
        var record = Assert.Single(records);
        Assert.Equal(result.FirstSequence, record.Sequence);
        Assert.False(record.Replayed);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), DecodeIds(record));

        // handed out is not deleted: still stored until the ack
        Assert.Equal(1, outbox.GetStats().PendingBatches);
        outbox.Acknowledge([record.Id]);
        stats = outbox.GetStats();
        Assert.Equal(0, stats.PendingBatches);
        Assert.Equal(0, stats.PendingBytes);
        Assert.Equal(500, stats.AcknowledgedSamples);
        Assert.Null(stats.OldestCreatedUtc);
        Assert.Empty(outbox.TakePending(10));
    }

    [Fact]
    public async Task LargeWritesAreSplitEvenlyIntoBatches()
    {
        using var outbox = Open(o => o with { BatchSize = 400 });
        var result = await outbox.AppendAsync(TestData.Numbered(0, 1001), default);
        Assert.Equal(3, result.Batches);
        Assert.Equal(result.FirstSequence + 2, result.LastSequence);
        var records = outbox.TakePending(10);
        Assert.Equal([333, 334, 334], records.Select(r => r.Count));
        Assert.Equal(Enumerable.Range(0, 1001).Select(i => (long)i), records.SelectMany(DecodeIds));
    }

    [Fact]
    public async Task AcknowledgeOnlyDeletesWhatWasAcknowledged()
    {
        using var outbox = Open();
        for (int i = 0; i < 5; i++) await outbox.AppendAsync(TestData.Numbered(i * 10, 10), default);
        var records = outbox.TakePending(5);
        outbox.Acknowledge([records[1].Id, records[3].Id, 999_999]);
        outbox.Rewind();
        var left = outbox.TakePending(10);
        Assert.Equal([records[0].Sequence, records[2].Sequence, records[4].Sequence], left.Select(r => r.Sequence));
        Assert.All(left, r => Assert.True(r.Replayed));
    }

    [Fact]
    public async Task RestartReplaysInOrderMarkedReplayed()
    {
        var sequences = new List<long>();
        using (var outbox = Open())
        {
            for (int i = 0; i < 20; i++) sequences.Add((await outbox.AppendAsync(TestData.Numbered(i * 100, 100), default)).FirstSequence);
            var first = outbox.TakePending(5);
            outbox.Acknowledge(first.Take(3).Select(r => r.Id).ToArray());
        }
        using (var reopened = Open())
        {
            var stats = reopened.GetStats();
            Assert.Equal(17, stats.PendingBatches);
            Assert.Equal(1700, stats.PendingSamples);
            var records = reopened.TakePending(100);
            Assert.Equal(sequences.Skip(3), records.Select(r => r.Sequence));
            Assert.All(records, r => Assert.True(r.Replayed));
            Assert.Equal(Enumerable.Range(300, 1700).Select(i => (long)i), records.SelectMany(DecodeIds));
            Assert.Equal(17, reopened.GetStats().ReplayedBatches);

            // a batch appended after the restart is new, not replayed
            await reopened.AppendAsync(TestData.Numbered(5000, 1), default);
            Assert.False(Assert.Single(reopened.TakePending(10)).Replayed);
        }
    }

    [Fact]
    public async Task SequenceNumbersSurviveRestartAndNeverRepeat()
    {
        var seen = new List<long>();
        for (int run = 0; run < 3; run++)
        {
            using var outbox = Open();
            for (int i = 0; i < 5; i++)
            {
                var r = await outbox.AppendAsync(TestData.Numbered(i, 1), default);
                seen.Add(r.FirstSequence);
            }
            // acknowledge everything: an empty outbox must still remember where its sequence is
            var all = outbox.TakePending(100);
            outbox.Acknowledge(all.Select(r => r.Id).ToArray());
            Assert.Equal(0, outbox.GetStats().PendingBatches);
        }
        Assert.Equal(15, seen.Distinct().Count());
        Assert.Equal(seen.Order(), seen);
        for (int i = 1; i < seen.Count; i++) Assert.Equal(seen[i - 1] + 1, seen[i]);
    }

    [Fact]
    public async Task RewindHandsOutAgainFromOldestUnacknowledged()
    {
        using var outbox = Open();
        for (int i = 0; i < 6; i++) await outbox.AppendAsync(TestData.Numbered(i, 1), default);
        var a = outbox.TakePending(4);
        Assert.All(a, r => Assert.False(r.Replayed));
        outbox.Acknowledge([a[0].Id]);
        outbox.Rewind();
        var b = outbox.TakePending(10);
        Assert.Equal(a.Skip(1).Select(r => r.Id), b.Take(3).Select(r => r.Id));
        Assert.Equal([true, true, true, false, false], b.Select(r => r.Replayed));
    }

    [Fact]
    public async Task AnomalyEventsHaveTheirOwnSequenceAndRoundTrip()
    {
        using var outbox = Open();
        var t1 = await outbox.AppendAsync(TestData.Numbered(0, 3), default);
        var e1 = await outbox.AppendEventAsync(new AnomalyEvent { TagId = "ferm.ph", Detector = "sr", Timestamp = TestData.T0, Score = 4, Threshold = 3 }, default);
        var e2 = await outbox.AppendEventAsync(new AnomalyEvent { AssetId = "press-1", Detector = "pca-t2", Timestamp = TestData.T0, Score = 9, Threshold = 3 }, default);
        var t2 = await outbox.AppendAsync(TestData.Numbered(3, 3), default);
        Assert.Equal(t1.FirstSequence + 1, t2.FirstSequence);
        Assert.Equal(e1.FirstSequence + 1, e2.FirstSequence);
        var records = outbox.TakePending(10);
        Assert.Equal([OutboxRecordKind.Telemetry, OutboxRecordKind.AnomalyEvent, OutboxRecordKind.AnomalyEvent, OutboxRecordKind.Telemetry], records.Select(r => r.Kind));
        Assert.Equal("pca-t2", AnomalyEventCodec.Decode(records[2].Payload.Span).Detector);
        var stats = outbox.GetStats();
        Assert.Equal(2, stats.PendingEvents);
        Assert.Equal(2, stats.PendingBatches);
    }

    [Fact]
    public async Task ByteBoundWithDropOldestDropsExactlyCountedSamples()
    {
        var logger = new CapturingLogger<SqliteOutbox>();
        using var outbox = Open(o => o with { MaxBytes = 64 * 1024, BatchSize = 100 }, logger: logger);
        const int total = 20_000;
        for (int id = 0; id < total; id += 100) await outbox.AppendAsync(TestData.Numbered(id, 100), default);

        var stats = outbox.GetStats();
        Assert.True(stats.PendingBytes <= 64 * 1024, $"{stats.PendingBytes} bytes pending");
        Assert.True(stats.DroppedSamples > 0);
        Assert.Equal("max-bytes", stats.LastDropReason);

        var kept = outbox.TakePending(100_000).SelectMany(DecodeIds).ToArray();
        var missing = Enumerable.Range(0, total).Select(i => (long)i).Except(kept).Count();
        Assert.Equal(stats.DroppedSamples, missing);
        Assert.Equal(total, stats.AppendedSamples);
        Assert.Equal(total, kept.Length + stats.DroppedSamples);
        // the newest survive, in order, without holes
        Assert.Equal(Enumerable.Range(total - kept.Length, kept.Length).Select(i => (long)i), kept);
        // one warning for the whole episode, not one per dropped batch
        Assert.Equal(1, logger.Count(4102));
    }

    [Fact]
    public async Task DropOldestNeverDropsBatchesInFlight()
    {
        using var outbox = Open(o => o with { MaxBytes = 64 * 1024, BatchSize = 100 });
        await outbox.AppendAsync(TestData.Numbered(0, 100), default);
        var inFlight = Assert.Single(outbox.TakePending(1));
        for (int id = 100; id < 20_000; id += 100) await outbox.AppendAsync(TestData.Numbered(id, 100), default);
        outbox.Acknowledge([inFlight.Id]);
        var stats = outbox.GetStats();
        Assert.Equal(100, stats.AcknowledgedSamples);
        Assert.Equal(20_000, stats.AcknowledgedSamples + stats.DroppedSamples + stats.PendingSamples);
    }

    [Fact]
    public async Task BlockPolicyPushesBackUntilAcknowledged()
    {
        var logger = new CapturingLogger<SqliteOutbox>();
        using var outbox = Open(o => o with { MaxBytes = 64 * 1024, BatchSize = 100, FullPolicy = OutboxFullPolicy.Block }, logger: logger);
        int id = 0;
        Task<OutboxAppendResult> write;
        while (true)
        {
            write = outbox.AppendAsync(TestData.Numbered(id, 100), default).AsTask();
            id += 100;
            if (!write.IsCompleted) break;
            await write;
            Assert.True(id < 100_000, "the Block policy never held the writer back");
        }
        Assert.True(outbox.GetStats().Blocked);
        Assert.Equal(1, logger.Count(4104));
        Assert.False(write.IsCompleted);

        var oldest = outbox.TakePending(5);
        outbox.Acknowledge(oldest.Select(r => r.Id).ToArray());
        var result = await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(result.Dropped);
        var stats = outbox.GetStats();
        Assert.False(stats.Blocked);
        Assert.Equal(0, stats.DroppedSamples);
        Assert.Equal(id, stats.AppendedSamples);
        Assert.Equal(1, logger.Count(4105));
    }

    [Fact]
    public async Task BlockedWriterCanBeCancelled()
    {
        using var outbox = Open(o => o with { MaxBytes = 64 * 1024, BatchSize = 100, FullPolicy = OutboxFullPolicy.Block });
        using var cts = new CancellationTokenSource();
        Task write;
        int id = 0;
        do
        {
            write = outbox.AppendAsync(TestData.Numbered(id, 100), cts.Token).AsTask();
            id += 100;
        }
        while (write.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AgeBoundWithDropOldestDropsExpiredBatches()
    {
        var time = new ManualClock(TestData.T0);
        using var outbox = Open(o => o with { MaxAge = TimeSpan.FromHours(1) }, time);
        await outbox.AppendAsync(TestData.Numbered(0, 10), default);
        time.Advance(TimeSpan.FromMinutes(40));
        await outbox.AppendAsync(TestData.Numbered(10, 10), default);
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(TimeSpan.FromMinutes(70), outbox.GetStats().OldestAge);

        await outbox.AppendAsync(TestData.Numbered(20, 10), default);
        var stats = outbox.GetStats();
        Assert.Equal(10, stats.DroppedSamples);
        Assert.Equal("max-age", stats.LastDropReason);
        Assert.Equal(TimeSpan.FromMinutes(30), stats.OldestAge);
        Assert.Equal(Enumerable.Range(10, 20).Select(i => (long)i), outbox.TakePending(10).SelectMany(DecodeIds));
    }

    [Fact]
    public async Task AgeBoundAlsoPurgesWhenNothingIsAppended()
    {
        var time = new ManualClock(TestData.T0);
        using var outbox = Open(o => o with { MaxAge = TimeSpan.FromHours(1) }, time);
        await outbox.AppendAsync(TestData.Numbered(0, 10), default);
        time.Advance(TimeSpan.FromHours(2));
        Assert.Empty(outbox.TakePending(10));
        Assert.Equal(10, outbox.GetStats().DroppedSamples);
    }

    [Fact]
    public async Task AgeBoundWithBlockPolicyHoldsWritersBack()
    {
        var time = new ManualClock(TestData.T0);
        using var outbox = Open(o => o with { MaxAge = TimeSpan.FromHours(1), FullPolicy = OutboxFullPolicy.Block }, time);
        await outbox.AppendAsync(TestData.Numbered(0, 10), default);
        time.Advance(TimeSpan.FromHours(2));
        var write = outbox.AppendAsync(TestData.Numbered(10, 10), default).AsTask();
        Assert.False(write.IsCompleted);
        Assert.True(outbox.GetStats().Blocked);
        var old = Assert.Single(outbox.TakePending(10));
        outbox.Acknowledge([old.Id]);
        await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, outbox.GetStats().DroppedSamples);
    }

    [Fact]
    public async Task DiskFullWithDropOldestDropsAndCountsNeverThrows()
    {
        // max_page_count makes SQLite answer SQLITE_FULL exactly like a full disk
        using var outbox = Open(o => o with { MaxPageCount = 200, BatchSize = 500 });
        const int total = 200_000;
        for (int id = 0; id < total; id += 500) await outbox.AppendAsync(TestData.Numbered(id, 500), default);
        var stats = outbox.GetStats();
        Assert.True(stats.DroppedSamples > 0);
        Assert.Equal("disk-full", stats.LastDropReason);
        var kept = outbox.TakePending(100_000).SelectMany(DecodeIds).ToArray();
        Assert.NotEmpty(kept);
        Assert.Equal(total, kept.Length + stats.DroppedSamples);
        Assert.Equal(total - kept.Length, Enumerable.Range(0, total).Select(i => (long)i).Except(kept).Count());
    }

    [Fact]
    public async Task DiskFullWithNothingToDropDropsTheIncomingBatchCounted()
    {
        var logger = new CapturingLogger<SqliteOutbox>();
        using var outbox = Open(o => o with { MaxPageCount = 8, BatchSize = 5000 }, logger: logger);
        var first = await outbox.AppendAsync(TestData.Mixed(1, 5000), default);
        var second = await outbox.AppendAsync(TestData.Mixed(2, 5000), default);
        Assert.True(first.Dropped);
        Assert.True(second.Dropped);
        var stats = outbox.GetStats();
        Assert.Equal(10_000, stats.DroppedSamples);
        Assert.Equal("disk-full", stats.LastDropReason);
        Assert.Equal(0, stats.PendingBatches);
        Assert.Equal(1, logger.Count(4107));

        // small batches still fit
        Assert.False((await outbox.AppendAsync(TestData.Numbered(0, 10), default)).Dropped);
    }

    [Fact]
    public async Task DiskFullWithBlockPolicyWaitsForRoom()
    {
        using var outbox = Open(o => o with { MaxPageCount = 200, BatchSize = 500, FullPolicy = OutboxFullPolicy.Block });
        Task<OutboxAppendResult> write;
        int id = 0;
        while (true)
        {
            write = outbox.AppendAsync(TestData.Numbered(id, 500), default).AsTask();
            id += 500;
            if (!write.IsCompleted) break;
            await write;
            Assert.True(id < 1_000_000, "never hit the page limit");
        }
        Assert.True(outbox.GetStats().Blocked);
        var records = outbox.TakePending(1000);
        outbox.Acknowledge(records.Take(records.Count / 2).Select(r => r.Id).ToArray());
        await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, outbox.GetStats().DroppedSamples);
    }

    [Fact]
    public async Task CorruptedFileIsMovedAsideAndANewOutboxWorks()
    {
        var path = _dir.File();
        using (var outbox = Open()) await outbox.AppendAsync(TestData.Numbered(0, 10), default);
        var garbage = new byte[8192];
        new Random(1).NextBytes(garbage);
        await File.WriteAllBytesAsync(path, garbage);

        var logger = new CapturingLogger<SqliteOutbox>();
        using var fresh = Open(logger: logger);
        Assert.NotNull(fresh.MovedAsideFile);
        Assert.StartsWith(path + ".corrupt-", fresh.MovedAsideFile);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(fresh.MovedAsideFile!));
        var error = Assert.Single(logger.Entries, e => e.Id.Id == 4101);
        Assert.Contains(path, error.Message);
        Assert.Contains(fresh.MovedAsideFile!, error.Message);
        Assert.Equal(fresh.MovedAsideFile, fresh.GetStats().MovedAsideFile);

        await fresh.AppendAsync(TestData.Numbered(100, 5), default);
        Assert.Equal(Enumerable.Range(100, 5).Select(i => (long)i), DecodeIds(Assert.Single(fresh.TakePending(10))));
    }

    [Fact]
    public async Task DamagedPagesAreDetectedAtStartUp()
    {
        var path = _dir.File();
        using (var outbox = Open())
        {
            for (int i = 0; i < 50; i++) await outbox.AppendAsync(TestData.Mixed(i, 200), default);
        }
        // keep the valid header, scribble over the pages behind it
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.True(bytes.Length > 16 * 4096, $"file is only {bytes.Length} bytes");
        new Random(2).NextBytes(bytes.AsSpan(4096, bytes.Length - 4096));
        await File.WriteAllBytesAsync(path, bytes);

        using var fresh = Open();
        Assert.NotNull(fresh.MovedAsideFile);
        Assert.Equal(0, fresh.GetStats().PendingBatches);
        await fresh.AppendAsync(TestData.Numbered(0, 1), default);
        Assert.Single(fresh.TakePending(1));
    }

    [Fact]
    public void ADatabaseThatIsNotAnOutboxIsMovedAside()
    {
        var path = _dir.File();
        using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "CREATE TABLE customers(id INTEGER)";
            cmd.ExecuteNonQuery();
        }
        using var outbox = Open();
        Assert.NotNull(outbox.MovedAsideFile);
    }

    [Fact]
    public async Task SecondOpenOfTheSameFileFailsClearly()
    {
        using var outbox = Open();
        await outbox.AppendAsync(TestData.Numbered(0, 1), default);
        var ex = Assert.Throws<IOException>(() => Open());
        Assert.Contains("in use", ex.Message);
    }

    [Fact]
    public void InvalidOptionsAreRejectedWithTheirKeys()
    {
        var ex = Assert.Throws<ArgumentException>(() => Open(o => o with { MaxBytes = 10, InFlightWindow = 0 }));
        Assert.Contains("outbox:maxBytes is 10", ex.Message);
        Assert.Contains("outbox:inFlightWindow is 0", ex.Message);
    }

    [Fact]
    public async Task MetricsReportDepthAppendedAndDropped()
    {
        using var outbox = Open(o => o with { MaxBytes = 64 * 1024, BatchSize = 100 });
        for (int id = 0; id < 20_000; id += 100) await outbox.AppendAsync(TestData.Numbered(id, 100), default);
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OutboxMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => { if (Matches(tags, outbox.Path)) values[i.Name] = v; });
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => { if (Matches(tags, outbox.Path)) values[i.Name] = v; });
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => { if (Matches(tags, outbox.Path)) values[i.Name] = v; });
        listener.Start();
        listener.RecordObservableInstruments();

        var stats = outbox.GetStats();
        Assert.Equal(stats.PendingBatches, values["sfe.outbox.queue.batches"]);
        Assert.Equal(stats.PendingSamples, values["sfe.outbox.queue.samples"]);
        Assert.Equal(stats.PendingBytes, values["sfe.outbox.queue.bytes"]);
        Assert.Equal(20_000, values["sfe.outbox.appended"]);
        Assert.Equal(stats.DroppedSamples, values["sfe.outbox.dropped"]);
        Assert.True(values["sfe.outbox.dropped"] > 0);
        Assert.True(values.ContainsKey("sfe.outbox.oldest.age"));
        Assert.Equal(0, values["sfe.outbox.blocked"]);
    }

    private static bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags, string path)
    {
        foreach (var t in tags)
        {
            if (t.Key == "outbox.path" && (string?)t.Value == path) return true;
        }
        return false;
    }
}
