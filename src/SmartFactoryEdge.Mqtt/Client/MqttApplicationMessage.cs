using SmartFactoryEdge.Core;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Client;

/// <summary>
/// A message as an application sees it (topic, payload, QoS, retain and the 5.0 properties). The payload is not copied:
/// do not change it until its publish has completed.
/// </summary>
public sealed record MqttApplicationMessage
{
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public MqttQualityOfService QoS { get; init; }
    public bool Retain { get; init; }
    public uint? MessageExpiryInterval { get; init; }
    public string? ContentType { get; init; }
    public string? ResponseTopic { get; init; }
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }
    public byte? PayloadFormatIndicator { get; init; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; init; }
    /// <summary>Inbound only: the subscription identifiers that matched.</summary>
    public IReadOnlyList<uint>? SubscriptionIdentifiers { get; init; }
    /// <summary>Inbound only: the broker's DUP flag.</summary>
    public bool Dup { get; init; }
}

/// <summary>The outcome of a publish: Success (or NoMatchingSubscribers) once the broker has it.</summary>
public sealed record MqttPublishResult(MqttReasonCode ReasonCode, ushort PacketIdentifier, string? ReasonString = null)
{
    public bool IsSuccess => (byte)ReasonCode < 0x80;
}

/// <summary>The outcome of CONNECT.</summary>
public sealed record MqttConnectResult(MqttReasonCode ReasonCode, bool SessionPresent, string ClientId, MqttConnAckPacket ConnAck);

/// <summary>The granted QoS or failure per topic filter of a SUBSCRIBE.</summary>
public sealed record MqttSubscribeResult(IReadOnlyList<MqttReasonCode> ReasonCodes, string? ReasonString);

/// <summary>The outcome per topic filter of an UNSUBSCRIBE (always Success in 3.1.1).</summary>
public sealed record MqttUnsubscribeResult(IReadOnlyList<MqttReasonCode> ReasonCodes, string? ReasonString);

/// <summary>A message delivered by the broker. The handler runs on the receive loop; the ack (QoS 1/2) follows its completion.</summary>
public sealed class MqttApplicationMessageReceivedEventArgs(MqttApplicationMessage message, string clientId) : EventArgs
{
    public MqttApplicationMessage ApplicationMessage { get; } = message;
    public string ClientId { get; } = clientId;
}

/// <summary>Raised when the connection ends; <see cref="Exception"/> says why when it was not asked for.</summary>
public sealed class MqttClientDisconnectedEventArgs(Exception? exception, MqttReasonCode? reasonCode, bool willReconnect) : EventArgs
{
    public Exception? Exception { get; } = exception;
    /// <summary>The reason code of a DISCONNECT sent by the broker (5.0), if one came.</summary>
    public MqttReasonCode? ReasonCode { get; } = reasonCode;
    public bool WillReconnect { get; } = willReconnect;
}

/// <summary>The broker refused CONNECT: the reason code says why (bad user name or password, not authorized...).</summary>
public sealed class MqttConnectException(string endpoint, MqttReasonCode reasonCode, string? reasonString)
    : PeerUnavailableException($"MQTT broker {endpoint} refused the connection: {reasonCode} (0x{(byte)reasonCode:X2}){(reasonString is null ? "" : ": " + reasonString)}")
{
    public MqttReasonCode ReasonCode { get; } = reasonCode;
    public string? ReasonString { get; } = reasonString;
}
