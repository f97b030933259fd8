using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Center.Models;

/// <summary>Publishes a gateway's model set retained at QoS 1 on `sfe/v1/{site}/{gateway}/cmd/model` and waits for the PUBACK.</summary>
public static class ModelPublisher
{
    public static string Topic(string site, string gateway) => $"sfe/v1/{site}/{gateway}/cmd/model";

    /// <exception cref="PeerUnavailableException">The broker is unreachable or refused the message.</exception>
    public static async Task PublishAsync(MqttClientOptions options, string site, string gateway, ModelSet set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(set);
        await using var client = new MqttClient(options with { AutoReconnect = false, CleanStart = true, SessionExpiryInterval = 0 });
        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var result = await client.PublishAsync(new MqttApplicationMessage
        {
            Topic = Topic(site, gateway),
            Payload = AssetModelJson.Serialize(set),
            QoS = MqttQualityOfService.AtLeastOnce,
            Retain = true,
            ContentType = "application/json",
        }, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess) throw new PeerUnavailableException($"MQTT broker {options.Host}:{options.Port} refused {Topic(site, gateway)}: {result.ReasonCode}.");
        await client.DisconnectAsync(MqttReasonCode.Success, cancellationToken).ConfigureAwait(false);
    }
}
