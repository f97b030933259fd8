using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Formatter;

/// <summary>MQTT 5.0 property identifiers (2.2.2.2).</summary>
internal static class MqttPropertyId
{
    public const byte PayloadFormatIndicator = 0x01;
    public const byte MessageExpiryInterval = 0x02;
    public const byte ContentType = 0x03;
    public const byte ResponseTopic = 0x08;
    public const byte CorrelationData = 0x09;
    public const byte SubscriptionIdentifier = 0x0B;
    public const byte SessionExpiryInterval = 0x11;
    public const byte AssignedClientIdentifier = 0x12;
    public const byte ServerKeepAlive = 0x13;
    public const byte AuthenticationMethod = 0x15;
    public const byte AuthenticationData = 0x16;
    public const byte RequestProblemInformation = 0x17;
    public const byte WillDelayInterval = 0x18;
    public const byte RequestResponseInformation = 0x19;
    public const byte ResponseInformation = 0x1A;
    public const byte ServerReference = 0x1C;
    public const byte ReasonString = 0x1F;
    public const byte ReceiveMaximum = 0x21;
    public const byte TopicAliasMaximum = 0x22;
    public const byte TopicAlias = 0x23;
    public const byte MaximumQoS = 0x24;
    public const byte RetainAvailable = 0x25;
    public const byte UserProperty = 0x26;
    public const byte MaximumPacketSize = 0x27;
    public const byte WildcardSubscriptionAvailable = 0x28;
    public const byte SubscriptionIdentifierAvailable = 0x29;
    public const byte SharedSubscriptionAvailable = 0x2A;

    private static ulong Mask(params byte[] ids)
    {
        ulong m = 0;
        foreach (var id in ids) m |= 1UL << id;
        return m;
    }

    public static readonly ulong Connect = Mask(SessionExpiryInterval, AuthenticationMethod, AuthenticationData, RequestProblemInformation,
        RequestResponseInformation, ReceiveMaximum, TopicAliasMaximum, UserProperty, MaximumPacketSize);
    public static readonly ulong Will = Mask(PayloadFormatIndicator, MessageExpiryInterval, ContentType, ResponseTopic, CorrelationData, WillDelayInterval, UserProperty);
    public static readonly ulong ConnAck = Mask(SessionExpiryInterval, AssignedClientIdentifier, ServerKeepAlive, AuthenticationMethod, AuthenticationData,
        ResponseInformation, ServerReference, ReasonString, ReceiveMaximum, TopicAliasMaximum, MaximumQoS, RetainAvailable, UserProperty,
        MaximumPacketSize, WildcardSubscriptionAvailable, SubscriptionIdentifierAvailable, SharedSubscriptionAvailable);
    public static readonly ulong Publish = Mask(PayloadFormatIndicator, MessageExpiryInterval, ContentType, ResponseTopic, CorrelationData,
        SubscriptionIdentifier, TopicAlias, UserProperty);
    public static readonly ulong Ack = Mask(ReasonString, UserProperty);
    public static readonly ulong Subscribe = Mask(SubscriptionIdentifier, UserProperty);
    public static readonly ulong Unsubscribe = Mask(UserProperty);
    public static readonly ulong Disconnect = Mask(SessionExpiryInterval, ServerReference, ReasonString, UserProperty);
    public static readonly ulong Auth = Mask(AuthenticationMethod, AuthenticationData, ReasonString, UserProperty);
}

/// <summary>Every MQTT 5.0 property, as read from or about to be written to one property block.</summary>
internal struct MqttPropertyValues
{
    public byte? PayloadFormatIndicator;
    public uint? MessageExpiryInterval;
    public string? ContentType;
    public string? ResponseTopic;
    public ReadOnlyMemory<byte>? CorrelationData;
    public List<uint>? SubscriptionIdentifiers;
    public uint? SessionExpiryInterval;
    public string? AssignedClientIdentifier;
    public ushort? ServerKeepAlive;
    public string? AuthenticationMethod;
    public ReadOnlyMemory<byte>? AuthenticationData;
    public byte? RequestProblemInformation;
    public uint? WillDelayInterval;
    public byte? RequestResponseInformation;
    public string? ResponseInformation;
    public string? ServerReference;
    public string? ReasonString;
    public ushort? ReceiveMaximum;
    public ushort? TopicAliasMaximum;
    public ushort? TopicAlias;
    public byte? MaximumQoS;
    public byte? RetainAvailable;
    public List<MqttUserProperty>? UserProperties;
    public uint? MaximumPacketSize;
    public byte? WildcardSubscriptionAvailable;
    public byte? SubscriptionIdentifierAvailable;
    public byte? SharedSubscriptionAvailable;

