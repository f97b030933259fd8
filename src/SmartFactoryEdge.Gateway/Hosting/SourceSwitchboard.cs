using SmartFactoryEdge.Core.Pipeline;

namespace SmartFactoryEdge.Gateway.Hosting;

/// <summary>
/// Keeps the running sources by name so that one can be stopped, replaced or added while the others keep running
/// (the web UI applies a saved configuration this way). <see cref="GatewayWorker"/> runs every source through it.
/// </summary>
public sealed class SourceSwitchboard
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly List<Task> _all = [];
    private Func<ISampleSource, CancellationToken, Task>? _supervise;
    private CancellationToken _stopping;
    private bool _closed;
    private int _pending;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Running(ISampleSource Source, CancellationTokenSource Stop, Task Task);

    /// <summary>The names of the sources started and not yet finished or stopped.</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _running.Where(r => !r.Value.Task.IsCompleted).Select(r => r.Key).Order(StringComparer.Ordinal).ToArray(); }
    }

    /// <summary>How many times a source was started (the initial start included); for tests and the API.</summary>
    public int Starts { get { lock (_gate) return _all.Count; } }

    /// <summary>Starts every source and returns when all of them, including ones started later, have finished.</summary>
    internal async Task RunAsync(IEnumerable<ISampleSource> sources, Func<ISampleSource, CancellationToken, Task> supervise, CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            _supervise = supervise;
            _stopping = stoppingToken;
            foreach (var source in sources) StartLocked(source);
        }
        while (true)
        {
            Task[] tasks;
            lock (_gate) tasks = [.. _all];
            await Task.WhenAll(tasks).ConfigureAwait(false);
            Task changed;
            lock (_gate)
            {
                if (_all.Count != tasks.Length) continue;
                if (_pending == 0)
                {
                    _closed = true;
                    foreach (var r in _running.Values) r.Stop.Dispose();
                    _running.Clear();
                    return;
                }
                // a replacement is between the old source's stop and the new one's start: wait for it
                changed = _changed.Task;
            }
            await changed.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the source called <paramref name="name"/> (if it runs), waits until it has stopped, then starts
    /// <paramref name="replacement"/> (if any). Returns false when the gateway is stopping or has not started.
    /// </summary>
    public async Task<bool> ReplaceAsync(string name, ISampleSource? replacement, CancellationToken cancellationToken)
    {
        Running? old;
        lock (_gate)
        {
            if (_closed || _supervise is null || _stopping.IsCancellationRequested) return false;
            _running.Remove(name, out old);
            _pending++;
            old?.Stop.Cancel();
        }
        var started = replacement is null;
        try
        {
            // not cancellable: the new source must never run beside the old one
            if (old is not null) await old.Task.ConfigureAwait(false);
        }
        finally
        {
            old?.Stop.Dispose();
            lock (_gate)
            {
                _pending--;
                if (replacement is not null && !_closed && !_stopping.IsCancellationRequested)
                {
                    StartLocked(replacement);
                    started = true;
                }
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        return started;
    }

    private void StartLocked(ISampleSource source)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var task = Task.Run(() => _supervise!(source, stop.Token), CancellationToken.None);
        _running[source.Name] = new Running(source, stop, task);
        _all.Add(task);
    }
}
