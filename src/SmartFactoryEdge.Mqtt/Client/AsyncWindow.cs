namespace SmartFactoryEdge.Mqtt.Client;

/// <summary>
/// A counting gate whose limit can change (the broker's Receive Maximum arrives with each CONNACK): the in-flight window
/// for QoS 1/2 publishes. Waiters are served in order; a cancelled waiter is skipped.
/// </summary>
internal sealed class AsyncWindow(int limit)
{
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private readonly object _gate = new();
    private int _count;
    private int _limit = limit;

    public int Count { get { lock (_gate) return _count; } }

    /// <summary>Takes a slot if one is free and nobody is waiting.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_count >= _limit || _waiters.Count != 0) return false;
            _count++;
            return true;
        }
    }

    public ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource tcs;
        lock (_gate)
        {
            if (_count < _limit && _waiters.Count == 0)
            {
                _count++;
                return ValueTask.CompletedTask;
            }
            tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(tcs);
        }
        if (cancellationToken.CanBeCanceled)
        {
            var reg = cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), tcs);
            return new ValueTask(tcs.Task.ContinueWith(static (t, r) =>
            {
                ((CancellationTokenRegistration)r!).Dispose();
                t.GetAwaiter().GetResult();
            }, reg, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        return new ValueTask(tcs.Task);
    }

    public void Release()
    {
        lock (_gate)
        {
            _count--;
            Pump();
        }
    }

    public void SetLimit(int limit)
    {
        lock (_gate)
        {
            _limit = Math.Max(1, limit);
            Pump();
        }
    }

    private void Pump()
    {
        while (_count < _limit && _waiters.TryDequeue(out var next))
        {
            if (next.TrySetResult()) _count++;
        }
    }
}
