using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Gateway.Simulation;

/// <summary>
/// The simulated line as a gateway source. In real time it paces steps to the clock (catching up in bursts when
/// the timer is late, so the rate holds at any Hz); otherwise it runs as fast as the pipeline accepts samples.
/// </summary>
public sealed class SimulatorSource : ISampleSource
{
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SimulatorSource> _logger;
    private readonly string? _labelsPath;
    private long _generated;

    public SimulatorSource(SimulatorOptions options, TimeProvider time, ILogger<SimulatorSource> logger, string? labelsPath = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _labelsPath = labelsPath;
        Name = "simulator:" + options.Name;
    }

    public string Name { get; }

    /// <summary>Samples the pipeline accepted from this source.</summary>
    public long Generated => Interlocked.Read(ref _generated);

    /// <summary>The simulator of the current run (set when <see cref="RunAsync"/> starts).</summary>
    public LineSimulator? Simulator { get; private set; }

    public async Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken)
    {
        var start = _options.Start?.UtcDateTime ?? TruncateToMilliseconds(_time.GetUtcNow().UtcDateTime);
        var simulator = new LineSimulator(_options, start);
        Simulator = simulator;
        if (_labelsPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_labelsPath)!);
            await File.WriteAllTextAsync(_labelsPath, InjectedAnomaly.ToCsv(simulator.Anomalies), cancellationToken).ConfigureAwait(false);
        }
        SimulatorLog.Started(_logger, Name, simulator.SignalCount, _options.RateHz, simulator.Anomalies.Count, start);
        var buffer = new Sample[simulator.SignalCount];
        var maxSteps = _options.MaxSamplesPerSignal ?? long.MaxValue;
        try
        {
            if (_options.Realtime)
                await RunRealtimeAsync(simulator, writer, buffer, maxSteps, cancellationToken).ConfigureAwait(false);
            else
                await RunFastAsync(simulator, writer, buffer, maxSteps, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // a normal stop
        }
        SimulatorLog.Stopped(_logger, Name, Generated, simulator.Step);
    }

    private async Task RunFastAsync(LineSimulator simulator, ISampleWriter writer, Sample[] buffer, long maxSteps, CancellationToken cancellationToken)
    {
        while (simulator.Step < maxSteps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            simulator.NextStep(buffer);
            await WriteStepAsync(writer, buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunRealtimeAsync(LineSimulator simulator, ISampleWriter writer, Sample[] buffer, long maxSteps, CancellationToken cancellationToken)
    {
        var stepTicks = TimeSpan.TicksPerSecond / _options.RateHz;
        var period = TimeSpan.FromTicks(Math.Max((long)stepTicks, TimeSpan.TicksPerMillisecond * 10));
        using var timer = new PeriodicTimer(period, _time);
        var t0 = _time.GetTimestamp();
        do
        {
            var elapsed = _time.GetElapsedTime(t0);
            var due = Math.Min(maxSteps, (long)(elapsed.Ticks / stepTicks) + 1);
            while (simulator.Step < due)
            {
                simulator.NextStep(buffer, _time.GetUtcNow().UtcDateTime);
                await WriteStepAsync(writer, buffer, cancellationToken).ConfigureAwait(false);
            }
            if (simulator.Step >= maxSteps) return;
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private async ValueTask WriteStepAsync(ISampleWriter writer, Sample[] buffer, CancellationToken cancellationToken)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            if (!writer.TryWrite(buffer[i]))
                await writer.WriteAsync(buffer[i], cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _generated);
        }
    }

    private static DateTime TruncateToMilliseconds(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
}

internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Source {Source} started: {Signals} signals at {RateHz} Hz, {Anomalies} anomalies planned, first sample at {Start:o}")]
    public static partial void Started(ILogger logger, string source, int signals, double rateHz, int anomalies, DateTime start);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Source {Source} stopped: generated {Generated} samples in {Steps} steps")]
    public static partial void Stopped(ILogger logger, string source, long generated, long steps);
}
