using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Tests.Formatter;

/// <summary>One of every packet type, with every field of the version filled, for round-trip and cut tests.</summary>
internal static class SamplePackets
{
    private static readonly MqttUserProperty[] Ups = [new("site", "plant-1"), new("site", "plant-2"), new("ünïcødé", "值")];

    public static IEnumerable<MqttPacket> All(MqttProtocolVersion v)
    {
        var v5 = v == MqttProtocolVersion.V500;
        yield return new MqttConnectPacket { ProtocolVersion = v, ClientId = "gw-01", KeepAliveSeconds = 30 };
        yield return new MqttConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "gateway-ünï",
            CleanStart = false,
            KeepAliveSeconds = 65535,
            Username = "user",
            Password = new byte[] { 1, 2, 3, 0, 255 },
            WillFlag = true,
            WillTopic = "sfe/v1/site/gw/state",
            WillPayload = "{\"online\":false}"u8.ToArray(),
            WillQoS = MqttQualityOfService.AtLeastOnce,
            WillRetain = true,
            WillDelayInterval = v5 ? 5 : null,
            WillPayloadFormatIndicator = v5 ? (byte)1 : null,
            WillMessageExpiryInterval = v5 ? 3600 : null,
            WillContentType = v5 ? "application/json" : null,
            WillResponseTopic = v5 ? "resp/topic" : null,
            WillCorrelationData = v5 ? new byte[] { 9, 8 } : null,
            WillUserProperties = v5 ? Ups : null,
            SessionExpiryInterval = v5 ? 86400 : null,
            ReceiveMaximum = v5 ? (ushort)100 : null,
            MaximumPacketSize = v5 ? 1048576u : null,
            TopicAliasMaximum = v5 ? (ushort)10 : null,
            RequestResponseInformation = v5 ? true : null,
            RequestProblemInformation = v5 ? false : null,
            AuthenticationMethod = v5 ? "SCRAM-SHA-1" : null,
            AuthenticationData = v5 ? new byte[] { 1 } : null,
            UserProperties = v5 ? Ups : null,
        };
        yield return new MqttConnAckPacket { SessionPresent = true, ReasonCode = MqttReasonCode.Success };
        yield return new MqttConnAckPacket { ReasonCode = MqttReasonCode.BadUserNameOrPassword };
        if (v5)
        {
            yield return new MqttConnAckPacket
            {
                ReasonCode = MqttReasonCode.Success,
                SessionExpiryInterval = 10,
                ReceiveMaximum = 20,
                MaximumQoS = MqttQualityOfService.AtLeastOnce,
                RetainAvailable = false,
                MaximumPacketSize = 4096,
                AssignedClientIdentifier = "auto-1234",
                TopicAliasMaximum = 10,
                ReasonString = "welcome",
                WildcardSubscriptionAvailable = true,
                SubscriptionIdentifiersAvailable = false,
                SharedSubscriptionAvailable = true,
                ServerKeepAlive = 120,
                ResponseInformation = "resp/",
                ServerReference = "other:1883",
                AuthenticationMethod = "m",
                AuthenticationData = new byte[] { 7 },
                UserProperties = Ups,
            };
        }
        yield return new MqttPublishPacket { Topic = "a/b", Payload = "hello"u8.ToArray() };
        yield return new MqttPublishPacket { Topic = "a/b", QoS = MqttQualityOfService.AtLeastOnce, PacketIdentifier = 1, Retain = true, Payload = new byte[300] };
        yield return new MqttPublishPacket { Topic = "x", QoS = MqttQualityOfService.ExactlyOnce, PacketIdentifier = 65535, Dup = true, Payload = ReadOnlyMemory<byte>.Empty };
        if (v5)
        {
            yield return new MqttPublishPacket
            {
                Topic = "sfe/v1/s/g/telemetry",
                QoS = MqttQualityOfService.AtLeastOnce,
                PacketIdentifier = 42,
                Payload = "{}"u8.ToArray(),
                PayloadFormatIndicator = 1,
                MessageExpiryInterval = 60,
                TopicAlias = 3,
                ResponseTopic = "r",
                CorrelationData = new byte[] { 1, 2 },
                UserProperties = Ups,
                SubscriptionIdentifiers = [1, 268435455],
                ContentType = "application/json",
            };
            yield return new MqttPublishPacket { Topic = "", TopicAlias = 3, Payload = new byte[] { 1 } };
        }
        foreach (var ack in new MqttPublishAcknowledgementPacket[] { new MqttPubAckPacket(), new MqttPubRecPacket(), new MqttPubRelPacket(), new MqttPubCompPacket() })
        {
            ack.PacketIdentifier = 7;
            yield return ack;
        }
        if (v5)
        {
            yield return new MqttPubAckPacket { PacketIdentifier = 8, ReasonCode = MqttReasonCode.NoMatchingSubscribers };
            yield return new MqttPubRecPacket { PacketIdentifier = 9, ReasonCode = MqttReasonCode.QuotaExceeded, ReasonString = "full", UserProperties = Ups };
            yield return new MqttPubRelPacket { PacketIdentifier = 10, ReasonCode = MqttReasonCode.PacketIdentifierNotFound };
            yield return new MqttPubCompPacket { PacketIdentifier = 11, ReasonCode = MqttReasonCode.Success, ReasonString = "ok" };
        }
        yield return new MqttSubscribePacket
        {
            PacketIdentifier = 12,
            TopicFilters =
            [
                new MqttTopicFilter("sfe/v1/+/gw/cmd/#", MqttQualityOfService.ExactlyOnce),
                new MqttTopicFilter("#", MqttQualityOfService.AtMostOnce)
                {
                    NoLocal = v5, RetainAsPublished = v5, RetainHandling = v5 ? MqttRetainHandling.DoNotSend : MqttRetainHandling.SendAtSubscribe,
                },
            ],
            SubscriptionIdentifier = v5 ? 99u : null,
            UserProperties = v5 ? Ups : null,
        };
        yield return new MqttSubAckPacket
        {
            PacketIdentifier = 12,
            ReasonCodes = [MqttReasonCode.GrantedQoS2, MqttReasonCode.Success, MqttReasonCode.UnspecifiedError, MqttReasonCode.GrantedQoS1],
            ReasonString = v5 ? "partly" : null,
            UserProperties = v5 ? Ups : null,
        };
        yield return new MqttUnsubscribePacket { PacketIdentifier = 13, TopicFilters = ["a/+", "b/#"], UserProperties = v5 ? Ups : null };
        yield return new MqttUnsubAckPacket
        {
            PacketIdentifier = 13,
            ReasonCodes = v5 ? [MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted] : [],
            ReasonString = v5 ? "done" : null,
        };
        yield return MqttPingReqPacket.Instance;
        yield return MqttPingRespPacket.Instance;
        yield return new MqttDisconnectPacket();
        if (v5)
        {
            yield return new MqttDisconnectPacket
            {
                ReasonCode = MqttReasonCode.DisconnectWithWillMessage,
                SessionExpiryInterval = 0,
                ReasonString = "bye",
                ServerReference = "elsewhere",
                UserProperties = Ups,
            };
            yield return new MqttAuthPacket();
            yield return new MqttAuthPacket
            {
                ReasonCode = MqttReasonCode.ContinueAuthentication,
                AuthenticationMethod = "SCRAM-SHA-256",
                AuthenticationData = new byte[] { 1, 2, 3 },
                ReasonString = "more",
                UserProperties = Ups,
            };
        }
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (var v in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            int i = 0;
            foreach (var p in All(v)) yield return [v, i++, p.Type];
        }
    }
}
