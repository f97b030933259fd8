namespace SmartFactoryEdge.Core.Retry;

/// <summary>The one retry interface: how long to wait before attempt number <c>attempt</c> (1-based), or null to give up.</summary>
public interface IRetryPolicy
{
    TimeSpan? GetNextDelay(int attempt, TimeSpan elapsed);
}

/// <summary>Exponential backoff with jitter, bounded by a maximum delay, attempt count and time budget.</summary>
public sealed class ExponentialBackoffRetryPolicy : IRetryPolicy
{
    private readonly RetryPolicyOptions _options;
    private readonly Random _random;

    public ExponentialBackoffRetryPolicy(RetryPolicyOptions options, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InitialDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "InitialDelay must not be negative.");
        if (options.MaxDelay < options.InitialDelay) throw new ArgumentOutOfRangeException(nameof(options), "MaxDelay must be at least InitialDelay.");
        _options = options;
        _random = random ?? Random.Shared;
    }

    public TimeSpan? GetNextDelay(int attempt, TimeSpan elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        if (_options.MaxAttempts is { } max && attempt > max) return null;
        if (_options.TotalBudget is { } budget && elapsed >= budget) return null;
        var exponent = Math.Min(attempt - 1, 62);
        var raw = _options.InitialDelay.TotalMilliseconds * Math.Pow(_options.Multiplier, exponent);
        var capped = Math.Min(raw, _options.MaxDelay.TotalMilliseconds);
        var jitter = capped * _options.JitterFactor * (_random.NextDouble() * 2 - 1);
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(capped + jitter, _options.MaxDelay.TotalMilliseconds)));
        if (_options.TotalBudget is { } b && elapsed + delay > b) delay = b - elapsed;
        return delay;
    }
}
