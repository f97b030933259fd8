using System.Buffers;
using System.Buffers.Binary;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Formatter;

/// <summary>
/// Encodes and decodes every MQTT 3.1.1 and 5.0 control packet. Decoding is strict: a frame that breaks the
/// specification throws <see cref="MqttProtocolViolationException"/> naming the packet type, field and offset;
/// a frame that is merely incomplete returns false ("need more bytes"). The remaining length is checked against
/// a maximum packet size before any byte of the body is awaited, so a hostile length never makes us buffer it.
/// </summary>
public static class MqttPacketFormatter
{
    /// <summary>The default limit on a whole packet (fixed header included): 16 MiB.</summary>
    public const int DefaultMaximumPacketSize = 16 * 1024 * 1024;

    /// <summary>The largest packet MQTT can express (1 + 4 + 268,435,455 bytes).</summary>
    public const int AbsoluteMaximumPacketSize = 1 + 4 + (int)MqttVariableByteInteger.MaxValue;

    // ------------------------------------------------------------------ decoding

    /// <summary>Decodes one packet from the start of <paramref name="buffer"/>.</summary>
    /// <returns>true with the packet and the position after it; false if more bytes are needed.</returns>
    /// <exception cref="MqttProtocolViolationException">The bytes break the protocol or exceed the size limit.</exception>
    public static bool TryDecode(in ReadOnlySequence<byte> buffer, MqttProtocolVersion version, int maximumPacketSize,
        out MqttPacket? packet, out SequencePosition consumed)
    {
        packet = null;
        consumed = buffer.Start;
        if (buffer.IsSingleSegment)
        {
            if (!TryDecode(buffer.FirstSpan, version, maximumPacketSize, out packet, out var used)) return false;
            consumed = buffer.GetPosition(used);
            return true;
        }
        Span<byte> header = stackalloc byte[5];
        var headerBytes = (int)Math.Min(5, buffer.Length);
        buffer.Slice(0, headerBytes).CopyTo(header);
        if (!TryReadFixedHeader(header[..headerBytes], maximumPacketSize, out _, out var headerLength, out var remaining)) return false;
        long total = headerLength + remaining;
        if (buffer.Length < total) return false;
        var rented = ArrayPool<byte>.Shared.Rent((int)total);
        try
        {
            buffer.Slice(0, total).CopyTo(rented);
            if (!TryDecode(rented.AsSpan(0, (int)total), version, maximumPacketSize, out packet, out var used))
                throw new InvalidOperationException("A complete frame decoded as incomplete.");
            consumed = buffer.GetPosition(used);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decodes one packet from the start of <paramref name="buffer"/>.</summary>
    /// <returns>true with the packet and the bytes it used; false if more bytes are needed.</returns>
    /// <exception cref="MqttProtocolViolationException">The bytes break the protocol or exceed the size limit.</exception>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, MqttProtocolVersion version, int maximumPacketSize,
        out MqttPacket? packet, out int consumed)
    {
        packet = null;
        consumed = 0;
        if (!TryReadFixedHeader(buffer, maximumPacketSize, out var first, out var headerLength, out var remaining)) return false;
        var total = headerLength + (int)remaining;
        if (buffer.Length < total) return false;
        var type = (MqttPacketType)(first >> 4);
        var flags = first & 0x0F;
        var reader = new MqttSpanReader(buffer.Slice(headerLength, (int)remaining), headerLength, type);
        packet = type switch
        {
            MqttPacketType.Connect => DecodeConnect(ref reader, flags),
            MqttPacketType.ConnAck => DecodeConnAck(ref reader, flags, version),
            MqttPacketType.Publish => DecodePublish(ref reader, flags, version),
            MqttPacketType.PubAck => DecodeAck(ref reader, flags, version, new MqttPubAckPacket()),
            MqttPacketType.PubRec => DecodeAck(ref reader, flags, version, new MqttPubRecPacket()),
            MqttPacketType.PubRel => DecodeAck(ref reader, flags, version, new MqttPubRelPacket()),
            MqttPacketType.PubComp => DecodeAck(ref reader, flags, version, new MqttPubCompPacket()),
            MqttPacketType.Subscribe => DecodeSubscribe(ref reader, flags, version),
            MqttPacketType.SubAck => DecodeSubAck(ref reader, flags, version),
            MqttPacketType.Unsubscribe => DecodeUnsubscribe(ref reader, flags, version),
            MqttPacketType.UnsubAck => DecodeUnsubAck(ref reader, flags, version),
            MqttPacketType.PingReq => DecodeEmpty(ref reader, flags, MqttPingReqPacket.Instance),
            MqttPacketType.PingResp => DecodeEmpty(ref reader, flags, MqttPingRespPacket.Instance),
            MqttPacketType.Disconnect => DecodeDisconnect(ref reader, flags, version),
            MqttPacketType.Auth => DecodeAuth(ref reader, flags, version),
            _ => throw new MqttProtocolViolationException(null, "packet type", 0, $"reserved packet type {(int)type}"),
        };
        consumed = total;
        return true;
    }

    /// <summary>
    /// The client's hot path: recognises a PUBACK without properties at the start of <paramref name="frame"/>
    /// (40 02 id id; in 5.0 also 40 03 id id rc and 40 04 id id rc 00, which Mosquitto sends when nobody subscribes)
    /// and reads it without a packet object. Anything else (properties, a reason code not valid for PUBACK, a frame cut
    /// short) returns false and is left to <see cref="TryDecode(ReadOnlySpan{byte}, MqttProtocolVersion, int, out MqttPacket?, out int)"/>,
    /// which reads what this accepts the same way.
    /// </summary>
    /// <exception cref="MqttProtocolViolationException">Packet identifier 0.</exception>
    internal static bool TryDecodeBarePubAck(ReadOnlySpan<byte> frame, MqttProtocolVersion version, out ushort packetIdentifier, out MqttReasonCode reasonCode, out int length)
    {
        packetIdentifier = 0;
        reasonCode = MqttReasonCode.Success;
        length = 0;
        if (frame.Length < 4 || frame[0] != 0x40) return false;
        var v5 = version == MqttProtocolVersion.V500;
        switch (frame[1])
        {
            case 2:
                break;
            case 3 when v5 && frame.Length >= 5:
            case 4 when v5 && frame.Length >= 6 && frame[5] == 0:
                reasonCode = (MqttReasonCode)frame[4];
                if (!MqttReasonCodes.IsValidFor(MqttPacketType.PubAck, reasonCode)) return false;
                break;
            default:
                return false;
        }
        packetIdentifier = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
        if (packetIdentifier == 0) throw new MqttProtocolViolationException(MqttPacketType.PubAck, "packet identifier", 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        length = 2 + frame[1];
        return true;
    }

    /// <summary>Reads the fixed header (2.1.1): first byte and remaining length, checking it against the limit.</summary>
    public static bool TryReadFixedHeader(ReadOnlySpan<byte> buffer, int maximumPacketSize, out byte first, out int headerLength, out uint remainingLength)
    {
        first = 0;
        headerLength = 0;
        remainingLength = 0;
        if (buffer.Length < 2) return false;
        first = buffer[0];
        var type = (MqttPacketType)(first >> 4);
        MqttPacketType? known = type is >= MqttPacketType.Connect and <= MqttPacketType.Auth ? type : null;
        var status = MqttVariableByteInteger.TryRead(buffer[1..], out remainingLength, out var size);
        if (status == MqttVariableByteInteger.Status.NeedMore) return false;
        if (status == MqttVariableByteInteger.Status.Malformed)
            throw new MqttProtocolViolationException(known, "remaining length", 1, "longer than 4 bytes or not minimally encoded");
        headerLength = 1 + size;
        if (headerLength + (long)remainingLength > maximumPacketSize)
            throw new MqttProtocolViolationException(known, "remaining length", 1,
                $"packet of {headerLength + (long)remainingLength} bytes exceeds the maximum packet size {maximumPacketSize}", MqttReasonCode.PacketTooLarge);
        return true;
    }

    private static void ExpectFlags(ref MqttSpanReader r, int flags, int expected)
    {
        if (flags != expected)
            throw new MqttProtocolViolationException(r.Type, "fixed header flags", 0, $"flags 0x{flags:X} but the specification requires 0x{expected:X}");
    }

    private static MqttPacket DecodeEmpty(ref MqttSpanReader r, int flags, MqttPacket instance)
    {
        ExpectFlags(ref r, flags, 0);
        r.ExpectEnd();
        return instance;
    }

    private static MqttConnectPacket DecodeConnect(ref MqttSpanReader r, int flags)
    {
        ExpectFlags(ref r, flags, 0);
        var p = new MqttConnectPacket();
        var nameStart = r.Position;
        var name = r.ReadString("protocol name");
        if (name != "MQTT") throw r.FailAt("protocol name", nameStart, $"'{name}' is not 'MQTT'", MqttReasonCode.UnsupportedProtocolVersion);
        var level = r.ReadByte("protocol level");
        if (level is not (4 or 5)) throw r.FailAt("protocol level", r.Position - 1, $"level {level} is neither 4 (3.1.1) nor 5 (5.0)", MqttReasonCode.UnsupportedProtocolVersion);
        p.ProtocolVersion = (MqttProtocolVersion)level;
        var v5 = level == 5;
        var cf = r.ReadByte("connect flags");
        var cfOffset = r.Position - 1;
        if ((cf & 0x01) != 0) throw r.FailAt("connect flags", cfOffset, "reserved bit 0 is set");
        p.CleanStart = (cf & 0x02) != 0;
        p.WillFlag = (cf & 0x04) != 0;
        var willQos = (cf >> 3) & 0x03;
        p.WillRetain = (cf & 0x20) != 0;
        var hasPassword = (cf & 0x40) != 0;
        var hasUser = (cf & 0x80) != 0;
        if (willQos == 3) throw r.FailAt("connect flags", cfOffset, "will QoS 3");
        if (!p.WillFlag && (willQos != 0 || p.WillRetain)) throw r.FailAt("connect flags", cfOffset, "will QoS or will retain set without the will flag");
        if (!v5 && hasPassword && !hasUser) throw r.FailAt("connect flags", cfOffset, "password flag without user name flag (3.1.1)");
        p.WillQoS = (MqttQualityOfService)willQos;
        p.KeepAliveSeconds = r.ReadUInt16("keep alive");
        if (v5)
        {
            var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Connect, false, "CONNECT");
            p.SessionExpiryInterval = props.SessionExpiryInterval;
            p.ReceiveMaximum = props.ReceiveMaximum;
            p.MaximumPacketSize = props.MaximumPacketSize;
            p.TopicAliasMaximum = props.TopicAliasMaximum;
            p.RequestResponseInformation = props.RequestResponseInformation is { } rri ? rri == 1 : null;
            p.RequestProblemInformation = props.RequestProblemInformation is { } rpi ? rpi == 1 : null;
            p.AuthenticationMethod = props.AuthenticationMethod;
            p.AuthenticationData = props.AuthenticationData;
            p.UserProperties = props.UserProperties;
            if (p.AuthenticationData is not null && p.AuthenticationMethod is null)
                throw r.Fail("CONNECT properties", "authentication data without an authentication method", MqttReasonCode.ProtocolError);
        }
        p.ClientId = r.ReadString("client identifier");
        if (p.WillFlag)
        {
            if (v5)
            {
                var wp = MqttPropertyValues.Read(ref r, MqttPropertyId.Will, false, "will");
                p.WillDelayInterval = wp.WillDelayInterval;
                p.WillPayloadFormatIndicator = wp.PayloadFormatIndicator;
                p.WillMessageExpiryInterval = wp.MessageExpiryInterval;
                p.WillContentType = wp.ContentType;
                p.WillResponseTopic = wp.ResponseTopic;
                p.WillCorrelationData = wp.CorrelationData;
                p.WillUserProperties = wp.UserProperties;
            }
            var wtStart = r.Position;
            p.WillTopic = r.ReadString("will topic");
            if (!MqttTopic.IsValidTopicName(p.WillTopic)) throw r.FailAt("will topic", wtStart, $"'{p.WillTopic}' is not a valid topic name", MqttReasonCode.TopicNameInvalid);
            p.WillPayload = r.ReadBinary("will payload");
        }
        if (hasUser) p.Username = r.ReadString("user name");
        if (hasPassword) p.Password = r.ReadBinary("password");
        r.ExpectEnd();
        return p;
    }

    private static MqttConnAckPacket DecodeConnAck(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        ExpectFlags(ref r, flags, 0);
        var p = new MqttConnAckPacket();
        var ackFlags = r.ReadByte("acknowledge flags");
        if ((ackFlags & 0xFE) != 0) throw r.FailAt("acknowledge flags", r.Position - 1, "reserved bits 1-7 are set");
        p.SessionPresent = (ackFlags & 1) != 0;
        var code = r.ReadByte(version == MqttProtocolVersion.V500 ? "reason code" : "return code");
        if (version == MqttProtocolVersion.V311)
        {
            p.ReasonCode = code switch
            {
                0 => MqttReasonCode.Success,
                1 => MqttReasonCode.UnsupportedProtocolVersion,
                2 => MqttReasonCode.ClientIdentifierNotValid,
                3 => MqttReasonCode.ServerUnavailable,
                4 => MqttReasonCode.BadUserNameOrPassword,
                5 => MqttReasonCode.NotAuthorized,
                _ => throw r.FailAt("return code", r.Position - 1, $"return code {code} is not defined in 3.1.1"),
            };
            r.ExpectEnd();
        }
        else
        {
            p.ReasonCode = (MqttReasonCode)code;
            if (!MqttReasonCodes.IsValidFor(MqttPacketType.ConnAck, p.ReasonCode))
                throw r.FailAt("reason code", r.Position - 1, $"0x{code:X2} is not a CONNACK reason code", MqttReasonCode.ProtocolError);
            var props = MqttPropertyValues.Read(ref r, MqttPropertyId.ConnAck, false, "CONNACK");
            p.SessionExpiryInterval = props.SessionExpiryInterval;
            p.ReceiveMaximum = props.ReceiveMaximum;
            p.MaximumQoS = props.MaximumQoS is { } mq ? (MqttQualityOfService)mq : null;
            p.RetainAvailable = props.RetainAvailable is { } ra ? ra == 1 : null;
            p.MaximumPacketSize = props.MaximumPacketSize;
            p.AssignedClientIdentifier = props.AssignedClientIdentifier;
            p.TopicAliasMaximum = props.TopicAliasMaximum;
            p.ReasonString = props.ReasonString;
            p.WildcardSubscriptionAvailable = props.WildcardSubscriptionAvailable is { } w ? w == 1 : null;
            p.SubscriptionIdentifiersAvailable = props.SubscriptionIdentifierAvailable is { } s ? s == 1 : null;
            p.SharedSubscriptionAvailable = props.SharedSubscriptionAvailable is { } sh ? sh == 1 : null;
            p.ServerKeepAlive = props.ServerKeepAlive;
            p.ResponseInformation = props.ResponseInformation;
            p.ServerReference = props.ServerReference;
            p.AuthenticationMethod = props.AuthenticationMethod;
            p.AuthenticationData = props.AuthenticationData;
            p.UserProperties = props.UserProperties;
            r.ExpectEnd();
        }
        if (p.SessionPresent && p.ReasonCode != MqttReasonCode.Success)
            throw new MqttProtocolViolationException(MqttPacketType.ConnAck, "acknowledge flags", 2, "session present with a failure code");
        return p;
    }

    private static MqttPublishPacket DecodePublish(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        var p = new MqttPublishPacket
        {
            Dup = (flags & 0x08) != 0,
            Retain = (flags & 0x01) != 0,
        };
        var qos = (flags >> 1) & 0x03;
        if (qos == 3) throw new MqttProtocolViolationException(MqttPacketType.Publish, "fixed header flags", 0, "QoS 3");
        if (qos == 0 && p.Dup) throw new MqttProtocolViolationException(MqttPacketType.Publish, "fixed header flags", 0, "DUP set on a QoS 0 message", MqttReasonCode.ProtocolError);
        p.QoS = (MqttQualityOfService)qos;
        var topicStart = r.Position;
        p.Topic = r.ReadString("topic name");
        if (qos > 0)
        {
            p.PacketIdentifier = r.ReadUInt16("packet identifier");
            if (p.PacketIdentifier == 0) throw r.FailAt("packet identifier", r.Position - 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        }
        if (version == MqttProtocolVersion.V500)
        {
            var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Publish, true, "PUBLISH");
            p.PayloadFormatIndicator = props.PayloadFormatIndicator;
            p.MessageExpiryInterval = props.MessageExpiryInterval;
            p.TopicAlias = props.TopicAlias;
            p.ResponseTopic = props.ResponseTopic;
            p.CorrelationData = props.CorrelationData;
            p.UserProperties = props.UserProperties;
            p.SubscriptionIdentifiers = props.SubscriptionIdentifiers;
            p.ContentType = props.ContentType;
        }
        if (p.Topic.Length == 0 ? p.TopicAlias is null : !MqttTopic.IsValidTopicName(p.Topic))
            throw r.FailAt("topic name", topicStart, p.Topic.Length == 0 ? "empty topic without a topic alias" : $"'{p.Topic}' contains wildcards", MqttReasonCode.TopicNameInvalid);
        var payload = r.ReadRest();
        p.Payload = payload.Length == 0 ? ReadOnlyMemory<byte>.Empty : payload.ToArray();
        return p;
    }

    private static T DecodeAck<T>(ref MqttSpanReader r, int flags, MqttProtocolVersion version, T p) where T : MqttPublishAcknowledgementPacket
    {
        ExpectFlags(ref r, flags, p.Type == MqttPacketType.PubRel ? 0x02 : 0x00);
        p.PacketIdentifier = r.ReadUInt16("packet identifier");
        if (p.PacketIdentifier == 0) throw r.FailAt("packet identifier", r.Position - 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        if (version == MqttProtocolVersion.V311)
        {
            r.ExpectEnd();
            return p;
        }
        if (r.Remaining == 0) return p;
        var code = r.ReadByte("reason code");
        p.ReasonCode = (MqttReasonCode)code;
        if (!MqttReasonCodes.IsValidFor(p.Type, p.ReasonCode))
            throw r.FailAt("reason code", r.Position - 1, $"0x{code:X2} is not a {p.Type.ToString().ToUpperInvariant()} reason code", MqttReasonCode.ProtocolError);
        if (r.Remaining == 0) return p;
        var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Ack, false, p.Type.ToString().ToUpperInvariant());
        p.ReasonString = props.ReasonString;
        p.UserProperties = props.UserProperties;
        r.ExpectEnd();
        return p;
    }

    private static MqttSubscribePacket DecodeSubscribe(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        ExpectFlags(ref r, flags, 0x02);
        var p = new MqttSubscribePacket { PacketIdentifier = r.ReadUInt16("packet identifier") };
        if (p.PacketIdentifier == 0) throw r.FailAt("packet identifier", r.Position - 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        var v5 = version == MqttProtocolVersion.V500;
        if (v5)
        {
            var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Subscribe, false, "SUBSCRIBE");
            p.SubscriptionIdentifier = props.SubscriptionIdentifiers?[0];
            p.UserProperties = props.UserProperties;
        }
        var filters = new List<MqttTopicFilter>();
        while (r.Remaining > 0)
        {
            var start = r.Position;
            var topic = r.ReadString("topic filter");
            if (!MqttTopic.IsValidTopicFilter(topic)) throw r.FailAt("topic filter", start, $"'{topic}' is not a valid topic filter", MqttReasonCode.TopicFilterInvalid);
            var o = r.ReadByte("subscription options");
            var qos = o & 0x03;
            if (qos == 3) throw r.FailAt("subscription options", r.Position - 1, "QoS 3");
            if (v5)
            {
                if ((o & 0xC0) != 0) throw r.FailAt("subscription options", r.Position - 1, "reserved bits 6-7 are set");
                var rh = (o >> 4) & 0x03;
                if (rh == 3) throw r.FailAt("subscription options", r.Position - 1, "retain handling 3", MqttReasonCode.ProtocolError);
                filters.Add(new MqttTopicFilter(topic, (MqttQualityOfService)qos)
                {
                    NoLocal = (o & 0x04) != 0,
                    RetainAsPublished = (o & 0x08) != 0,
                    RetainHandling = (MqttRetainHandling)rh,
                });
            }
            else
            {
                if ((o & 0xFC) != 0) throw r.FailAt("requested QoS", r.Position - 1, "reserved bits 2-7 are set");
                filters.Add(new MqttTopicFilter(topic, (MqttQualityOfService)qos));
            }
        }
        if (filters.Count == 0) throw r.Fail("topic filter", "SUBSCRIBE without any topic filter", MqttReasonCode.ProtocolError);
        p.TopicFilters = filters;
        return p;
    }

    private static MqttSubAckPacket DecodeSubAck(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        ExpectFlags(ref r, flags, 0);
        var p = new MqttSubAckPacket { PacketIdentifier = r.ReadUInt16("packet identifier") };
        if (p.PacketIdentifier == 0) throw r.FailAt("packet identifier", r.Position - 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        if (version == MqttProtocolVersion.V500)
        {
            var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Ack, false, "SUBACK");
            p.ReasonString = props.ReasonString;
            p.UserProperties = props.UserProperties;
        }
        var codes = new List<MqttReasonCode>(r.Remaining);
        while (r.Remaining > 0)
        {
            var c = r.ReadByte("reason code");
            var ok = version == MqttProtocolVersion.V500 ? MqttReasonCodes.IsValidFor(MqttPacketType.SubAck, (MqttReasonCode)c) : c is 0 or 1 or 2 or 0x80;
            if (!ok) throw r.FailAt("reason code", r.Position - 1, $"0x{c:X2} is not a SUBACK code", MqttReasonCode.ProtocolError);
            codes.Add((MqttReasonCode)c);
        }
        if (codes.Count == 0) throw r.Fail("reason code", "SUBACK without any reason code", MqttReasonCode.ProtocolError);
        p.ReasonCodes = codes;
        return p;
    }

    private static MqttUnsubscribePacket DecodeUnsubscribe(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        ExpectFlags(ref r, flags, 0x02);
        var p = new MqttUnsubscribePacket { PacketIdentifier = r.ReadUInt16("packet identifier") };
        if (p.PacketIdentifier == 0) throw r.FailAt("packet identifier", r.Position - 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        if (version == MqttProtocolVersion.V500)
            p.UserProperties = MqttPropertyValues.Read(ref r, MqttPropertyId.Unsubscribe, false, "UNSUBSCRIBE").UserProperties;
        var filters = new List<string>();
        while (r.Remaining > 0)
        {
            var start = r.Position;
            var topic = r.ReadString("topic filter");
            if (!MqttTopic.IsValidTopicFilter(topic)) throw r.FailAt("topic filter", start, $"'{topic}' is not a valid topic filter", MqttReasonCode.TopicFilterInvalid);
            filters.Add(topic);
        }
        if (filters.Count == 0) throw r.Fail("topic filter", "UNSUBSCRIBE without any topic filter", MqttReasonCode.ProtocolError);
        p.TopicFilters = filters;
        return p;
    }

    private static MqttUnsubAckPacket DecodeUnsubAck(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        ExpectFlags(ref r, flags, 0);
        var p = new MqttUnsubAckPacket { PacketIdentifier = r.ReadUInt16("packet identifier") };
        if (p.PacketIdentifier == 0) throw r.FailAt("packet identifier", r.Position - 2, "packet identifier 0", MqttReasonCode.ProtocolError);
        if (version == MqttProtocolVersion.V311)
        {
            r.ExpectEnd();
            return p;
        }
        var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Ack, false, "UNSUBACK");
        p.ReasonString = props.ReasonString;
        p.UserProperties = props.UserProperties;
        var codes = new List<MqttReasonCode>(r.Remaining);
        while (r.Remaining > 0)
        {
            var c = r.ReadByte("reason code");
            if (!MqttReasonCodes.IsValidFor(MqttPacketType.UnsubAck, (MqttReasonCode)c))
                throw r.FailAt("reason code", r.Position - 1, $"0x{c:X2} is not an UNSUBACK reason code", MqttReasonCode.ProtocolError);
            codes.Add((MqttReasonCode)c);
        }
        if (codes.Count == 0) throw r.Fail("reason code", "UNSUBACK without any reason code", MqttReasonCode.ProtocolError);
        p.ReasonCodes = codes;
        return p;
    }

    private static MqttDisconnectPacket DecodeDisconnect(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        ExpectFlags(ref r, flags, 0);
        var p = new MqttDisconnectPacket();
        if (version == MqttProtocolVersion.V311 || r.Remaining == 0)
        {
            r.ExpectEnd();
            return p;
        }
        var c = r.ReadByte("reason code");
        p.ReasonCode = (MqttReasonCode)c;
        if (!MqttReasonCodes.IsValidFor(MqttPacketType.Disconnect, p.ReasonCode))
            throw r.FailAt("reason code", r.Position - 1, $"0x{c:X2} is not a DISCONNECT reason code", MqttReasonCode.ProtocolError);
        if (r.Remaining == 0) return p;
        var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Disconnect, false, "DISCONNECT");
        p.SessionExpiryInterval = props.SessionExpiryInterval;
        p.ReasonString = props.ReasonString;
        p.ServerReference = props.ServerReference;
        p.UserProperties = props.UserProperties;
        r.ExpectEnd();
        return p;
    }

