using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.OpcUa.Source;

namespace SmartFactoryEdge.OpcUa.Tests.Integration;

/// <summary>A full pipeline (fullMode wait) slows the OPC UA source down; no value is lost on the way.</summary>
public class OpcUaSourceBackpressureTests(OpcUaServerFixture fixture) : IClassFixture<OpcUaServerFixture>
{
    /// <summary>Takes a few samples at a time and sleeps between batches: slower than the server produces.</summary>
    private sealed class SlowSink(int wanted) : ISampleSink
    {
        private readonly List<Sample> _samples = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<Sample> Samples { get { lock (_samples) return _samples.ToArray(); } }

        public string Name => "slow";

        public async ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
        {
            lock (_samples)
            {
                foreach (var s in batch.Span) _samples.Add(s);
                if (_samples.Count >= wanted) Done.TrySetResult();
            }
            await Task.Delay(15, cancellationToken);
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task FullPipelineInWaitModeSlowsTheSourceAndLosesNoValue()
    {
        // 100 tags changing every 250 ms = 400 values/s; the sink takes at most 8 per 15+ ms, the queue holds 16
        const int tags = 100;
        var sink = new SlowSink(wanted: 2500);
        var pipeline = new SamplePipeline(new PipelineOptions { Capacity = 16, BatchSize = 8, FullMode = System.Threading.Channels.BoundedChannelFullMode.Wait }, [sink]);
        var options = new OpcUaEndpointOptions
        {
            Name = "bp",
            EndpointUrl = fixture.Url,
            SecurityPolicy = "None",
            PublishingIntervalMs = 100,
            QueueSize = 10,
            Tags = Enumerable.Range(0, tags).Select(i => new OpcUaTagOptions { Id = $"v{i}", NodeId = $"ns=1;s=Load.Var{i:D4}", SamplingIntervalMs = 0 }).ToList(),
        };
        var source = new OpcUaSource(options);
        using var stop = new CancellationTokenSource();
        var drain = pipeline.RunAsync(CancellationToken.None);
        var run = source.RunAsync(pipeline, stop.Token);
        await sink.Done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        stop.Cancel();
        await run;
        pipeline.Complete();
        await drain;

        Assert.True(source.BackpressureEpisodes > 0, "the pipeline never filled up: the test did not test backpressure");
        Assert.Equal(0, source.SamplesDropped);
        Assert.Equal(0, source.ServerOverflows);
        Assert.Equal(0, pipeline.Dropped);
        // value = index + tick / 1000 and the tick goes up by one per change: every tag's ticks must be contiguous
        var gaps = new List<string>();
        foreach (var group in sink.Samples.Where(s => s.Quality.IsGood).GroupBy(s => s.TagId))
        {
            var index = int.Parse(group.Key[1..], System.Globalization.CultureInfo.InvariantCulture);
            var ticks = group.Select(s => (long)Math.Round((s.Value.AsDouble - index) * 1000)).ToArray();
            for (int i = 1; i < ticks.Length; i++)
            {
                if (ticks[i] != ticks[i - 1] + 1) gaps.Add($"{group.Key}: {ticks[i - 1]} -> {ticks[i]}");
            }
        }
        Assert.True(gaps.Count == 0, $"{gaps.Count} gaps, e.g. {string.Join("; ", gaps.Take(5))}");
        Assert.True(sink.Samples.Count(s => s.Quality.IsGood) >= 2000);
    }
}
