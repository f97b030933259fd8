using Microsoft.Extensions.Logging;

namespace SmartFactoryEdge.Storage.Tests.Support;

/// <summary>Keeps every log entry so that tests can count them (e.g. one warning per drop episode).</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries { get { lock (_entries) return _entries.ToArray(); } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) _entries.Add((logLevel, eventId, formatter(state, exception)));
    }

    public int Count(int eventId) => Entries.Count(e => e.Id.Id == eventId);
}

/// <summary>A retry policy without waiting, so that replay tests run at full speed.</summary>
internal sealed class ImmediateRetryPolicy : SmartFactoryEdge.Core.Retry.IRetryPolicy
{
    public int Calls;

    public TimeSpan? GetNextDelay(int attempt, TimeSpan elapsed)
    {
        Interlocked.Increment(ref Calls);
        return TimeSpan.Zero;
    }
}

/// <summary>A retry policy with a fixed (long) delay that lets the test await its first use.</summary>
internal sealed class SignallingRetryPolicy(TimeSpan delay) : SmartFactoryEdge.Core.Retry.IRetryPolicy
{
    public int Calls;

    public TaskCompletionSource Used { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan? GetNextDelay(int attempt, TimeSpan elapsed)
    {
        Interlocked.Increment(ref Calls);
        Used.TrySetResult();
        return delay;
    }
}
