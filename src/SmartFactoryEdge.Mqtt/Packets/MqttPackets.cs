namespace SmartFactoryEdge.Mqtt.Packets;

/// <summary>An MQTT 5.0 user property (a UTF-8 string pair; may repeat, order is kept).</summary>
public readonly record struct MqttUserProperty(string Name, string Value);

/// <summary>
/// Base of every control packet. Packets are plain, mutable data (like MQTTnet's Packets/ folder); the
/// <see cref="Formatter.MqttPacketFormatter"/> encodes and decodes them for one protocol version.
/// Fields that exist only in MQTT 5.0 (properties, reason codes other than the 3.1.1 ones) are ignored when encoding 3.1.1.
/// </summary>
public abstract class MqttPacket
{
    public abstract MqttPacketType Type { get; }

    public override string ToString() => Type.ToString();
}

/// <summary>A packet that carries a 16-bit packet identifier.</summary>
public interface IMqttPacketWithIdentifier
{
    ushort PacketIdentifier { get; set; }
}

/// <summary>CONNECT (3.1).</summary>
public sealed class MqttConnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;
    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V500;
    public string ClientId { get; set; } = "";
    /// <summary>Clean Start (5.0) / Clean Session (3.1.1).</summary>
    public bool CleanStart { get; set; } = true;
    public ushort KeepAliveSeconds { get; set; } = 60;
    public string? Username { get; set; }
    public ReadOnlyMemory<byte>? Password { get; set; }

    public bool WillFlag { get; set; }
    public string WillTopic { get; set; } = "";
    public ReadOnlyMemory<byte> WillPayload { get; set; }
    public MqttQualityOfService WillQoS { get; set; }
    public bool WillRetain { get; set; }
    // Will properties (5.0)
    public uint? WillDelayInterval { get; set; }
    public byte? WillPayloadFormatIndicator { get; set; }
    public uint? WillMessageExpiryInterval { get; set; }
    public string? WillContentType { get; set; }
    public string? WillResponseTopic { get; set; }
    public ReadOnlyMemory<byte>? WillCorrelationData { get; set; }
    public IReadOnlyList<MqttUserProperty>? WillUserProperties { get; set; }

    // CONNECT properties (5.0)
    public uint? SessionExpiryInterval { get; set; }
    public ushort? ReceiveMaximum { get; set; }
    public uint? MaximumPacketSize { get; set; }
    public ushort? TopicAliasMaximum { get; set; }
    public bool? RequestResponseInformation { get; set; }
    public bool? RequestProblemInformation { get; set; }
    public string? AuthenticationMethod { get; set; }
    public ReadOnlyMemory<byte>? AuthenticationData { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>CONNACK (3.2).</summary>
public sealed class MqttConnAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;
    public bool SessionPresent { get; set; }
    public MqttReasonCode ReasonCode { get; set; }
    public uint? SessionExpiryInterval { get; set; }
    public ushort? ReceiveMaximum { get; set; }
    public MqttQualityOfService? MaximumQoS { get; set; }
    public bool? RetainAvailable { get; set; }
    public uint? MaximumPacketSize { get; set; }
    public string? AssignedClientIdentifier { get; set; }
    public ushort? TopicAliasMaximum { get; set; }
    public string? ReasonString { get; set; }
    public bool? WildcardSubscriptionAvailable { get; set; }
    public bool? SubscriptionIdentifiersAvailable { get; set; }
    public bool? SharedSubscriptionAvailable { get; set; }
    public ushort? ServerKeepAlive { get; set; }
    public string? ResponseInformation { get; set; }
    public string? ServerReference { get; set; }
    public string? AuthenticationMethod { get; set; }
    public ReadOnlyMemory<byte>? AuthenticationData { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>PUBLISH (3.3). The payload is not copied on encode: keep it unchanged until the publish completes.</summary>
public sealed class MqttPublishPacket : MqttPacket, IMqttPacketWithIdentifier
{
    public override MqttPacketType Type => MqttPacketType.Publish;
    public bool Dup { get; set; }
    public MqttQualityOfService QoS { get; set; }
    public bool Retain { get; set; }
    /// <summary>Topic name; empty (5.0 only) when a <see cref="TopicAlias"/> already set stands for it.</summary>
    public string Topic { get; set; } = "";
    public ushort PacketIdentifier { get; set; }
    public ReadOnlyMemory<byte> Payload { get; set; }
    public byte? PayloadFormatIndicator { get; set; }
    public uint? MessageExpiryInterval { get; set; }
    public ushort? TopicAlias { get; set; }
    public string? ResponseTopic { get; set; }
    public ReadOnlyMemory<byte>? CorrelationData { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
    public IReadOnlyList<uint>? SubscriptionIdentifiers { get; set; }
    public string? ContentType { get; set; }
}

/// <summary>Common shape of PUBACK, PUBREC, PUBREL and PUBCOMP.</summary>
public abstract class MqttPublishAcknowledgementPacket : MqttPacket, IMqttPacketWithIdentifier
{
    public ushort PacketIdentifier { get; set; }
    public MqttReasonCode ReasonCode { get; set; }
    public string? ReasonString { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>PUBACK (3.4).</summary>
public sealed class MqttPubAckPacket : MqttPublishAcknowledgementPacket { public override MqttPacketType Type => MqttPacketType.PubAck; }

/// <summary>PUBREC (3.5).</summary>
public sealed class MqttPubRecPacket : MqttPublishAcknowledgementPacket { public override MqttPacketType Type => MqttPacketType.PubRec; }

/// <summary>PUBREL (3.6).</summary>
public sealed class MqttPubRelPacket : MqttPublishAcknowledgementPacket { public override MqttPacketType Type => MqttPacketType.PubRel; }

/// <summary>PUBCOMP (3.7).</summary>
public sealed class MqttPubCompPacket : MqttPublishAcknowledgementPacket { public override MqttPacketType Type => MqttPacketType.PubComp; }

/// <summary>One topic filter of a SUBSCRIBE with its options.</summary>
public sealed record MqttTopicFilter(string Topic, MqttQualityOfService QoS = MqttQualityOfService.AtLeastOnce)
{
    public bool NoLocal { get; init; }
    public bool RetainAsPublished { get; init; }
    public MqttRetainHandling RetainHandling { get; init; }
}

/// <summary>SUBSCRIBE (3.8).</summary>
public sealed class MqttSubscribePacket : MqttPacket, IMqttPacketWithIdentifier
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;
    public ushort PacketIdentifier { get; set; }
    public IReadOnlyList<MqttTopicFilter> TopicFilters { get; set; } = [];
    public uint? SubscriptionIdentifier { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>SUBACK (3.9).</summary>
public sealed class MqttSubAckPacket : MqttPacket, IMqttPacketWithIdentifier
{
    public override MqttPacketType Type => MqttPacketType.SubAck;
    public ushort PacketIdentifier { get; set; }
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; set; } = [];
    public string? ReasonString { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>UNSUBSCRIBE (3.10).</summary>
public sealed class MqttUnsubscribePacket : MqttPacket, IMqttPacketWithIdentifier
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;
    public ushort PacketIdentifier { get; set; }
    public IReadOnlyList<string> TopicFilters { get; set; } = [];
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>UNSUBACK (3.11). In 3.1.1 it has no reason codes.</summary>
public sealed class MqttUnsubAckPacket : MqttPacket, IMqttPacketWithIdentifier
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;
    public ushort PacketIdentifier { get; set; }
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; set; } = [];
    public string? ReasonString { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>PINGREQ (3.12).</summary>
public sealed class MqttPingReqPacket : MqttPacket
{
    public static readonly MqttPingReqPacket Instance = new();
    public override MqttPacketType Type => MqttPacketType.PingReq;
}

/// <summary>PINGRESP (3.13).</summary>
public sealed class MqttPingRespPacket : MqttPacket
{
    public static readonly MqttPingRespPacket Instance = new();
    public override MqttPacketType Type => MqttPacketType.PingResp;
}

/// <summary>DISCONNECT (3.14).</summary>
public sealed class MqttDisconnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Disconnect;
    public MqttReasonCode ReasonCode { get; set; }
    public uint? SessionExpiryInterval { get; set; }
    public string? ReasonString { get; set; }
    public string? ServerReference { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}

/// <summary>AUTH (3.15, MQTT 5.0 only).</summary>
public sealed class MqttAuthPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Auth;
    public MqttReasonCode ReasonCode { get; set; }
    public string? AuthenticationMethod { get; set; }
    public ReadOnlyMemory<byte>? AuthenticationData { get; set; }
    public string? ReasonString { get; set; }
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; set; }
}
