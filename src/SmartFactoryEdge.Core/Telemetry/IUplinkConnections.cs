namespace SmartFactoryEdge.Core.Telemetry;

/// <summary>
/// Implemented by a publisher whose link comes and goes (an MQTT uplink): it counts its connections, so that a caller
/// backing off after a failed publish can retry the moment the link is back instead of waiting out its delay.
/// </summary>
public interface IUplinkConnections
{
    /// <summary>Connections made so far; each reconnect adds one.</summary>
    long Connections { get; }

    /// <summary>Completes once <see cref="Connections"/> is greater than <paramref name="seen"/> (at once if it already is).</summary>
    Task WhenConnectedAfterAsync(long seen, CancellationToken cancellationToken);
}
