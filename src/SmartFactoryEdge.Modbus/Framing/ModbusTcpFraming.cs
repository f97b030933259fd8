using System.Buffers;
using System.Buffers.Binary;

namespace SmartFactoryEdge.Modbus.Framing;

/// <summary>A Modbus TCP frame (ADU) found in a buffer: the MBAP fields and the PDU, a slice of that buffer.</summary>
public readonly struct ModbusTcpFrame
{
    public ModbusTcpFrame(ushort transactionId, byte unitId, ReadOnlySequence<byte> pdu)
    {
        TransactionId = transactionId;
        UnitId = unitId;
        Pdu = pdu;
    }

    public ushort TransactionId { get; }

    public byte UnitId { get; }

    /// <summary>Function code and data; valid until the reader advances.</summary>
    public ReadOnlySequence<byte> Pdu { get; }
}

/// <summary>
/// Modbus TCP framing: the 7-byte MBAP header (transaction id, protocol id 0, length, unit id) before the PDU
/// (Modbus Messaging on TCP/IP Implementation Guide 1.0b, section 3.1.3). Pure functions over spans and sequences.
/// </summary>
public static class ModbusTcpFraming
{
    public const int HeaderLength = 7;

    /// <summary>Largest ADU: 7 header bytes + 253 PDU bytes.</summary>
    public const int MaxAduLength = HeaderLength + ModbusPdu.MaxPduLength;

    /// <summary>Writes the request ADU and returns its length.</summary>
    public static int WriteRequest(Span<byte> destination, ushort transactionId, byte unitId, in ModbusRequest request)
    {
        int pduLength = request.PduLength;
        if (destination.Length < HeaderLength + pduLength) throw new ArgumentException($"The ADU needs {HeaderLength + pduLength} bytes.", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(pduLength + 1));
        destination[6] = unitId;
        request.WritePdu(destination[HeaderLength..]);
        return HeaderLength + pduLength;
    }

    /// <summary>
    /// Looks for one ADU at the start of <paramref name="buffer"/>. On <see cref="FrameParseStatus.Incomplete"/> nothing is
    /// consumed and everything is examined; on <see cref="FrameParseStatus.Frame"/> both point past the frame; on
    /// <see cref="FrameParseStatus.Invalid"/> the stream cannot be resynchronised (TCP has no frame marker): the caller
    /// closes the connection. The error names the field, the value and the byte offset.
    /// </summary>
    public static FrameParseStatus TryParseFrame(in ReadOnlySequence<byte> buffer, out ModbusTcpFrame frame,
        out SequencePosition consumed, out SequencePosition examined, out string? error)
    {
        frame = default;
        error = null;
        consumed = buffer.Start;
        examined = buffer.End;
        if (buffer.Length < HeaderLength) return FrameParseStatus.Incomplete;

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        ushort transactionId = BinaryPrimitives.ReadUInt16BigEndian(header);
        ushort protocolId = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        ushort length = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        if (protocolId != 0)
        {
            error = $"MBAP protocol id {protocolId} at offset 2 (transaction {transactionId}), expected 0";
            return FrameParseStatus.Invalid;
        }
        if (length < 2 || length > ModbusPdu.MaxPduLength + 1)
        {
            error = $"MBAP length {length} at offset 4 (transaction {transactionId}), expected 2..{ModbusPdu.MaxPduLength + 1}";
            return FrameParseStatus.Invalid;
        }
        long total = HeaderLength - 1 + length;
        if (buffer.Length < total) return FrameParseStatus.Incomplete;

        var pdu = buffer.Slice(HeaderLength, length - 1);
        frame = new ModbusTcpFrame(transactionId, header[6], pdu);
        consumed = examined = pdu.End;
        return FrameParseStatus.Frame;
    }
}
