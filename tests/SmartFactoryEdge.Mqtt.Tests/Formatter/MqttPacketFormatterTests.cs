using System.Buffers;
using SmartFactoryEdge.Mqtt.Formatter;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Tests.Formatter;

public class MqttPacketFormatterTests
{
    private const int Max = MqttPacketFormatter.DefaultMaximumPacketSize;

    private static MqttPacket Sample(MqttProtocolVersion v, int index) => SamplePackets.All(v).ElementAt(index);

    [Theory]
    [MemberData(nameof(SamplePackets.Cases), MemberType = typeof(SamplePackets))]
    public void RoundTripGivesTheSameBytes(MqttProtocolVersion version, int index, MqttPacketType type)
    {
        var packet = Sample(version, index);
        var bytes = MqttPacketFormatter.Encode(packet, version);
        Assert.Equal(bytes.Length, MqttPacketFormatter.GetEncodedSize(packet, version));
        Assert.True(MqttPacketFormatter.TryDecode(bytes, version, Max, out var decoded, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.NotNull(decoded);
        Assert.Equal(type, decoded.Type);
        Assert.Equal(bytes, MqttPacketFormatter.Encode(decoded, version));

        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(bytes.Length, MqttPacketFormatter.Encode(packet, version, writer));
        Assert.Equal(bytes, writer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void TheBarePubAckFastPathReadsExactlyWhatTheDecoderReads(MqttProtocolVersion version)
    {
        // every PUBACK of 2 to 4 remaining bytes, every reason code and property length byte, whole and cut short
        var accepted = 0;
        foreach (var remaining in new byte[] { 2, 3, 4 })
        {
            for (int code = 0; code < (remaining >= 3 ? 256 : 1); code++)
            {
                for (int props = 0; props < (remaining == 4 ? 256 : 1); props++)
                {
                    var frame = new byte[] { 0x40, remaining, 0x12, 0x34, (byte)code, (byte)props }.AsSpan(0, 2 + remaining).ToArray();
                    for (int cut = 0; cut <= frame.Length; cut++)
                    {
                        var span = frame.AsSpan(0, cut);
                        if (!MqttPacketFormatter.TryDecodeBarePubAck(span, version, out var id, out var reason, out var length)) continue;
                        accepted++;
                        Assert.Equal(frame.Length, cut); // never on a cut frame
                        Assert.True(MqttPacketFormatter.TryDecode(span, version, Max, out var decoded, out var consumed));
                        var ack = Assert.IsType<MqttPubAckPacket>(decoded);
                        Assert.Equal(consumed, length);
                        Assert.Equal(ack.PacketIdentifier, id);
                        Assert.Equal(ack.ReasonCode, reason);
                        Assert.Null(ack.ReasonString);
                        Assert.Null(ack.UserProperties);
                    }
                }
            }
        }
        // 40 02 in both versions; in 5.0 also each valid PUBACK reason code, alone and with an empty property block
        var validCodes = Enumerable.Range(0, 256).Count(c => MqttReasonCodes.IsValidFor(MqttPacketType.PubAck, (MqttReasonCode)c));
        Assert.Equal(version == MqttProtocolVersion.V500 ? 1 + 2 * validCodes : 1, accepted);
        // packet identifier 0 is refused as the decoder refuses it
        var zero = Assert.Throws<MqttProtocolViolationException>(() => MqttPacketFormatter.TryDecodeBarePubAck([0x40, 2, 0, 0], version, out _, out _, out _));
        Assert.Equal(2, zero.Offset);
    }

    [Fact]
    public void RoundTripKeepsTheFieldsOfAFullV5Publish()
    {
        var p = SamplePackets.All(MqttProtocolVersion.V500).OfType<MqttPublishPacket>().Single(x => x.ContentType is not null);
        var bytes = MqttPacketFormatter.Encode(p, MqttProtocolVersion.V500);
        Assert.True(MqttPacketFormatter.TryDecode(bytes, MqttProtocolVersion.V500, Max, out var d, out _));
        var q = Assert.IsType<MqttPublishPacket>(d);
        Assert.Equal(p.Topic, q.Topic);
        Assert.Equal(p.PacketIdentifier, q.PacketIdentifier);
        Assert.Equal(p.QoS, q.QoS);
        Assert.Equal(p.Payload.ToArray(), q.Payload.ToArray());
        Assert.Equal(p.MessageExpiryInterval, q.MessageExpiryInterval);
        Assert.Equal(p.TopicAlias, q.TopicAlias);
        Assert.Equal(p.UserProperties, q.UserProperties);
        Assert.Equal(p.SubscriptionIdentifiers, q.SubscriptionIdentifiers);
        Assert.Equal(p.CorrelationData!.Value.ToArray(), q.CorrelationData!.Value.ToArray());
        Assert.Equal("application/json", q.ContentType);
    }

    [Fact]
    public void RoundTripKeepsTheFieldsOfAConnectWithWill()
    {
        foreach (var v in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var c = SamplePackets.All(v).OfType<MqttConnectPacket>().Single(x => x.WillFlag);
            var bytes = MqttPacketFormatter.Encode(c, v);
            Assert.True(MqttPacketFormatter.TryDecode(bytes, MqttProtocolVersion.V311, Max, out var d, out _)); // CONNECT carries its own version
            var q = Assert.IsType<MqttConnectPacket>(d);
            Assert.Equal(v, q.ProtocolVersion);
            Assert.Equal(c.ClientId, q.ClientId);
            Assert.Equal(c.Username, q.Username);
            Assert.Equal(c.Password!.Value.ToArray(), q.Password!.Value.ToArray());
            Assert.Equal(c.WillTopic, q.WillTopic);
            Assert.Equal(c.WillQoS, q.WillQoS);
            Assert.True(q.WillRetain);
            Assert.False(q.CleanStart);
            Assert.Equal(c.SessionExpiryInterval, q.SessionExpiryInterval);
            Assert.Equal(c.WillDelayInterval, q.WillDelayInterval);
        }
    }

    [Fact]
    public void V311ConnAckMapsReturnCodesToReasonCodes()
    {
        byte[] frame = [0x20, 0x02, 0x00, 0x04];
        Assert.True(MqttPacketFormatter.TryDecode(frame, MqttProtocolVersion.V311, Max, out var p, out _));
        Assert.Equal(MqttReasonCode.BadUserNameOrPassword, Assert.IsType<MqttConnAckPacket>(p).ReasonCode);
    }

    [Theory]
    [MemberData(nameof(SamplePackets.Cases), MemberType = typeof(SamplePackets))]
    public void EveryCutFrameAsksForMoreBytes(MqttProtocolVersion version, int index, MqttPacketType type)
    {
        var bytes = MqttPacketFormatter.Encode(Sample(version, index), version);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            Assert.False(MqttPacketFormatter.TryDecode(bytes.AsSpan(0, cut), version, Max, out _, out _), $"{type} cut at {cut}");
            Assert.False(MqttPacketFormatter.TryDecode(new ReadOnlySequence<byte>(bytes, 0, cut), version, Max, out _, out _));
        }
    }

    [Theory]
    [MemberData(nameof(SamplePackets.Cases), MemberType = typeof(SamplePackets))]
    public void AFrameSplitAcrossSegmentsDecodesAtEveryBoundary(MqttProtocolVersion version, int index, MqttPacketType type)
    {
        var bytes = MqttPacketFormatter.Encode(Sample(version, index), version);
        var two = bytes.Concat(bytes).ToArray();
        for (int split = 1; split < two.Length; split++)
        {
            var seq = Segments.Of(two.AsMemory(0, split), two.AsMemory(split));
            Assert.True(MqttPacketFormatter.TryDecode(seq, version, Max, out var first, out var pos), $"{type} split at {split}");
            Assert.Equal(bytes, MqttPacketFormatter.Encode(first!, version));
            var rest = seq.Slice(pos);
            Assert.Equal(bytes.Length, rest.Length);
            Assert.True(MqttPacketFormatter.TryDecode(rest, version, Max, out var second, out var end));
            Assert.Equal(type, second!.Type);
            Assert.Equal(0, seq.Slice(end).Length);
        }
    }

    [Theory]
    [InlineData(0u, new byte[] { 0x00 })]
    [InlineData(127u, new byte[] { 0x7F })]
    [InlineData(128u, new byte[] { 0x80, 0x01 })]
    [InlineData(16_383u, new byte[] { 0xFF, 0x7F })]
    [InlineData(16_384u, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(2_097_151u, new byte[] { 0xFF, 0xFF, 0x7F })]
    [InlineData(2_097_152u, new byte[] { 0x80, 0x80, 0x80, 0x01 })]
    [InlineData(268_435_455u, new byte[] { 0xFF, 0xFF, 0xFF, 0x7F })]
    public void VariableByteIntegerMatchesTheSpecificationTable(uint value, byte[] expected)
    {
        var buf = new byte[4];
        var n = MqttVariableByteInteger.Write(buf, value);
        Assert.Equal(expected, buf[..n]);
        Assert.Equal(n, MqttVariableByteInteger.GetSize(value));
        Assert.Equal(MqttVariableByteInteger.Status.Ok, MqttVariableByteInteger.TryRead(expected, out var back, out var size));
        Assert.Equal(value, back);
        Assert.Equal(n, size);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData(new byte[] { 0x80, 0x00 })]
    [InlineData(new byte[] { 0x80, 0x80, 0x00 })]
    public void VariableByteIntegerRejectsLongAndNonMinimalEncodings(byte[] bytes) =>
        Assert.Equal(MqttVariableByteInteger.Status.Malformed, MqttVariableByteInteger.TryRead(bytes, out _, out _));

    [Fact]
    public void AHugeRemainingLengthFailsAtOnceWithoutWaitingForTheBody()
    {
        byte[] header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
        var ex = Assert.Throws<MqttProtocolViolationException>(() => MqttPacketFormatter.TryDecode(header, MqttProtocolVersion.V500, 65536, out _, out _));
        Assert.Equal(MqttReasonCode.PacketTooLarge, ex.ReasonCode);
        Assert.Equal("remaining length", ex.Field);
        Assert.Equal(MqttPacketType.Publish, ex.PacketType);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500, "00 00", "packet type", 0)]                              // reserved type 0
    [InlineData(MqttProtocolVersion.V311, "F0 00", "packet type", 0)]                              // AUTH in 3.1.1
    [InlineData(MqttProtocolVersion.V500, "31 80 00", "remaining length", 1)]                      // non-minimal length
    [InlineData(MqttProtocolVersion.V500, "36 05 00 01 61 00 01", "fixed header flags", 0)]         // QoS 3
    [InlineData(MqttProtocolVersion.V500, "38 04 00 01 61 00", "fixed header flags", 0)]            // DUP on QoS 0
    [InlineData(MqttProtocolVersion.V311, "32 05 00 01 61 00 00", "packet identifier", 5)]          // id 0
    [InlineData(MqttProtocolVersion.V311, "30 04 00 01 23 41", "topic name", 2)]                    // '#' in topic
    [InlineData(MqttProtocolVersion.V311, "30 04 00 03 61 62", "topic name", 2)]                    // string past end
    [InlineData(MqttProtocolVersion.V311, "30 05 00 02 C3 28 41", "topic name", 2)]                 // bad UTF-8
    [InlineData(MqttProtocolVersion.V311, "30 04 00 01 00 41", "topic name", 2)]                    // U+0000
    [InlineData(MqttProtocolVersion.V500, "30 06 00 01 61 02 01 02", "payload format indicator", 7)]  // flag value 2
    [InlineData(MqttProtocolVersion.V500, "30 07 00 01 61 02 11 00 00", "PUBLISH property identifier", 6)] // session expiry in PUBLISH
    [InlineData(MqttProtocolVersion.V500, "30 0A 00 01 61 06 02 00 00 00 01 02", "PUBLISH property identifier", 11)] // repeated expiry (cut)
    [InlineData(MqttProtocolVersion.V500, "30 07 00 01 61 03 23 00 00", "topic alias", 7)]          // alias 0
    [InlineData(MqttProtocolVersion.V500, "30 03 00 00 00", "topic name", 2)]                       // empty topic, no alias
    [InlineData(MqttProtocolVersion.V311, "40 03 00 01 00", "end of packet", 4)]                    // 3.1.1 PUBACK with extra byte
    [InlineData(MqttProtocolVersion.V500, "40 03 00 01 87", "reason code", 4)]                      // PUBACK reason ok? 0x87 is valid -> see below
    [InlineData(MqttProtocolVersion.V500, "50 03 00 01 8F", "reason code", 4)]                      // PUBREC with topic filter invalid
    [InlineData(MqttProtocolVersion.V311, "60 02 00 01", "fixed header flags", 0)]                  // PUBREL without 0b0010
    [InlineData(MqttProtocolVersion.V311, "80 06 00 01 00 01 61 00", "fixed header flags", 0)]      // SUBSCRIBE flags
    [InlineData(MqttProtocolVersion.V311, "82 02 00 01", "topic filter", 4)]                        // no filters
    [InlineData(MqttProtocolVersion.V311, "82 06 00 01 00 01 61 04", "requested QoS", 7)]           // reserved bits in 3.1.1
    [InlineData(MqttProtocolVersion.V500, "82 07 00 01 00 00 01 61 30", "subscription options", 8)] // retain handling 3
    [InlineData(MqttProtocolVersion.V311, "82 07 00 01 00 02 61 23 00", "topic filter", 4)]         // 'a#'
    [InlineData(MqttProtocolVersion.V311, "90 03 00 01 03", "reason code", 4)]                      // SUBACK code 3
    [InlineData(MqttProtocolVersion.V311, "20 02 02 00", "acknowledge flags", 2)]                   // reserved ack flag
    [InlineData(MqttProtocolVersion.V311, "20 02 00 06", "return code", 3)]                         // return code 6
    [InlineData(MqttProtocolVersion.V500, "20 03 01 86 00", "acknowledge flags", 2)]                // session present + failure
    [InlineData(MqttProtocolVersion.V500, "20 05 00 00 02 21 00", "receive maximum", 6)]            // receive max missing a byte
    [InlineData(MqttProtocolVersion.V311, "10 0C 00 04 4D 51 54 54 04 01 00 3C 00 00", "connect flags", 9)]  // reserved flag
    [InlineData(MqttProtocolVersion.V311, "10 0C 00 04 4D 51 54 54 03 02 00 3C 00 00", "protocol level", 8)] // level 3
    [InlineData(MqttProtocolVersion.V311, "10 0C 00 04 4D 51 54 58 04 02 00 3C 00 00", "protocol name", 2)]  // MQTX
    [InlineData(MqttProtocolVersion.V311, "10 0C 00 04 4D 51 54 54 04 42 00 3C 00 00", "connect flags", 9)]  // password w/o user
    [InlineData(MqttProtocolVersion.V311, "10 0C 00 04 4D 51 54 54 04 1E 00 3C 00 00", "connect flags", 9)]  // will QoS 3
    [InlineData(MqttProtocolVersion.V311, "C0 01 00", "end of packet", 2)]                          // PINGREQ with a body
    [InlineData(MqttProtocolVersion.V311, "E0 01 00", "end of packet", 2)]                          // 3.1.1 DISCONNECT with a body
    [InlineData(MqttProtocolVersion.V500, "E0 01 03", "reason code", 2)]                            // DISCONNECT code 3
    [InlineData(MqttProtocolVersion.V500, "F0 01 01", "reason code", 2)]                            // AUTH code 1
    [InlineData(MqttProtocolVersion.V500, "B0 04 00 01 00 05", "reason code", 5)]                   // UNSUBACK code 5
    public void MalformedFramesNameTheFieldAndOffset(MqttProtocolVersion version, string hex, string field, int offset)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        if (hex == "40 03 00 01 87")
        {
            // 0x87 NotAuthorized is a valid PUBACK reason: this frame must decode
            Assert.True(MqttPacketFormatter.TryDecode(bytes, version, Max, out var ok, out _));
            Assert.Equal(MqttReasonCode.NotAuthorized, Assert.IsType<MqttPubAckPacket>(ok).ReasonCode);
            return;
        }
        var ex = Assert.Throws<MqttProtocolViolationException>(() => MqttPacketFormatter.TryDecode(bytes, version, Max, out _, out _));
        Assert.Contains(field, ex.Field, StringComparison.Ordinal);
        Assert.Equal(offset, ex.Offset);
        Assert.Contains($"offset {offset}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodingRejectsFieldsThatCannotBeExpressed()
    {
        Assert.Throws<ArgumentException>(() => MqttPacketFormatter.Encode(new MqttPublishPacket { Topic = "a", QoS = MqttQualityOfService.AtLeastOnce }, MqttProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => MqttPacketFormatter.Encode(new MqttPublishPacket { Topic = new string('a', 70_000) }, MqttProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => MqttPacketFormatter.Encode(new MqttPublishPacket { Topic = "a\ud800" }, MqttProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => MqttPacketFormatter.Encode(new MqttAuthPacket(), MqttProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => MqttPacketFormatter.Encode(new MqttSubscribePacket { PacketIdentifier = 1 }, MqttProtocolVersion.V500));
        Assert.Throws<ArgumentException>(() => MqttPacketFormatter.Encode(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Banned }, MqttProtocolVersion.V311));
    }

    [Theory]
    [InlineData("a/b", true)]
    [InlineData("#", true)]
    [InlineData("a/#", true)]
    [InlineData("+/b/+", true)]
    [InlineData("a#", false)]
    [InlineData("a/#/b", false)]
    [InlineData("a+", false)]
    [InlineData("", false)]
    public void TopicFiltersFollowTheWildcardRules(string filter, bool valid) => Assert.Equal(valid, MqttTopic.IsValidTopicFilter(filter));

    [Theory]
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("+/b", "a/c", false)]
    [InlineData("#", "$SYS/x", false)]
    public void TopicMatchingFollowsSection47(string filter, string topic, bool matches) => Assert.Equal(matches, MqttTopic.Matches(filter, topic));
}

internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory) => Memory = memory;

    public static ReadOnlySequence<byte> Of(params ReadOnlyMemory<byte>[] parts)
    {
        var first = new Segments(parts[0]);
        var last = first;
        for (int i = 1; i < parts.Length; i++)
        {
            var next = new Segments(parts[i]) { RunningIndex = last.RunningIndex + last.Memory.Length };
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
