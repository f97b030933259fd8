using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.OpcUa.Tests.Integration;

/// <summary>Keeps every sample and lets a test wait for one matching a condition.</summary>
public sealed class CollectingWriter : ISampleWriter
{
    private readonly List<Sample> _samples = [];
    private readonly List<(Func<Sample, bool> Match, TaskCompletionSource<Sample> Done)> _waiters = [];

    public IReadOnlyList<Sample> Samples { get { lock (_samples) return _samples.ToArray(); } }

    public bool TryWrite(in Sample sample)
    {
        List<TaskCompletionSource<Sample>>? hits = null;
        lock (_samples)
        {
            _samples.Add(sample);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(sample)) continue;
                (hits ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        if (hits is not null) foreach (var h in hits) h.TrySetResult(sample);
        return true;
    }

    public ValueTask WriteAsync(Sample sample, CancellationToken cancellationToken)
    {
        TryWrite(sample);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for a sample written from now on (or, with <paramref name="includeExisting"/>, already written) that matches.</summary>
    public Task<Sample> WaitForAsync(Func<Sample, bool> match, TimeSpan timeout, bool includeExisting = false)
    {
        var tcs = new TaskCompletionSource<Sample>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_samples)
        {
            if (includeExisting && _samples.FirstOrDefault(match) is { TagId: not null } hit) return Task.FromResult(hit);
            _waiters.Add((match, tcs));
        }
        return tcs.Task.WaitAsync(timeout);
    }
}
