using Microsoft.Data.Sqlite;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Forwarding;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Storage.Tests.Support;

namespace SmartFactoryEdge.Storage.Tests.Forwarding;

public class OutboxForwarderTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private SqliteOutbox Open(int window = 4) =>
        SqliteOutbox.Open(TestData.Options(_dir.File(), o => o with { InFlightWindow = window, BatchSize = 100 }), "gw-fwd");

    [Fact]
    public async Task ForwardsInOrderAndDeletesOnlyAfterEachAck()
    {
        using var outbox = Open(window: 4);
        var publisher = new ControlledPublisher();
        var forwarder = new OutboxForwarder(outbox, publisher, retryPolicy: new ImmediateRetryPolicy());
        for (int i = 0; i < 6; i++) await outbox.AppendAsync(TestData.Numbered(i * 100, 100), default);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);

        // the window: four in flight, in order, none deleted yet
        var p = new List<PendingPublish>();
        for (int i = 0; i < 4; i++) p.Add(await publisher.NextAsync());
        Assert.Equal(Enumerable.Range(0, 4).Select(i => p[0].Sequence + i), p.Select(x => x.Sequence));
        Assert.False(publisher.Publishes.TryRead(out _));
        Assert.Equal(6, outbox.GetStats().PendingBatches);

        // acks out of order: the later ones are deleted only for themselves
        p[2].Ack();
        p[1].Ack();
        Assert.Equal(6, outbox.GetStats().PendingBatches);
        p[0].Ack();
        // the head's ack releases 0, 1 and 2 together; two more publishes fill the window
        var p4 = await publisher.NextAsync();
        var p5 = await publisher.NextAsync();
        Assert.Equal(3, outbox.GetStats().PendingBatches);
        p[3].Ack();
        p4.Ack();
        p5.Ack();
        await WaitUntil(outbox, () => outbox.GetStats().PendingBatches == 0);
        Assert.Equal(Enumerable.Range(0, 600).Select(i => (long)i), publisher.Acked.OrderBy(b => b.Sequence).SelectMany(b => TestData.Ids(b.Samples.ToArray())));
        Assert.All(publisher.Acked, b => Assert.Equal("gw-fwd", b.GatewayId));
        Assert.All(publisher.Acked, b => Assert.False(b.Replayed));

        cts.Cancel();
        await run.WaitAsync(Guard);
        Assert.Equal(6, forwarder.Published);
    }

    [Fact]
    public async Task ARecordAppendedWhileTheOldestAwaitsItsPubAckGoesOutAtOnce()
    {
        // the forwarder used to take new records only after the oldest publish's PUBACK: one broker round trip of
        // latency on every batch (23 ms median end to end at 100k values/s, 2 ms without it)
        using var outbox = Open(window: 4);
        var publisher = new ControlledPublisher();
        var forwarder = new OutboxForwarder(outbox, publisher, retryPolicy: new ImmediateRetryPolicy());
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);

        await outbox.AppendAsync(TestData.Numbered(0, 100), default);
        var first = await publisher.NextAsync();
        await outbox.AppendAsync(TestData.Numbered(100, 100), default);
        var second = await publisher.NextAsync(); // times out if it waits for first's PUBACK
        Assert.Equal(first.Sequence + 1, second.Sequence);
        Assert.Equal(2, outbox.GetStats().PendingBatches);

        second.Ack();
        first.Ack();
        await WaitUntil(outbox, () => outbox.GetStats().PendingBatches == 0);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), publisher.Acked.OrderBy(b => b.Sequence).SelectMany(b => TestData.Ids(b.Samples.ToArray())));
        cts.Cancel();
        await run.WaitAsync(Guard);
        Assert.Equal(2, forwarder.Published);
    }

    [Fact]
    public async Task FailureReplaysFromOldestUnackedMarkedReplayed()
    {
        using var outbox = Open(window: 3);
        var publisher = new ControlledPublisher();
        var retry = new ImmediateRetryPolicy();
        var health = new HealthRegistry();
        var forwarder = new OutboxForwarder(outbox, publisher, retryPolicy: retry, health: health);
        for (int i = 0; i < 5; i++) await outbox.AppendAsync(TestData.Numbered(i * 100, 100), default);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);

        var a = await publisher.NextAsync();
        var b = await publisher.NextAsync();
        var c = await publisher.NextAsync();
        a.Ack();
        var d = await publisher.NextAsync();
        // the link drops: b fails, c was acked before the failure was noticed, d is lost too
        c.Ack();
        b.Fail();
        d.Fail();

        // replay starts at b (the oldest unacked), skips c (acked), then d and e; all but the new e are marked replayed
        var rb = await publisher.NextAsync();
        var rd = await publisher.NextAsync();
        var re = await publisher.NextAsync();
        Assert.Equal([b.Sequence, d.Sequence, d.Sequence + 1], new[] { rb.Sequence, rd.Sequence, re.Sequence });
        Assert.True(rb.Batch!.Replayed);
        Assert.True(rd.Batch!.Replayed);
        Assert.False(re.Batch!.Replayed);
        Assert.Equal(1, retry.Calls);
        Assert.Equal(EndpointHealthState.Faulted, Assert.Single(health.Snapshot()).State);
        rb.Ack();
        rd.Ack();
        re.Ack();
        await WaitUntil(outbox, () => outbox.GetStats().PendingBatches == 0);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i),
            publisher.Acked.OrderBy(x => x.Sequence).SelectMany(x => TestData.Ids(x.Samples.ToArray())));
        Assert.Equal(EndpointHealthState.Connected, Assert.Single(health.Snapshot()).State);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task LinkDownKeepsEverythingAndDeliversAfterRecovery()
    {
        using var outbox = Open(window: 8);
        var publisher = new ControlledPublisher { LinkDown = true };
        var retry = new ImmediateRetryPolicy();
        var forwarder = new OutboxForwarder(outbox, publisher, retryPolicy: retry);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);
        for (int i = 0; i < 50; i++) await outbox.AppendAsync(TestData.Numbered(i * 100, 100), default);
        await WaitUntil(outbox, () => retry.Calls >= 3);
        Assert.Equal(50, outbox.GetStats().PendingBatches);

        publisher.AutoAck = true;
        publisher.LinkDown = false;
        await WaitUntil(outbox, () => outbox.GetStats().PendingBatches == 0);
        var ids = publisher.Acked.OrderBy(x => x.Sequence).SelectMany(x => TestData.Ids(x.Samples.ToArray())).ToArray();
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), ids);
        Assert.Contains(publisher.Acked, x => x.Replayed);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task AReconnectedUplinkEndsTheBackoffAtOnce()
    {
        using var outbox = Open(window: 4);
        var publisher = new ControlledPublisher { LinkDown = true };
        // an hour's backoff: only the reconnect can end it within the guard
        var retry = new SignallingRetryPolicy(TimeSpan.FromHours(1));
        var forwarder = new OutboxForwarder(outbox, publisher, retryPolicy: retry);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);
        for (int i = 0; i < 6; i++) await outbox.AppendAsync(TestData.Numbered(i * 100, 100), default);
        await retry.Used.Task.WaitAsync(Guard);
        Assert.Equal(6, outbox.GetStats().PendingBatches);

        publisher.AutoAck = true;
        publisher.Reconnect();
        await WaitUntil(outbox, () => outbox.GetStats().PendingBatches == 0);
        Assert.Equal(1, retry.Calls);
        var ids = publisher.Acked.OrderBy(x => x.Sequence).SelectMany(x => TestData.Ids(x.Samples.ToArray())).ToArray();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => (long)i), ids);
        Assert.True(publisher.Acked.OrderBy(x => x.Sequence).First().Replayed);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task WithoutAReconnectTheBackoffIsWaitedOut()
    {
        // a publish that fails while the link stays up (no new connection) must not replay in a tight loop
        using var outbox = Open(window: 2);
        var publisher = new ControlledPublisher();
        var retry = new SignallingRetryPolicy(TimeSpan.FromHours(1));
        var forwarder = new OutboxForwarder(outbox, publisher, retryPolicy: retry);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);
        await outbox.AppendAsync(TestData.Numbered(0, 100), default);
        (await publisher.NextAsync()).Fail();
        await retry.Used.Task.WaitAsync(Guard);

        // the forwarder is now waiting out the hour: a new record wakes nothing and nothing is published
        await outbox.AppendAsync(TestData.Numbered(100, 100), default);
        Assert.False(publisher.Publishes.TryRead(out _));
        publisher.Reconnect();
        var replay = await publisher.NextAsync();
        Assert.True(replay.Batch!.Replayed);
        Assert.Equal(1, retry.Calls);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task NewAppendsWakeAnIdleForwarder()
    {
        using var outbox = Open();
        var publisher = new ControlledPublisher { AutoAck = true };
        var forwarder = new OutboxForwarder(outbox, publisher);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);
        for (int i = 0; i < 10; i++)
        {
            await outbox.AppendAsync(TestData.Numbered(i, 1), default);
            await WaitUntil(outbox, () => outbox.GetStats().PendingBatches == 0);
        }
        Assert.Equal(10, publisher.Acked.Count);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task AnomalyEventsGoToTheEventPublisherInOrder()
    {
        using var outbox = Open();
        var publisher = new ControlledPublisher { AutoAck = true };
        var forwarder = new OutboxForwarder(outbox, publisher, publisher);
        await outbox.AppendAsync(TestData.Numbered(0, 5), default);
        var e = await outbox.AppendEventAsync(new AnomalyEvent { TagId = "ferm.ph", Detector = "sr", Timestamp = TestData.T0, Score = 5, Threshold = 3 }, default);
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);
        await WaitUntil(outbox, () => outbox.GetStats() is { PendingBatches: 0, PendingEvents: 0 });
        var sent = Assert.Single(publisher.AckedEvents);
        Assert.Equal(e.FirstSequence, sent.Sequence);
        Assert.Equal("gw-fwd", sent.GatewayId);
        Assert.Equal("sr", sent.Event.Detector);
        Assert.Single(publisher.Acked);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task CorruptRecordIsDroppedAndCountedWithoutStoppingTheQueue()
    {
        var path = _dir.File();
        using (var outbox = Open())
        {
            for (int i = 0; i < 3; i++) await outbox.AppendAsync(TestData.Numbered(i * 100, 100), default);
        }
        // bit rot in the middle record's payload
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE payloads SET data = zeroblob(40) WHERE id = (SELECT id FROM batches ORDER BY id LIMIT 1 OFFSET 1)";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        using var reopened = Open();
        var publisher = new ControlledPublisher { AutoAck = true };
        var forwarder = new OutboxForwarder(reopened, publisher, retryPolicy: new ImmediateRetryPolicy());
        using var cts = new CancellationTokenSource();
        var run = forwarder.RunAsync(cts.Token);
        await WaitUntil(reopened, () => reopened.GetStats().PendingBatches == 0);
        var stats = reopened.GetStats();
        Assert.Equal(100, stats.DroppedSamples);
        Assert.Equal("corrupt", stats.LastDropReason);
        Assert.Equal(2, publisher.Acked.Count);
        cts.Cancel();
        await run.WaitAsync(Guard);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking each time the outbox acknowledges, discards or rewinds.</summary>
    private static async Task WaitUntil(SqliteOutbox outbox, Func<bool> condition)
    {
        // not disposed: an event raised while we unsubscribe may still call Release afterwards, and an
        // ObjectDisposedException there is thrown into the forwarder's acknowledge path and ends it (seen once in CI)
        var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        outbox.StateChanged += OnChanged;
        try
        {
            while (!condition())
            {
                if (!await changed.WaitAsync(Guard)) throw new TimeoutException("condition not reached within the guard");
            }
        }
        finally
        {
            outbox.StateChanged -= OnChanged;
        }
    }
}
