namespace SmartFactoryEdge.Mqtt.Packets;

/// <summary>MQTT control packet types (MQTT 5.0 section 2.1.2, identical values in 3.1.1).</summary>
public enum MqttPacketType : byte
{
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    /// <summary>MQTT 5.0 only.</summary>
    Auth = 15,
}

/// <summary>The protocol level byte of CONNECT: 4 is MQTT 3.1.1, 5 is MQTT 5.0.</summary>
public enum MqttProtocolVersion : byte
{
    V311 = 4,
    V500 = 5,
}

/// <summary>Quality of service of a PUBLISH or a subscription.</summary>
public enum MqttQualityOfService : byte
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

/// <summary>Retain handling option of an MQTT 5.0 subscription (section 3.8.3.1).</summary>
public enum MqttRetainHandling : byte
{
    SendAtSubscribe = 0,
    SendAtSubscribeIfNew = 1,
    DoNotSend = 2,
}

/// <summary>
/// MQTT 5.0 reason codes (section 2.4). MQTT 3.1.1 CONNACK return codes and SUBACK codes are mapped onto these
/// (1 -> UnsupportedProtocolVersion, 2 -> ClientIdentifierNotValid, 3 -> ServerUnavailable, 4 -> BadUserNameOrPassword,
/// 5 -> NotAuthorized; SUBACK 0x80 -> UnspecifiedError).
/// </summary>
public enum MqttReasonCode : byte
{
    Success = 0x00,
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
}

/// <summary>Which reason codes are valid in which packet (MQTT 5.0 section 2.4 table 2-6).</summary>
public static class MqttReasonCodes
{
    public static bool IsValidFor(MqttPacketType type, MqttReasonCode code) => type switch
    {
        MqttPacketType.ConnAck => code is MqttReasonCode.Success or MqttReasonCode.UnspecifiedError or MqttReasonCode.MalformedPacket or MqttReasonCode.ProtocolError
                or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.UnsupportedProtocolVersion or MqttReasonCode.ClientIdentifierNotValid
                or MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.NotAuthorized or MqttReasonCode.ServerUnavailable or MqttReasonCode.ServerBusy
                or MqttReasonCode.Banned or MqttReasonCode.BadAuthenticationMethod or MqttReasonCode.TopicNameInvalid or MqttReasonCode.PacketTooLarge
                or MqttReasonCode.QuotaExceeded or MqttReasonCode.PayloadFormatInvalid or MqttReasonCode.RetainNotSupported or MqttReasonCode.QoSNotSupported
                or MqttReasonCode.UseAnotherServer or MqttReasonCode.ServerMoved or MqttReasonCode.ConnectionRateExceeded,
        MqttPacketType.PubAck or MqttPacketType.PubRec => code is MqttReasonCode.Success or MqttReasonCode.NoMatchingSubscribers
            or MqttReasonCode.UnspecifiedError or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized
            or MqttReasonCode.TopicNameInvalid or MqttReasonCode.PacketIdentifierInUse or MqttReasonCode.QuotaExceeded or MqttReasonCode.PayloadFormatInvalid,
        MqttPacketType.PubRel or MqttPacketType.PubComp => code is MqttReasonCode.Success or MqttReasonCode.PacketIdentifierNotFound,
        MqttPacketType.SubAck => code is MqttReasonCode.Success or MqttReasonCode.GrantedQoS1 or MqttReasonCode.GrantedQoS2
            or MqttReasonCode.UnspecifiedError or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized
            or MqttReasonCode.TopicFilterInvalid or MqttReasonCode.PacketIdentifierInUse or MqttReasonCode.QuotaExceeded
            or MqttReasonCode.SharedSubscriptionsNotSupported or MqttReasonCode.SubscriptionIdentifiersNotSupported or MqttReasonCode.WildcardSubscriptionsNotSupported,
        MqttPacketType.UnsubAck => code is MqttReasonCode.Success or MqttReasonCode.NoSubscriptionExisted or MqttReasonCode.UnspecifiedError
            or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized or MqttReasonCode.TopicFilterInvalid or MqttReasonCode.PacketIdentifierInUse,
        MqttPacketType.Disconnect => code is MqttReasonCode.Success or MqttReasonCode.DisconnectWithWillMessage
            || ((byte)code >= 0x80 && code is not (MqttReasonCode.UnsupportedProtocolVersion or MqttReasonCode.ClientIdentifierNotValid
                or MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.ServerUnavailable or MqttReasonCode.Banned
                or MqttReasonCode.BadAuthenticationMethod or MqttReasonCode.PacketIdentifierInUse or MqttReasonCode.PacketIdentifierNotFound
                or MqttReasonCode.ConnectionRateExceeded) && (byte)code <= 0xA2),
        MqttPacketType.Auth => code is MqttReasonCode.Success or MqttReasonCode.ContinueAuthentication or MqttReasonCode.ReAuthenticate,
        _ => false,
    };
}