    /// <summary>Reads a property block (length + properties) and checks each id is allowed here and not repeated.</summary>
    public static MqttPropertyValues Read(ref MqttSpanReader reader, ulong allowed, bool multipleSubscriptionIds, string block)
    {
        var values = new MqttPropertyValues();
        var lengthField = block + " property length";
        var length = reader.ReadVariableByteInteger(lengthField);
        if (length > reader.Remaining) throw reader.Fail(lengthField, $"{length} bytes of properties but only {reader.Remaining} remain in the packet");
        var end = reader.Position + (int)length;
        ulong seen = 0;
        while (reader.Position < end)
        {
            var idStart = reader.Position;
            var id = reader.ReadVariableByteInteger(block + " property identifier");
            if (id >= 64 || (allowed & (1UL << (int)id)) == 0)
                throw reader.FailAt(block + " property identifier", idStart, $"property 0x{id:X2} is not allowed here", MqttReasonCode.ProtocolError);
            var bit = 1UL << (int)id;
            var repeatable = id == MqttPropertyId.UserProperty || (id == MqttPropertyId.SubscriptionIdentifier && multipleSubscriptionIds);
            if ((seen & bit) != 0 && !repeatable)
                throw reader.FailAt(block + " property identifier", idStart, $"property 0x{id:X2} appears more than once", MqttReasonCode.ProtocolError);
            seen |= bit;
            switch ((byte)id)
            {
                case MqttPropertyId.PayloadFormatIndicator: values.PayloadFormatIndicator = ReadFlag(ref reader, "payload format indicator"); break;
                case MqttPropertyId.MessageExpiryInterval: values.MessageExpiryInterval = reader.ReadUInt32("message expiry interval"); break;
                case MqttPropertyId.ContentType: values.ContentType = reader.ReadString("content type"); break;
                case MqttPropertyId.ResponseTopic: values.ResponseTopic = reader.ReadString("response topic"); break;
                case MqttPropertyId.CorrelationData: values.CorrelationData = reader.ReadBinary("correlation data"); break;
                case MqttPropertyId.SubscriptionIdentifier:
                    var sidPos = reader.Position;
                    var sid = reader.ReadVariableByteInteger("subscription identifier");
                    if (sid == 0) throw reader.FailAt("subscription identifier", sidPos, "subscription identifier 0 is not allowed", MqttReasonCode.ProtocolError);
                    (values.SubscriptionIdentifiers ??= []).Add(sid);
                    break;
                case MqttPropertyId.SessionExpiryInterval: values.SessionExpiryInterval = reader.ReadUInt32("session expiry interval"); break;
                case MqttPropertyId.AssignedClientIdentifier: values.AssignedClientIdentifier = reader.ReadString("assigned client identifier"); break;
                case MqttPropertyId.ServerKeepAlive: values.ServerKeepAlive = reader.ReadUInt16("server keep alive"); break;
                case MqttPropertyId.AuthenticationMethod: values.AuthenticationMethod = reader.ReadString("authentication method"); break;
                case MqttPropertyId.AuthenticationData: values.AuthenticationData = reader.ReadBinary("authentication data"); break;
                case MqttPropertyId.RequestProblemInformation: values.RequestProblemInformation = ReadFlag(ref reader, "request problem information"); break;
                case MqttPropertyId.WillDelayInterval: values.WillDelayInterval = reader.ReadUInt32("will delay interval"); break;
                case MqttPropertyId.RequestResponseInformation: values.RequestResponseInformation = ReadFlag(ref reader, "request response information"); break;
                case MqttPropertyId.ResponseInformation: values.ResponseInformation = reader.ReadString("response information"); break;
                case MqttPropertyId.ServerReference: values.ServerReference = reader.ReadString("server reference"); break;
                case MqttPropertyId.ReasonString: values.ReasonString = reader.ReadString("reason string"); break;
                case MqttPropertyId.ReceiveMaximum:
                    values.ReceiveMaximum = reader.ReadUInt16("receive maximum");
                    if (values.ReceiveMaximum == 0) throw reader.FailAt("receive maximum", reader.Position - 2, "receive maximum 0 is not allowed", MqttReasonCode.ProtocolError);
                    break;
                case MqttPropertyId.TopicAliasMaximum: values.TopicAliasMaximum = reader.ReadUInt16("topic alias maximum"); break;
                case MqttPropertyId.TopicAlias:
                    values.TopicAlias = reader.ReadUInt16("topic alias");
                    if (values.TopicAlias == 0) throw reader.FailAt("topic alias", reader.Position - 2, "topic alias 0 is not allowed", MqttReasonCode.TopicAliasInvalid);
                    break;
                case MqttPropertyId.MaximumQoS: values.MaximumQoS = ReadFlag(ref reader, "maximum QoS"); break;
                case MqttPropertyId.RetainAvailable: values.RetainAvailable = ReadFlag(ref reader, "retain available"); break;
                case MqttPropertyId.UserProperty:
                    var name = reader.ReadString("user property name");
                    var value = reader.ReadString("user property value");
                    (values.UserProperties ??= []).Add(new MqttUserProperty(name, value));
                    break;
                case MqttPropertyId.MaximumPacketSize:
                    values.MaximumPacketSize = reader.ReadUInt32("maximum packet size");
                    if (values.MaximumPacketSize == 0) throw reader.FailAt("maximum packet size", reader.Position - 4, "maximum packet size 0 is not allowed", MqttReasonCode.ProtocolError);
                    break;
                case MqttPropertyId.WildcardSubscriptionAvailable: values.WildcardSubscriptionAvailable = ReadFlag(ref reader, "wildcard subscription available"); break;
                case MqttPropertyId.SubscriptionIdentifierAvailable: values.SubscriptionIdentifierAvailable = ReadFlag(ref reader, "subscription identifier available"); break;
                case MqttPropertyId.SharedSubscriptionAvailable: values.SharedSubscriptionAvailable = ReadFlag(ref reader, "shared subscription available"); break;
                default: throw reader.FailAt(block + " property identifier", idStart, $"unknown property 0x{id:X2}");
            }
            if (reader.Position > end) throw reader.FailAt(block + " property length", idStart, "a property runs past the end of the property block");
        }
        return values;
    }

