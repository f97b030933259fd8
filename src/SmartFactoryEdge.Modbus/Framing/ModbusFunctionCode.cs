namespace SmartFactoryEdge.Modbus.Framing;

/// <summary>The public function codes this client speaks (Modbus Application Protocol 1.1b3, section 6).</summary>
public enum ModbusFunctionCode : byte
{
    ReadCoils = 0x01,
    ReadDiscreteInputs = 0x02,
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
    WriteSingleCoil = 0x05,
    WriteSingleRegister = 0x06,
    WriteMultipleCoils = 0x0F,
    WriteMultipleRegisters = 0x10,
    ReadWriteMultipleRegisters = 0x17,

    /// <summary>FC 43; this client uses MEI type 14, Read Device Identification (section 6.21).</summary>
    EncapsulatedInterfaceTransport = 0x2B,
}

/// <summary>Exception codes a server answers with (Modbus Application Protocol 1.1b3, section 7).</summary>
public enum ModbusExceptionCode : byte
{
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetDeviceFailedToRespond = 0x0B,
}

/// <summary>What a frame parser found at the head of the buffer.</summary>
public enum FrameParseStatus
{
    /// <summary>Not enough bytes yet: read more (consumed is the start, examined the end).</summary>
    Incomplete,

    /// <summary>A whole frame; consumed and examined point past it.</summary>
    Frame,

    /// <summary>The bytes break the protocol; the error says how and where, consumed points past what to discard.</summary>
    Invalid,
}
