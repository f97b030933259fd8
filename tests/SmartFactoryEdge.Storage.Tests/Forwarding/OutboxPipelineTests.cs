using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Storage.Forwarding;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Storage.Tests.Support;

namespace SmartFactoryEdge.Storage.Tests.Forwarding;

/// <summary>The outbox as the pipeline's sink: the Block policy pushes back through the pipeline onto the sources, and nothing is lost.</summary>
public class OutboxPipelineTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task BlockPolicyPushesBackOnSourcesAndLosesNothing()
    {
        using var outbox = SqliteOutbox.Open(TestData.Options(_dir.File(), o => o with
        {
            MaxBytes = 64 * 1024,
            BatchSize = 100,
            FullPolicy = OutboxFullPolicy.Block,
        }), "gw-pipe");
        var pipeline = new SamplePipeline(new PipelineOptions { Capacity = 1024, BatchSize = 100 }, [outbox]);
        using var cts = new CancellationTokenSource();
        var run = pipeline.RunAsync(cts.Token);

        // the broker is down: the source writes until the outbox blocks (its writer, the pipeline's consumer, is then stuck
        // for good, since nothing is acknowledged), then until the pipeline's queue is full and refuses
        var samples = TestData.Numbered(0, 1_000_000);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        outbox.StateChanged += () => { if (outbox.GetStats().Blocked) blocked.TrySetResult(); };
        long id = 0;
        Task? waiting = null;
        while (!blocked.Task.IsCompleted)
        {
            Assert.True(id < samples.Length, "the outbox never blocked");
            var write = pipeline.WriteAsync(samples[id++], cts.Token).AsTask();
            if (write.IsCompleted) continue;
            // a slow consumer lets the queue fill before the outbox blocks: this write then waits for good
            await Task.WhenAny(write, blocked.Task).WaitAsync(Guard);
            if (write.IsCompleted) continue;
            // the consumer took its last batch (which woke this write) just before it blocked, or the queue is full for good
            if (pipeline.Depth < pipeline.Capacity) await write.WaitAsync(Guard);
            else waiting = write;
        }
        if (waiting is null)
        {
            while (pipeline.TryWrite(samples[id]))
            {
                id++;
                Assert.True(pipeline.Depth <= pipeline.Capacity);
            }
            waiting = pipeline.WriteAsync(samples[id++], cts.Token).AsTask();
        }
        Assert.Equal(pipeline.Capacity, pipeline.Depth);
        Assert.True(outbox.GetStats().Blocked);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, pipeline.Dropped);

        // the broker comes back: the forwarder drains, the pipeline and the source resume
        var publisher = new ControlledPublisher { AutoAck = true };
        var forwarder = new OutboxForwarder(outbox, publisher);
        var forwarding = forwarder.RunAsync(cts.Token);
        await waiting.WaitAsync(Guard);
        long total = id + 20_000;
        for (; id < total; id++) await pipeline.WriteAsync(samples[id], cts.Token).AsTask().WaitAsync(Guard);
        pipeline.Complete();
        await run.WaitAsync(Guard);

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        outbox.StateChanged += () => { if (outbox.GetStats().PendingBatches == 0) done.TrySetResult(); };
        if (outbox.GetStats().PendingBatches > 0) await done.Task.WaitAsync(Guard);

        var ids = publisher.Acked.OrderBy(b => b.Sequence).SelectMany(b => TestData.Ids(b.Samples.ToArray())).ToArray();
        Assert.Equal(Enumerable.Range(0, (int)total).Select(i => (long)i), ids);
        Assert.Equal(0, outbox.GetStats().DroppedSamples);
        cts.Cancel();
        await forwarding.WaitAsync(Guard);
    }
}