    private static byte ReadFlag(ref MqttSpanReader reader, string field)
    {
        var b = reader.ReadByte(field);
        if (b > 1) throw reader.FailAt(field, reader.Position - 1, $"value {b} is not 0 or 1", MqttReasonCode.ProtocolError);
        return b;
    }

    /// <summary>Writes the block as length + properties (the length is found by a measuring pass).</summary>
    public readonly void Write(ref MqttSpanWriter writer)
    {
        var m = MqttSpanWriter.Measuring();
        WriteBody(ref m);
        writer.WriteVariableByteInteger((uint)m.Position);
        if (writer.IsMeasuring) writer.Skip(m.Position);
        else WriteBody(ref writer);
    }

    private readonly void WriteBody(ref MqttSpanWriter w)
    {
        if (PayloadFormatIndicator is { } pfi) { w.WriteByte(MqttPropertyId.PayloadFormatIndicator); w.WriteByte(pfi); }
        if (MessageExpiryInterval is { } mei) { w.WriteByte(MqttPropertyId.MessageExpiryInterval); w.WriteUInt32(mei); }
        if (ContentType is { } ct) { w.WriteByte(MqttPropertyId.ContentType); w.WriteString(ct); }
        if (ResponseTopic is { } rt) { w.WriteByte(MqttPropertyId.ResponseTopic); w.WriteString(rt); }
        if (CorrelationData is { } cd) { w.WriteByte(MqttPropertyId.CorrelationData); w.WriteBinary(cd.Span); }
        if (SubscriptionIdentifiers is { } sids)
        {
            foreach (var sid in sids)
            {
                if (sid == 0) throw new ArgumentException("Subscription identifier 0 is not allowed.");
                w.WriteByte(MqttPropertyId.SubscriptionIdentifier);
                w.WriteVariableByteInteger(sid);
            }
        }
        if (SessionExpiryInterval is { } sei) { w.WriteByte(MqttPropertyId.SessionExpiryInterval); w.WriteUInt32(sei); }
        if (AssignedClientIdentifier is { } aci) { w.WriteByte(MqttPropertyId.AssignedClientIdentifier); w.WriteString(aci); }
        if (ServerKeepAlive is { } ska) { w.WriteByte(MqttPropertyId.ServerKeepAlive); w.WriteUInt16(ska); }
        if (AuthenticationMethod is { } am) { w.WriteByte(MqttPropertyId.AuthenticationMethod); w.WriteString(am); }
        if (AuthenticationData is { } ad) { w.WriteByte(MqttPropertyId.AuthenticationData); w.WriteBinary(ad.Span); }
        if (RequestProblemInformation is { } rpi) { w.WriteByte(MqttPropertyId.RequestProblemInformation); w.WriteByte(rpi); }
        if (WillDelayInterval is { } wdi) { w.WriteByte(MqttPropertyId.WillDelayInterval); w.WriteUInt32(wdi); }
        if (RequestResponseInformation is { } rri) { w.WriteByte(MqttPropertyId.RequestResponseInformation); w.WriteByte(rri); }
        if (ResponseInformation is { } ri) { w.WriteByte(MqttPropertyId.ResponseInformation); w.WriteString(ri); }
        if (ServerReference is { } sr) { w.WriteByte(MqttPropertyId.ServerReference); w.WriteString(sr); }
        if (ReasonString is { } rs) { w.WriteByte(MqttPropertyId.ReasonString); w.WriteString(rs); }
        if (ReceiveMaximum is { } rm) { w.WriteByte(MqttPropertyId.ReceiveMaximum); w.WriteUInt16(rm); }
        if (TopicAliasMaximum is { } tam) { w.WriteByte(MqttPropertyId.TopicAliasMaximum); w.WriteUInt16(tam); }
        if (TopicAlias is { } ta) { w.WriteByte(MqttPropertyId.TopicAlias); w.WriteUInt16(ta); }
        if (MaximumQoS is { } mq) { w.WriteByte(MqttPropertyId.MaximumQoS); w.WriteByte(mq); }
        if (RetainAvailable is { } ra) { w.WriteByte(MqttPropertyId.RetainAvailable); w.WriteByte(ra); }
        if (UserProperties is { } ups)
        {
            foreach (var up in ups)
            {
                w.WriteByte(MqttPropertyId.UserProperty);
                w.WriteString(up.Name);
                w.WriteString(up.Value);
            }
        }
        if (MaximumPacketSize is { } mps) { w.WriteByte(MqttPropertyId.MaximumPacketSize); w.WriteUInt32(mps); }
        if (WildcardSubscriptionAvailable is { } wsa) { w.WriteByte(MqttPropertyId.WildcardSubscriptionAvailable); w.WriteByte(wsa); }
        if (SubscriptionIdentifierAvailable is { } sia) { w.WriteByte(MqttPropertyId.SubscriptionIdentifierAvailable); w.WriteByte(sia); }
        if (SharedSubscriptionAvailable is { } ssa) { w.WriteByte(MqttPropertyId.SharedSubscriptionAvailable); w.WriteByte(ssa); }
    }

    public static List<MqttUserProperty>? ToList(IReadOnlyList<MqttUserProperty>? items) =>
        items is null || items.Count == 0 ? null : items as List<MqttUserProperty> ?? [.. items];

    public static byte? Flag(bool? value) => value is null ? null : value.Value ? (byte)1 : (byte)0;
}
