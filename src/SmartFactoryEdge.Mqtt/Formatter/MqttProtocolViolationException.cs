using SmartFactoryEdge.Core;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Formatter;

/// <summary>
/// Bytes that break MQTT: names the packet type, the field and the byte offset from the start of the packet
/// (the fixed header's first byte is offset 0), and the reason code a DISCONNECT should carry.
/// </summary>
public sealed class MqttProtocolViolationException : ProtocolViolationException
{
    public MqttProtocolViolationException(MqttPacketType? packetType, string field, long offset, string detail,
        MqttReasonCode reasonCode = MqttReasonCode.MalformedPacket)
        : base($"MQTT {(packetType is { } t ? t.ToString().ToUpperInvariant() : "packet")}: {field} at offset {offset}: {detail}")
    {
        PacketType = packetType;
        Field = field;
        Offset = offset;
        ReasonCode = reasonCode;
    }

    public MqttPacketType? PacketType { get; }
    public string Field { get; }
    public long Offset { get; }
    public MqttReasonCode ReasonCode { get; }
}
