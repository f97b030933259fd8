using System.Threading.Tasks.Sources;

namespace SmartFactoryEdge.Mqtt.Client;

/// <summary>
/// The send loop's wake-up call: one waiter (the loop), any number of wakers, no allocation per wait. The loop announces
/// that it is about to wait (<see cref="PrepareWait"/>, a full fence), looks at its queues once more, and then either
/// takes the announcement back because it found work (<see cref="TryCancelWait"/>) or awaits <see cref="WaitAsync"/>.
/// A waker that finds the loop waiting completes the wait exactly once; otherwise a wake costs one interlocked
/// instruction. The waker chooses where the loop resumes: on its own thread (<c>inline</c>; only for the client's own
/// completion pump, so that what the callers' continuations published goes out without a thread hop) or on the thread
/// pool (everybody else, so no library loop ever runs on a caller's thread).
/// </summary>
internal sealed class WriterSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _waiting; // 1 from PrepareWait until a waker (or TryCancelWait) takes it

    /// <summary>Whether the last wait ended with <c>Wake(inline: true)</c> (read by the loop after its await).</summary>
    public bool ResumedInline { get; private set; }

    /// <summary>Starts a wait; the caller must look for work afterwards, then call TryCancelWait or WaitAsync.</summary>
    public void PrepareWait()
    {
        _core.Reset();
        Interlocked.Exchange(ref _waiting, 1);
    }

    /// <summary>Takes back a prepared wait; false if a waker took it first (then WaitAsync completes at once or soon).</summary>
    public bool TryCancelWait() => Interlocked.CompareExchange(ref _waiting, 0, 1) == 1;

    public ValueTask WaitAsync() => new(this, _core.Version);

    /// <summary>Ends the loop's wait, if it waits.</summary>
    /// <param name="inline">Resume the loop on this thread instead of the thread pool.</param>
    public void Wake(bool inline)
    {
        // always the interlocked instruction (a full fence): a plain read could see a stale 0 before the caller's queued
        // item is visible to the loop, which would then wait with work in its queue
        if (Interlocked.CompareExchange(ref _waiting, 0, 1) != 1) return;
        ResumedInline = inline;
        _core.RunContinuationsAsynchronously = !inline;
        _core.SetResult(true);
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
