namespace SmartFactoryEdge.Storage.Tests.Support;

/// <summary>A wall clock the test moves by hand (timers and timestamps stay real; only the UTC time is fake).</summary>
internal sealed class ManualClock(DateTime start) : TimeProvider
{
    private long _ticks = start.Ticks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