    private static MqttAuthPacket DecodeAuth(ref MqttSpanReader r, int flags, MqttProtocolVersion version)
    {
        if (version != MqttProtocolVersion.V500)
            throw new MqttProtocolViolationException(MqttPacketType.Auth, "packet type", 0, "AUTH does not exist in MQTT 3.1.1 (type 15 is reserved)");
        ExpectFlags(ref r, flags, 0);
        var p = new MqttAuthPacket();
        if (r.Remaining == 0) return p;
        var c = r.ReadByte("reason code");
        p.ReasonCode = (MqttReasonCode)c;
        if (!MqttReasonCodes.IsValidFor(MqttPacketType.Auth, p.ReasonCode))
            throw r.FailAt("reason code", r.Position - 1, $"0x{c:X2} is not an AUTH reason code", MqttReasonCode.ProtocolError);
        if (r.Remaining == 0) return p;
        var props = MqttPropertyValues.Read(ref r, MqttPropertyId.Auth, false, "AUTH");
        p.AuthenticationMethod = props.AuthenticationMethod;
        p.AuthenticationData = props.AuthenticationData;
        p.ReasonString = props.ReasonString;
        p.UserProperties = props.UserProperties;
        r.ExpectEnd();
        return p;
    }

    // ------------------------------------------------------------------ encoding

