using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.TestKit.Modbus;

/// <summary>An <see cref="ISampleWriter"/> that keeps every sample and lets a test wait for a condition (no sleeps).</summary>
public sealed class CollectingSampleWriter : ISampleWriter
{
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly object _gate = new();
    private readonly List<(Func<IReadOnlyCollection<Sample>, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyCollection<Sample> Samples => _samples;

    public bool TryWrite(in Sample sample)
    {
        _samples.Enqueue(sample);
        Check();
        return true;
    }

    public ValueTask WriteAsync(Sample sample, CancellationToken cancellationToken)
    {
        TryWrite(sample);
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes when <paramref name="condition"/> holds over the samples so far; fails after <paramref name="guard"/>.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyCollection<Sample>, bool> condition, TimeSpan guard)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_samples)) return;
            _waiters.Add((condition, tcs));
        }
        try
        {
            await tcs.Task.WaitAsync(guard).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate) _waiters.RemoveAll(w => w.Done == tcs);
            var last = string.Join("\n", _samples.TakeLast(10).Select(s => $"{s.TagId} {s.Value} {s.Quality}"));
            throw new TimeoutException($"Condition not met within {guard.TotalSeconds:0.#} s; {_samples.Count} samples, the last:\n{last}");
        }
    }

    private void Check()
    {
        lock (_gate)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Condition(_samples)) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }
}

/// <summary>A logger factory that records every entry, for tests that count log lines (e.g. one warning per fault episode).</summary>
public sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, EventId Id, string Message)> _entries = new();

    public IReadOnlyCollection<(string Category, LogLevel Level, EventId Id, string Message)> Entries => _entries;

    public void AddProvider(ILoggerProvider provider) { }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose() { }

    private sealed class Recorder(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
    }
}
