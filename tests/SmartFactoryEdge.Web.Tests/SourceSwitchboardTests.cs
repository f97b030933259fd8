using System.Diagnostics.Metrics;
using System.Text;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Gateway.Web;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

public sealed class SourceSwitchboardTests
{
    /// <summary>Counts its runs and runs until cancelled.</summary>
    private sealed class BlockingSource(string name) : ISampleSource
    {
        public string Name { get; } = name;
        public int Runs;
        public int Cancelled;
        public TaskCompletionSource Running { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            Running.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Interlocked.Increment(ref Cancelled);
            }
        }
    }

    private static Task Supervise(ISampleSource s, CancellationToken ct) =>
        s.RunAsync(null!, ct).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    [Fact]
    public async Task ReplacingTheOnlySourceDoesNotEndTheRun()
    {
        var board = new SourceSwitchboard();
        var a = new BlockingSource("a");
        using var stop = new CancellationTokenSource();
        var run = board.RunAsync([a], Supervise, stop.Token);
        await a.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 20; i++)
        {
            var next = new BlockingSource("a");
            Assert.True(await board.ReplaceAsync("a", next, CancellationToken.None));
            await next.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(run.IsCompleted);
        }
        Assert.Equal(["a"], board.Names);
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(21, board.Starts);
    }

    [Fact]
    public async Task ReplacingOneSourceLeavesTheOthersRunning()
    {
        var board = new SourceSwitchboard();
        var a = new BlockingSource("a");
        var b = new BlockingSource("b");
        using var stop = new CancellationTokenSource();
        var run = board.RunAsync([a, b], Supervise, stop.Token);
        await Task.WhenAll(a.Running.Task, b.Running.Task).WaitAsync(TimeSpan.FromSeconds(10));
        var a2 = new BlockingSource("a");
        Assert.True(await board.ReplaceAsync("a", a2, CancellationToken.None));
        await a2.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, a.Cancelled);
        Assert.Equal(0, b.Cancelled);
        Assert.Equal(1, b.Runs);
        Assert.Equal(["a", "b"], board.Names);
        var c = new BlockingSource("c");
        Assert.True(await board.ReplaceAsync("c", c, CancellationToken.None));
        await c.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await board.ReplaceAsync("b", null, CancellationToken.None));
        Assert.Equal(1, b.Cancelled);
        Assert.Equal(["a", "c"], board.Names);
        Assert.False(run.IsCompleted);
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, a2.Cancelled);
        Assert.Equal(1, c.Cancelled);
        Assert.False(await board.ReplaceAsync("a", new BlockingSource("a"), CancellationToken.None));
        Assert.Equal(4, board.Starts);
    }
}
