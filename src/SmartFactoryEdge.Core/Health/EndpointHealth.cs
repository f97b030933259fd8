using System.Collections.Concurrent;

namespace SmartFactoryEdge.Core.Health;

/// <summary>Where a connection to a peer (an OPC UA server, a Modbus unit, a broker, a sensor) stands.</summary>
public enum EndpointHealthState
{
    Connecting,
    Connected,
    /// <summary>Up, but with trouble: some items failing, retries, a slow peer.</summary>
    Degraded,
    /// <summary>Down; the reason says why, and the owner keeps retrying.</summary>
    Faulted,
    Stopped,
}

public sealed record EndpointHealth(string Endpoint, EndpointHealthState State, string? Reason, DateTimeOffset Since);

/// <summary>Health per endpoint, reported by sources and sinks and read by state messages, metrics and the web UI.</summary>
public interface IHealthRegistry
{
    void Report(string endpoint, EndpointHealthState state, string? reason = null);

    IReadOnlyList<EndpointHealth> Snapshot();
}

public sealed class HealthRegistry(TimeProvider timeProvider) : IHealthRegistry
{
    private readonly ConcurrentDictionary<string, EndpointHealth> _endpoints = new(StringComparer.Ordinal);

    public HealthRegistry() : this(TimeProvider.System) { }

    /// <summary>Raised when an endpoint changes state (not on repeated reports of the same state).</summary>
    public event Action<EndpointHealth>? Changed;

    public void Report(string endpoint, EndpointHealthState state, string? reason = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        var now = timeProvider.GetUtcNow();
        var changed = false;
        var updated = _endpoints.AddOrUpdate(
            endpoint,
            _ => { changed = true; return new EndpointHealth(endpoint, state, reason, now); },
            (_, old) =>
            {
                if (old.State == state && old.Reason == reason) return old;
                changed = true;
                return new EndpointHealth(endpoint, state, reason, old.State == state ? old.Since : now);
            });
        if (changed) Changed?.Invoke(updated);
    }

    public IReadOnlyList<EndpointHealth> Snapshot() => _endpoints.Values.OrderBy(e => e.Endpoint, StringComparer.Ordinal).ToArray();
}
