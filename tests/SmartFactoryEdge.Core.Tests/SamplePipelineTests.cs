using System.Threading.Channels;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Core.Tests;

public class SamplePipelineTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static Sample Make(long i) => new("t" + (i % 4), T0.AddTicks(i), T0, (double)i, StatusCode.Good);

    /// <summary>A sink that records samples and can be held shut, to build backpressure on purpose.</summary>
    private sealed class GatedSink : ISampleSink
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<double> Values { get; } = [];
        public TaskCompletionSource FirstBatch { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Flushes;
        public string Name => "gated";

        public void Open() => _gate.TrySetResult();

        public async ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
        {
            FirstBatch.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            foreach (var s in batch.Span) Values.Add(s.Value.AsDouble);
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Flushes);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task WaitModePushesBackOnWritersAndLosesNothing()
    {
        var sink = new GatedSink();
        var pipeline = new SamplePipeline(new PipelineOptions { Capacity = 16, BatchSize = 4 }, [sink]);
        // four samples are queued before the consumer starts, so its first batch is exactly those four;
        // it blocks in the sink with them, and then the queue fills to its capacity
        for (int i = 0; i < 4; i++) Assert.True(pipeline.TryWrite(Make(i)));
        var consumer = pipeline.RunAsync(CancellationToken.None);
        await sink.FirstBatch.Task.WaitAsync(Guard);
        for (int i = 4; i < 20; i++) Assert.True(pipeline.TryWrite(Make(i)));
        Assert.False(pipeline.TryWrite(Make(20)));
        Assert.Equal(16, pipeline.Depth);

        var blocked = pipeline.WriteAsync(Make(20), CancellationToken.None).AsTask();
        Assert.False(blocked.IsCompleted);
        sink.Open();
        await blocked.WaitAsync(Guard);
        pipeline.Complete();
        await consumer.WaitAsync(Guard);

        Assert.Equal(Enumerable.Range(0, 21).Select(i => (double)i), sink.Values);
        Assert.Equal(21, pipeline.Accepted);
        Assert.Equal(21, pipeline.Delivered);
        Assert.Equal(0, pipeline.Dropped);
        Assert.True(sink.Flushes >= 1);
    }

    [Fact]
    public async Task DropOldestCountsEveryDropAndKeepsTheNewest()
    {
        var sink = new GatedSink();
        var pipeline = new SamplePipeline(new PipelineOptions { Capacity = 16, BatchSize = 4, FullMode = BoundedChannelFullMode.DropOldest }, [sink]);
        for (int i = 0; i < 4; i++) pipeline.TryWrite(Make(i));
        var consumer = pipeline.RunAsync(CancellationToken.None);
        await sink.FirstBatch.Task.WaitAsync(Guard);
        for (int i = 4; i < 1000; i++) Assert.True(pipeline.TryWrite(Make(i)));
        Assert.True(pipeline.Depth <= 16, "memory stays bounded by the capacity");
        sink.Open();
        pipeline.Complete();
        await consumer.WaitAsync(Guard);

        Assert.Equal(1000, pipeline.Accepted);
        Assert.Equal(pipeline.Accepted, pipeline.Delivered + pipeline.Dropped);
        Assert.Equal(1000 - 4 - 16, pipeline.Dropped);
        // what survived is the first batch and the newest 16, in order
        Assert.Equal(new double[] { 0, 1, 2, 3 }.Concat(Enumerable.Range(984, 16).Select(i => (double)i)), sink.Values);
    }

    [Fact]
    public async Task ManyConcurrentWritersDeliverEverySampleExactlyOnce()
    {
        var sink = new GatedSink();
        sink.Open();
        var pipeline = new SamplePipeline(new PipelineOptions { Capacity = 64, BatchSize = 32 }, [sink]);
        var consumer = pipeline.RunAsync(CancellationToken.None);
        const int writers = 8, each = 5000;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++) await pipeline.WriteAsync(Make(w * each + i), CancellationToken.None);
        }))).WaitAsync(Guard);
        pipeline.Complete();
        await consumer.WaitAsync(Guard);
        Assert.Equal(writers * each, sink.Values.Count);
        Assert.Equal(writers * each, sink.Values.Distinct().Count());
    }

    [Fact]
    public async Task CompletedPipelineRefusesWrites()
    {
        var pipeline = new SamplePipeline(new PipelineOptions(), []);
        pipeline.Complete();
        Assert.False(pipeline.TryWrite(Make(1)));
        await Assert.ThrowsAsync<ChannelClosedException>(() => pipeline.WriteAsync(Make(1), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task EverySinkSeesEveryBatch()
    {
        var a = new GatedSink();
        var b = new GatedSink();
        a.Open();
        b.Open();
        var pipeline = new SamplePipeline(new PipelineOptions { BatchSize = 7 }, [a, b]);
        var consumer = pipeline.RunAsync(CancellationToken.None);
        for (int i = 0; i < 100; i++) await pipeline.WriteAsync(Make(i), CancellationToken.None);
        pipeline.Complete();
        await consumer.WaitAsync(Guard);
        Assert.Equal(a.Values, b.Values);
        Assert.Equal(100, a.Values.Count);
    }
}
