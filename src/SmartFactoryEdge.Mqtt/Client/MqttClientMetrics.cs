using System.Diagnostics.Metrics;

namespace SmartFactoryEdge.Mqtt.Client;

/// <summary>
/// System.Diagnostics.Metrics instruments of the MQTT client (meter "SmartFactoryEdge.Mqtt"), for the Gateway's
/// OpenTelemetry wiring: rates, reconnects and losses are metrics, not log lines.
/// </summary>
public static class MqttClientMetrics
{
    public const string MeterName = "SmartFactoryEdge.Mqtt";

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>PUBLISH packets written to the socket (first sends and re-sends).</summary>
    public static readonly Counter<long> PublishesSent = Meter.CreateCounter<long>("sfe.mqtt.publishes.sent", "{message}");

    /// <summary>QoS 1/2 publishes acknowledged by the broker (PUBACK / PUBCOMP).</summary>
    public static readonly Counter<long> PublishesAcknowledged = Meter.CreateCounter<long>("sfe.mqtt.publishes.acknowledged", "{message}");

    /// <summary>QoS 1/2 publishes sent again after a reconnect.</summary>
    public static readonly Counter<long> PublishesResent = Meter.CreateCounter<long>("sfe.mqtt.publishes.resent", "{message}");

    /// <summary>Messages delivered to the application.</summary>
    public static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>("sfe.mqtt.messages.received", "{message}");

    /// <summary>Successful CONNACKs (first connects and reconnects).</summary>
    public static readonly Counter<long> Connects = Meter.CreateCounter<long>("sfe.mqtt.connects", "{connect}");

    /// <summary>Connections that ended without being asked to.</summary>
    public static readonly Counter<long> ConnectionsLost = Meter.CreateCounter<long>("sfe.mqtt.connections.lost", "{connection}");
}