    /// <summary>The size of the encoded packet, fixed header included.</summary>
    public static int GetEncodedSize(MqttPacket packet, MqttProtocolVersion version)
    {
        var m = MqttSpanWriter.Measuring();
        WriteBody(packet, version, ref m);
        return 1 + MqttVariableByteInteger.GetSize(CheckedRemaining(m.Position)) + m.Position;
    }

    /// <summary>Encodes <paramref name="packet"/> into <paramref name="writer"/> and returns the bytes written.</summary>
    /// <exception cref="ArgumentException">A field cannot be expressed (a string over 65,535 bytes, packet id 0 for QoS 1...).</exception>
    public static int Encode(MqttPacket packet, MqttProtocolVersion version, IBufferWriter<byte> writer)
    {
        if (packet is MqttPublishPacket publish && IsSimplePublish(publish, version)) return EncodeSimplePublish(publish, version, writer);
        var m = MqttSpanWriter.Measuring();
        WriteBody(packet, version, ref m);
        var remaining = CheckedRemaining(m.Position);
        var total = 1 + MqttVariableByteInteger.GetSize(remaining) + m.Position;
        var span = writer.GetSpan(total);
        var written = EncodeMeasured(packet, version, span, remaining);
        writer.Advance(written);
        return written;
    }

    /// <summary>Encodes <paramref name="packet"/> into a new array.</summary>
    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version)
    {
        var m = MqttSpanWriter.Measuring();
        WriteBody(packet, version, ref m);
        var remaining = CheckedRemaining(m.Position);
        var bytes = new byte[1 + MqttVariableByteInteger.GetSize(remaining) + m.Position];
        EncodeMeasured(packet, version, bytes, remaining);
        return bytes;
    }

    /// <summary>Encodes into <paramref name="destination"/>, which must hold <see cref="GetEncodedSize"/> bytes.</summary>
    public static int Encode(MqttPacket packet, MqttProtocolVersion version, Span<byte> destination)
    {
        var m = MqttSpanWriter.Measuring();
        WriteBody(packet, version, ref m);
        return EncodeMeasured(packet, version, destination, CheckedRemaining(m.Position));
    }

    // The hot path: a PUBLISH without properties is sized arithmetically and written in one pass.
    private static bool IsSimplePublish(MqttPublishPacket p, MqttProtocolVersion version) =>
        version == MqttProtocolVersion.V311
        || (p.PayloadFormatIndicator is null && p.MessageExpiryInterval is null && p.TopicAlias is null && p.ResponseTopic is null
            && p.CorrelationData is null && p.UserProperties is null or { Count: 0 } && p.SubscriptionIdentifiers is null or { Count: 0 } && p.ContentType is null);

    private static int EncodeSimplePublish(MqttPublishPacket p, MqttProtocolVersion version, IBufferWriter<byte> writer)
    {
        if (p.QoS > MqttQualityOfService.ExactlyOnce) throw new ArgumentException($"QoS {(int)p.QoS} does not exist.");
        var topic = p.Topic;
        int topicBytes;
        try
        {
            topicBytes = MqttSpanWriter.StrictUtf8.GetByteCount(topic);
        }
        catch (System.Text.EncoderFallbackException e)
        {
            throw new ArgumentException($"'{topic}' is not valid UTF-16 (a lone surrogate).", nameof(p), e);
        }
        if (topicBytes > ushort.MaxValue) throw new ArgumentException($"A UTF-8 string field holds at most 65,535 bytes, this one has {topicBytes}.", nameof(p));
        if (topic.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("MQTT strings must not contain U+0000.", nameof(p));
        var hasId = p.QoS != MqttQualityOfService.AtMostOnce;
        if (hasId) RequireId(p.PacketIdentifier, MqttPacketType.Publish);
        var payload = p.Payload.Span;
        var body = 2 + topicBytes + (hasId ? 2 : 0) + (version == MqttProtocolVersion.V500 ? 1 : 0) + payload.Length;
        var remaining = CheckedRemaining(body);
        var total = 1 + MqttVariableByteInteger.GetSize(remaining) + body;
        var span = writer.GetSpan(total);
        span[0] = (byte)(0x30 | (p.Dup ? 0x08 : 0) | ((int)p.QoS << 1) | (p.Retain ? 1 : 0));
        var pos = 1 + MqttVariableByteInteger.Write(span[1..], remaining);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(span[pos..], (ushort)topicBytes);
        pos += 2;
        pos += MqttSpanWriter.StrictUtf8.GetBytes(topic, span[pos..]);
        if (hasId)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(span[pos..], p.PacketIdentifier);
            pos += 2;
        }
        if (version == MqttProtocolVersion.V500) span[pos++] = 0;
        payload.CopyTo(span[pos..]);
        pos += payload.Length;
        writer.Advance(pos);
        return pos;
    }

    private static uint CheckedRemaining(int bodyLength)
    {
        if ((uint)bodyLength > MqttVariableByteInteger.MaxValue)
            throw new ArgumentException($"The packet body of {bodyLength} bytes exceeds MQTT's limit of 268,435,455.");
        return (uint)bodyLength;
    }

    private static int EncodeMeasured(MqttPacket packet, MqttProtocolVersion version, Span<byte> span, uint remaining)
    {
        var headerSize = 1 + MqttVariableByteInteger.GetSize(remaining);
        var body = new MqttSpanWriter(span[headerSize..]);
        var first = WriteBody(packet, version, ref body);
        span[0] = first;
        MqttVariableByteInteger.Write(span[1..], remaining);
        return headerSize + body.Position;
    }

    private static byte WriteBody(MqttPacket packet, MqttProtocolVersion version, ref MqttSpanWriter w)
    {
        var v5 = version == MqttProtocolVersion.V500;
        switch (packet)
        {
            case MqttPublishPacket p:
                WritePublish(p, v5, ref w);
                return (byte)(0x30 | (p.Dup ? 0x08 : 0) | ((int)p.QoS << 1) | (p.Retain ? 1 : 0));
            case MqttPublishAcknowledgementPacket a:
                RequireId(a.PacketIdentifier, a.Type);
                w.WriteUInt16(a.PacketIdentifier);
                if (v5 && (a.ReasonCode != MqttReasonCode.Success || a.ReasonString is not null || a.UserProperties is { Count: > 0 }))
                {
                    w.WriteByte((byte)a.ReasonCode);
                    if (a.ReasonString is not null || a.UserProperties is { Count: > 0 })
                        new MqttPropertyValues { ReasonString = a.ReasonString, UserProperties = MqttPropertyValues.ToList(a.UserProperties) }.Write(ref w);
                }
                return (byte)(((int)a.Type << 4) | (a.Type == MqttPacketType.PubRel ? 0x02 : 0));
            case MqttConnectPacket c:
                WriteConnect(c, ref w);
                return 0x10;
            case MqttConnAckPacket ca:
                WriteConnAck(ca, v5, ref w);
                return 0x20;
            case MqttSubscribePacket s:
                RequireId(s.PacketIdentifier, s.Type);
                if (s.TopicFilters.Count == 0) throw new ArgumentException("SUBSCRIBE needs at least one topic filter.");
                w.WriteUInt16(s.PacketIdentifier);
                if (v5)
                    new MqttPropertyValues
                    {
                        SubscriptionIdentifiers = s.SubscriptionIdentifier is { } sid ? [sid] : null,
                        UserProperties = MqttPropertyValues.ToList(s.UserProperties),
                    }.Write(ref w);
                foreach (var f in s.TopicFilters)
                {
                    w.WriteString(f.Topic);
                    var o = (int)f.QoS;
                    if (v5) o |= (f.NoLocal ? 0x04 : 0) | (f.RetainAsPublished ? 0x08 : 0) | ((int)f.RetainHandling << 4);
                    w.WriteByte((byte)o);
                }
                return 0x82;
            case MqttSubAckPacket sa:
                RequireId(sa.PacketIdentifier, sa.Type);
                w.WriteUInt16(sa.PacketIdentifier);
                if (v5) new MqttPropertyValues { ReasonString = sa.ReasonString, UserProperties = MqttPropertyValues.ToList(sa.UserProperties) }.Write(ref w);
                foreach (var c in sa.ReasonCodes)
                    w.WriteByte(v5 || c is MqttReasonCode.Success or MqttReasonCode.GrantedQoS1 or MqttReasonCode.GrantedQoS2 ? (byte)c : (byte)0x80);
                return 0x90;
            case MqttUnsubscribePacket u:
                RequireId(u.PacketIdentifier, u.Type);
                if (u.TopicFilters.Count == 0) throw new ArgumentException("UNSUBSCRIBE needs at least one topic filter.");
                w.WriteUInt16(u.PacketIdentifier);
                if (v5) new MqttPropertyValues { UserProperties = MqttPropertyValues.ToList(u.UserProperties) }.Write(ref w);
                foreach (var f in u.TopicFilters) w.WriteString(f);
                return 0xA2;
            case MqttUnsubAckPacket ua:
                RequireId(ua.PacketIdentifier, ua.Type);
                w.WriteUInt16(ua.PacketIdentifier);
                if (v5)
                {
                    new MqttPropertyValues { ReasonString = ua.ReasonString, UserProperties = MqttPropertyValues.ToList(ua.UserProperties) }.Write(ref w);
                    foreach (var c in ua.ReasonCodes) w.WriteByte((byte)c);
                }
                return 0xB0;
            case MqttPingReqPacket:
                return 0xC0;
            case MqttPingRespPacket:
                return 0xD0;
            case MqttDisconnectPacket d:
                if (v5 && (d.ReasonCode != MqttReasonCode.Success || d.SessionExpiryInterval is not null || d.ReasonString is not null
                    || d.ServerReference is not null || d.UserProperties is { Count: > 0 }))
                {
                    w.WriteByte((byte)d.ReasonCode);
                    new MqttPropertyValues
                    {
                        SessionExpiryInterval = d.SessionExpiryInterval,
                        ReasonString = d.ReasonString,
                        ServerReference = d.ServerReference,
                        UserProperties = MqttPropertyValues.ToList(d.UserProperties),
                    }.Write(ref w);
                }
                return 0xE0;
            case MqttAuthPacket au:
                if (!v5) throw new ArgumentException("AUTH exists only in MQTT 5.0.");
                if (au.ReasonCode != MqttReasonCode.Success || au.AuthenticationMethod is not null || au.AuthenticationData is not null
                    || au.ReasonString is not null || au.UserProperties is { Count: > 0 })
                {
                    w.WriteByte((byte)au.ReasonCode);
                    new MqttPropertyValues
                    {
                        AuthenticationMethod = au.AuthenticationMethod,
                        AuthenticationData = au.AuthenticationData,
                        ReasonString = au.ReasonString,
                        UserProperties = MqttPropertyValues.ToList(au.UserProperties),
                    }.Write(ref w);
                }
                return 0xF0;
            default:
                throw new ArgumentException($"Unknown packet {packet.GetType().Name}.", nameof(packet));
        }
    }

    private static void RequireId(ushort id, MqttPacketType type)
    {
        if (id == 0) throw new ArgumentException($"{type.ToString().ToUpperInvariant()} needs a non-zero packet identifier.");
    }

    private static void WritePublish(MqttPublishPacket p, bool v5, ref MqttSpanWriter w)
    {
        if (p.QoS > MqttQualityOfService.ExactlyOnce) throw new ArgumentException($"QoS {(int)p.QoS} does not exist.");
        w.WriteString(p.Topic);
        if (p.QoS != MqttQualityOfService.AtMostOnce)
        {
            RequireId(p.PacketIdentifier, MqttPacketType.Publish);
            w.WriteUInt16(p.PacketIdentifier);
        }
        if (v5)
        {
            if (p.PayloadFormatIndicator is null && p.MessageExpiryInterval is null && p.TopicAlias is null && p.ResponseTopic is null
                && p.CorrelationData is null && p.UserProperties is null or { Count: 0 } && p.SubscriptionIdentifiers is null or { Count: 0 } && p.ContentType is null)
            {
                w.WriteByte(0); // empty property block: the hot path
            }
            else
            {
                new MqttPropertyValues
                {
                    PayloadFormatIndicator = p.PayloadFormatIndicator,
                    MessageExpiryInterval = p.MessageExpiryInterval,
                    TopicAlias = p.TopicAlias,
                    ResponseTopic = p.ResponseTopic,
                    CorrelationData = p.CorrelationData,
                    UserProperties = MqttPropertyValues.ToList(p.UserProperties),
                    SubscriptionIdentifiers = p.SubscriptionIdentifiers is { Count: > 0 } s ? s as List<uint> ?? [.. s] : null,
                    ContentType = p.ContentType,
                }.Write(ref w);
            }
        }
        w.WriteBytes(p.Payload.Span);
    }

    private static void WriteConnect(MqttConnectPacket c, ref MqttSpanWriter w)
    {
        var v5 = c.ProtocolVersion == MqttProtocolVersion.V500;
        if (c.WillQoS > MqttQualityOfService.ExactlyOnce) throw new ArgumentException("Will QoS 3 does not exist.");
        if (!v5 && c.Password is not null && c.Username is null) throw new ArgumentException("MQTT 3.1.1 needs a user name when a password is set.");
        w.WriteString("MQTT");
        w.WriteByte((byte)c.ProtocolVersion);
        var flags = (c.CleanStart ? 0x02 : 0) | (c.Username is not null ? 0x80 : 0) | (c.Password is not null ? 0x40 : 0);
        if (c.WillFlag) flags |= 0x04 | ((int)c.WillQoS << 3) | (c.WillRetain ? 0x20 : 0);
        w.WriteByte((byte)flags);
        w.WriteUInt16(c.KeepAliveSeconds);
        if (v5)
            new MqttPropertyValues
            {
                SessionExpiryInterval = c.SessionExpiryInterval,
                ReceiveMaximum = c.ReceiveMaximum,
                MaximumPacketSize = c.MaximumPacketSize,
                TopicAliasMaximum = c.TopicAliasMaximum,
                RequestResponseInformation = MqttPropertyValues.Flag(c.RequestResponseInformation),
                RequestProblemInformation = MqttPropertyValues.Flag(c.RequestProblemInformation),
                AuthenticationMethod = c.AuthenticationMethod,
                AuthenticationData = c.AuthenticationData,
                UserProperties = MqttPropertyValues.ToList(c.UserProperties),
            }.Write(ref w);
        w.WriteString(c.ClientId);
        if (c.WillFlag)
        {
            if (v5)
                new MqttPropertyValues
                {
                    WillDelayInterval = c.WillDelayInterval,
                    PayloadFormatIndicator = c.WillPayloadFormatIndicator,
                    MessageExpiryInterval = c.WillMessageExpiryInterval,
                    ContentType = c.WillContentType,
                    ResponseTopic = c.WillResponseTopic,
                    CorrelationData = c.WillCorrelationData,
                    UserProperties = MqttPropertyValues.ToList(c.WillUserProperties),
                }.Write(ref w);
            w.WriteString(c.WillTopic);
            w.WriteBinary(c.WillPayload.Span);
        }
        if (c.Username is not null) w.WriteString(c.Username);
        if (c.Password is { } pw) w.WriteBinary(pw.Span);
    }

    private static void WriteConnAck(MqttConnAckPacket ca, bool v5, ref MqttSpanWriter w)
    {
        w.WriteByte(ca.SessionPresent ? (byte)1 : (byte)0);
        if (!v5)
        {
            w.WriteByte(ca.ReasonCode switch
            {
                MqttReasonCode.Success => 0,
                MqttReasonCode.UnsupportedProtocolVersion => 1,
                MqttReasonCode.ClientIdentifierNotValid => 2,
                MqttReasonCode.ServerUnavailable => 3,
                MqttReasonCode.BadUserNameOrPassword => 4,
                MqttReasonCode.NotAuthorized => 5,
                _ => throw new ArgumentException($"{ca.ReasonCode} has no MQTT 3.1.1 CONNACK return code."),
            });
            return;
        }
        w.WriteByte((byte)ca.ReasonCode);
        new MqttPropertyValues
        {
            SessionExpiryInterval = ca.SessionExpiryInterval,
            ReceiveMaximum = ca.ReceiveMaximum,
            MaximumQoS = ca.MaximumQoS is { } mq ? (byte)mq : null,
            RetainAvailable = MqttPropertyValues.Flag(ca.RetainAvailable),
            MaximumPacketSize = ca.MaximumPacketSize,
            AssignedClientIdentifier = ca.AssignedClientIdentifier,
            TopicAliasMaximum = ca.TopicAliasMaximum,
            ReasonString = ca.ReasonString,
            WildcardSubscriptionAvailable = MqttPropertyValues.Flag(ca.WildcardSubscriptionAvailable),
            SubscriptionIdentifierAvailable = MqttPropertyValues.Flag(ca.SubscriptionIdentifiersAvailable),
            SharedSubscriptionAvailable = MqttPropertyValues.Flag(ca.SharedSubscriptionAvailable),
            ServerKeepAlive = ca.ServerKeepAlive,
            ResponseInformation = ca.ResponseInformation,
            ServerReference = ca.ServerReference,
            AuthenticationMethod = ca.AuthenticationMethod,
            AuthenticationData = ca.AuthenticationData,
            UserProperties = MqttPropertyValues.ToList(ca.UserProperties),
        }.Write(ref w);
    }
}
