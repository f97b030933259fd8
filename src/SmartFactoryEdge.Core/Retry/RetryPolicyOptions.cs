using System.ComponentModel.DataAnnotations;

namespace SmartFactoryEdge.Core.Retry;

/// <summary>How a source, a client or a sink retries after a transient failure.</summary>
public sealed record RetryPolicyOptions
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth per attempt.</summary>
    [Range(1.0, 10.0)]
    public double Multiplier { get; init; } = 2.0;

    /// <summary>Fraction of each delay randomised (0 to 1), so that gateways that lost the same broker do not return in step.</summary>
    [Range(0.0, 1.0)]
    public double JitterFactor { get; init; } = 0.2;

    /// <summary>Attempts before giving up; null retries for ever (the default for a gateway that must run unattended).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Total time before giving up; null means no budget.</summary>
    public TimeSpan? TotalBudget { get; init; }
}
