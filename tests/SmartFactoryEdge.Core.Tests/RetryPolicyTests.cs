using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Retry;

namespace SmartFactoryEdge.Core.Tests;

public class RetryPolicyTests
{
    [Fact]
    public void DelaysGrowExponentiallyUpToTheMaximum()
    {
        var policy = new ExponentialBackoffRetryPolicy(new RetryPolicyOptions
        {
            InitialDelay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(10),
            JitterFactor = 0,
        });
        var delays = Enumerable.Range(1, 6).Select(a => policy.GetNextDelay(a, TimeSpan.Zero)!.Value.TotalSeconds).ToArray();
        Assert.Equal(new double[] { 1, 2, 4, 8, 10, 10 }, delays);
    }

    [Fact]
    public void JitterStaysWithinItsFraction()
    {
        var policy = new ExponentialBackoffRetryPolicy(new RetryPolicyOptions { InitialDelay = TimeSpan.FromSeconds(4), MaxDelay = TimeSpan.FromSeconds(4), JitterFactor = 0.25 }, new Random(3));
        var seen = Enumerable.Range(0, 200).Select(_ => policy.GetNextDelay(1, TimeSpan.Zero)!.Value.TotalSeconds).ToArray();
        Assert.All(seen, d => Assert.InRange(d, 3.0, 4.0));
        Assert.True(seen.Distinct().Count() > 50, "jitter spreads the delays");
    }

    [Fact]
    public void GivesUpAfterMaxAttemptsOrBudget()
    {
        var policy = new ExponentialBackoffRetryPolicy(new RetryPolicyOptions { MaxAttempts = 3, TotalBudget = TimeSpan.FromSeconds(5), JitterFactor = 0 });
        Assert.NotNull(policy.GetNextDelay(3, TimeSpan.Zero));
        Assert.Null(policy.GetNextDelay(4, TimeSpan.Zero));
        Assert.Null(policy.GetNextDelay(1, TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromSeconds(0.25), policy.GetNextDelay(1, TimeSpan.FromSeconds(4.75)));
    }

    [Fact]
    public void HealthRegistryReportsChangesOnce()
    {
        var registry = new HealthRegistry();
        var changes = new List<EndpointHealth>();
        registry.Changed += changes.Add;
        registry.Report("opcua:press01", EndpointHealthState.Connecting);
        registry.Report("opcua:press01", EndpointHealthState.Connecting);
        registry.Report("opcua:press01", EndpointHealthState.Faulted, "BadTimeout");
        Assert.Equal(2, changes.Count);
        var snapshot = Assert.Single(registry.Snapshot());
        Assert.Equal(EndpointHealthState.Faulted, snapshot.State);
        Assert.Equal("BadTimeout", snapshot.Reason);
    }
}
