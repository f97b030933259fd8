using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Retry;

namespace SmartFactoryEdge.Gateway.Hosting;

/// <summary>
/// Runs the sources into the pipeline and the pipeline into the sinks. On stop (SIGTERM, Ctrl-C) the sources are
/// cancelled first, then the pipeline is completed and drained into the sinks, then the sinks are flushed: every
/// sample a source handed over reaches the sinks before the process exits.
/// </summary>
public sealed class GatewayWorker(
    Configuration.GatewayOptions options,
    SamplePipeline pipeline,
    IEnumerable<ISampleSource> sources,
    IHealthRegistry health,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<GatewayWorker> logger,
    SourceSwitchboard? switchboard = null) : BackgroundService
{
    private readonly ISampleSource[] _sources = sources.ToArray();
    // the drain must outlive stoppingToken: it is only cancelled if the host's shutdown timeout runs out
    private readonly CancellationTokenSource _drainAbort = new();

    /// <summary>
    /// Waits for the drain. When the host's shutdown timeout runs out first, the drain is aborted and still awaited:
    /// the sinks (outbox, anomaly events) must not be written after this returns, because the host then disposes them.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (ExecuteTask is not { IsCompleted: false } running) return;
        await _drainAbort.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public override void Dispose()
    {
        _drainAbort.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var drainAbort = _drainAbort;
        var consumer = Task.Run(() => pipeline.RunAsync(drainAbort.Token), CancellationToken.None);
        var started = time.GetTimestamp();
        GatewayLog.Started(logger, _sources.Length, pipeline.Sinks.Count, pipeline.Capacity);
        try
        {
            // the switchboard lets the web UI restart one source with a new configuration while the others run
            await (switchboard ?? new SourceSwitchboard()).RunAsync(_sources, SuperviseAsync, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            pipeline.Complete();
            var depth = pipeline.Depth;
            GatewayLog.Draining(logger, depth);
            try
            {
                await consumer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                GatewayLog.DrainAborted(logger, pipeline.Depth);
            }
            GatewayLog.Stopped(logger, pipeline.Accepted, pipeline.Delivered, pipeline.Dropped, time.GetElapsedTime(started));
        }
        if (!stoppingToken.IsCancellationRequested && options.StopWhenSourcesFinish)
        {
            GatewayLog.SourcesFinished(logger);
            lifetime.StopApplication();
        }
    }

    /// <summary>The last line of supervision: a source that throws is logged, marked Faulted and restarted with backoff.</summary>
    private async Task SuperviseAsync(ISampleSource source, CancellationToken stoppingToken)
    {
        var retry = new ExponentialBackoffRetryPolicy(new RetryPolicyOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(60) });
        var attempt = 0;
        var since = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await source.RunAsync(pipeline, stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                attempt++;
                health.Report(source.Name, EndpointHealthState.Faulted, e.Message);
                var delay = retry.GetNextDelay(attempt, time.GetElapsedTime(since)) ?? TimeSpan.FromSeconds(60);
                GatewayLog.SourceFailed(logger, e, source.Name, attempt, delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Gateway running: {Sources} source(s), {Sinks} sink(s), queue capacity {Capacity}")]
    public static partial void Started(ILogger logger, int sources, int sinks, int capacity);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Sources stopped; draining {Depth} queued sample(s) into the sinks")]
    public static partial void Draining(ILogger logger, int depth);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Gateway stopped: accepted {Accepted}, delivered {Delivered}, dropped {Dropped} sample(s) in {Uptime}")]
    public static partial void Stopped(ILogger logger, long accepted, long delivered, long dropped, TimeSpan uptime);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Shutdown timeout reached with {Depth} sample(s) still queued; they were not delivered")]
    public static partial void DrainAborted(ILogger logger, int depth);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Source {Source} failed (attempt {Attempt}); restarting in {Delay}")]
    public static partial void SourceFailed(ILogger logger, Exception exception, string source, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Every source has finished; stopping")]
    public static partial void SourcesFinished(ILogger logger);
}
