using System.Buffers.Binary;

namespace SmartFactoryEdge.Modbus.Framing;

/// <summary>What a response PDU says about the request it answers.</summary>
public enum ResponseCheck
{
    /// <summary>A normal response that matches the request.</summary>
    Ok,

    /// <summary>An exception response (function code | 0x80 and an exception code).</summary>
    Exception,

    /// <summary>A response that does not fit the request (wrong function, length, byte count or echo).</summary>
    Mismatch,
}

/// <summary>Response PDUs: length from their first bytes, checks against the request, decoding (pure, no allocation).</summary>
public static class ModbusPdu
{
    /// <summary>Most bytes of a PDU (Modbus Application Protocol 1.1b3, section 4.1: 256 - address - CRC).</summary>
    public const int MaxPduLength = 253;

    /// <summary>
    /// The length of the response PDU that starts with <paramref name="head"/>: 0 when more bytes are needed to tell,
    /// -1 when the function code is not one a response can have. RTU framing uses it since RTU frames carry no length.
    /// </summary>
    public static int GetResponsePduLength(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty) return 0;
        byte fc = head[0];
        if ((fc & 0x80) != 0) return (fc & 0x7F) is >= 1 and <= 0x7F ? 2 : -1;
        switch ((ModbusFunctionCode)fc)
        {
            case ModbusFunctionCode.ReadCoils:
            case ModbusFunctionCode.ReadDiscreteInputs:
            case ModbusFunctionCode.ReadHoldingRegisters:
            case ModbusFunctionCode.ReadInputRegisters:
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                if (head.Length < 2) return 0;
                return head[1] is 0 or > 250 ? -1 : 2 + head[1];
            case ModbusFunctionCode.WriteSingleCoil:
            case ModbusFunctionCode.WriteSingleRegister:
            case ModbusFunctionCode.WriteMultipleCoils:
            case ModbusFunctionCode.WriteMultipleRegisters:
                return 5;
            case ModbusFunctionCode.EncapsulatedInterfaceTransport:
                return DeviceIdentificationLength(head);
            default:
                return -1;
        }
    }

    /// <summary>Walks the objects of a Read Device Identification response: its length, 0 if more bytes are needed, -1 if malformed.</summary>
    private static int DeviceIdentificationLength(ReadOnlySpan<byte> pdu)
    {
        // 2B 0E code conformity more next count, then count x (id, length, value)
        if (pdu.Length < 2) return 0;
        if (pdu[1] != ModbusRequest.ReadDeviceIdentificationMeiType) return -1;
        if (pdu.Length < 7) return 0;
        int objects = pdu[6];
        int at = 7;
        for (int i = 0; i < objects; i++)
        {
            if (at + 2 > MaxPduLength) return -1;
            if (pdu.Length < at + 2) return 0;
            at += 2 + pdu[at + 1];
            if (at > MaxPduLength) return -1;
        }
        return at;
    }

    /// <summary>
    /// Reads the objects of a checked Read Device Identification response into <paramref name="objects"/> (id → ASCII
    /// text) and says whether more follow and from which object id.
    /// </summary>
    public static void ReadDeviceIdentification(ReadOnlySpan<byte> pdu, IDictionary<int, string> objects, out byte conformity, out bool moreFollows, out byte nextObjectId)
    {
        conformity = pdu[3];
        moreFollows = pdu[4] == 0xFF;
        nextObjectId = pdu[5];
        int at = 7;
        for (int i = 0; i < pdu[6]; i++)
        {
            int id = pdu[at], length = pdu[at + 1];
            objects[id] = System.Text.Encoding.ASCII.GetString(pdu.Slice(at + 2, length));
            at += 2 + length;
        }
    }

    /// <summary>Checks <paramref name="pdu"/> against <paramref name="request"/>; <paramref name="error"/> says what is wrong on a mismatch.</summary>
    public static ResponseCheck Check(in ModbusRequest request, ReadOnlySpan<byte> pdu, out ModbusExceptionCode exceptionCode, out string? error)
    {
        exceptionCode = 0;
        error = null;
        if (pdu.IsEmpty)
        {
            error = "empty PDU";
            return ResponseCheck.Mismatch;
        }
        byte fc = pdu[0];
        byte expected = (byte)request.Function;
        if (fc == (expected | 0x80))
        {
            if (pdu.Length != 2)
            {
                error = $"exception response of {pdu.Length} bytes, expected 2";
                return ResponseCheck.Mismatch;
            }
            exceptionCode = (ModbusExceptionCode)pdu[1];
            return ResponseCheck.Exception;
        }
        if (fc != expected)
        {
            error = $"function 0x{fc:X2} answered a request with function 0x{expected:X2}";
            return ResponseCheck.Mismatch;
        }
        if (request.Function == ModbusFunctionCode.EncapsulatedInterfaceTransport)
        {
            int length = DeviceIdentificationLength(pdu);
            if (length != pdu.Length || pdu[2] != request.Value)
            {
                error = $"device identification of {pdu.Length} bytes (objects span {length}), read code {(pdu.Length > 2 ? pdu[2] : -1)} for {request.Value}";
                return ResponseCheck.Mismatch;
            }
            return ResponseCheck.Ok;
        }
        if (request.ReadsBits || request.ReadsRegisters)
        {
            int byteCount = request.ReadsBits ? (request.Quantity + 7) / 8 : 2 * request.Quantity;
            if (pdu.Length < 2 || pdu[1] != byteCount || pdu.Length != 2 + byteCount)
            {
                error = $"byte count {(pdu.Length < 2 ? -1 : pdu[1])} in {pdu.Length} bytes, expected {byteCount} for {request}";
                return ResponseCheck.Mismatch;
            }
            return ResponseCheck.Ok;
        }
        if (pdu.Length != 5)
        {
            error = $"write response of {pdu.Length} bytes, expected 5";
            return ResponseCheck.Mismatch;
        }
        ushort address = BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]);
        ushort second = BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]);
        ushort expectedSecond = request.Function is ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister ? request.Value : request.Quantity;
        if (address != request.Address || second != expectedSecond)
        {
            error = $"write echo address {address} value/count {second}, expected {request.Address} and {expectedSecond}";
            return ResponseCheck.Mismatch;
        }
        return ResponseCheck.Ok;
    }

    /// <summary>Copies the registers of a checked read response (FC 3, 4, 23) into <paramref name="destination"/>.</summary>
    public static int ReadRegisters(ReadOnlySpan<byte> pdu, Span<ushort> destination)
    {
        int count = Math.Min(pdu[1] / 2, destination.Length);
        var data = pdu[2..];
        for (int i = 0; i < count; i++)
            destination[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(2 * i)..]);
        return count;
    }

    /// <summary>Unpacks the bits of a checked read response (FC 1, 2) into <paramref name="destination"/> (LSB of the first byte first).</summary>
    public static int ReadBits(ReadOnlySpan<byte> pdu, Span<bool> destination)
    {
        var data = pdu.Slice(2, pdu[1]);
        int count = Math.Min(destination.Length, data.Length * 8);
        for (int i = 0; i < count; i++)
            destination[i] = (data[i >> 3] & (1 << (i & 7))) != 0;
        return count;
    }
}
