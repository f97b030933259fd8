using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Devices.Tests.SensorSource;

/// <summary>Collects samples; tests await a number of them with a hang guard.</summary>
internal sealed class CollectingSampleWriter : ISampleWriter
{
    private readonly Channel<Sample> _channel = Channel.CreateUnbounded<Sample>();

    public bool TryWrite(in Sample sample) => _channel.Writer.TryWrite(sample);

    public ValueTask WriteAsync(Sample sample, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(sample, cancellationToken);

    public async Task<List<Sample>> TakeAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var list = new List<Sample>(count);
        try
        {
            while (list.Count < count) list.Add(await _channel.Reader.ReadAsync(cts.Token));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Got {list.Count} of {count} samples: {string.Join(", ", list)}");
        }
        return list;
    }

    public bool TryTake(out Sample sample) => _channel.Reader.TryRead(out sample);
}

/// <summary>Records log entries.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));

    public int Count(LogLevel level) => Entries.Count(e => e.Level == level);
}
