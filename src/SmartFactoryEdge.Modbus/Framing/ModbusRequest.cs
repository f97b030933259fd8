using System.Buffers.Binary;

namespace SmartFactoryEdge.Modbus.Framing;

/// <summary>
/// One request PDU (function code and data), independent of the transport (Modbus Application Protocol 1.1b3,
/// section 6). Made by the factory methods, which check the quantity limits of the specification.
/// </summary>
public readonly struct ModbusRequest
{
    /// <summary>Most coils or discrete inputs one read may ask for (0x07D0).</summary>
    public const int MaxReadBits = 2000;

    /// <summary>Most registers one read may ask for (0x007D).</summary>
    public const int MaxReadRegisters = 125;

    /// <summary>Most coils one FC 15 may write (0x07B0).</summary>
    public const int MaxWriteBits = 1968;

    /// <summary>Most registers one FC 16 may write (0x007B).</summary>
    public const int MaxWriteRegisters = 123;

    /// <summary>Most registers the write half of FC 23 may carry (0x0079).</summary>
    public const int MaxReadWriteWriteRegisters = 121;

    private ModbusRequest(ModbusFunctionCode function, ushort address, ushort quantity, ushort value = 0,
        ReadOnlyMemory<ushort> registers = default, ReadOnlyMemory<bool> bits = default, ushort writeAddress = 0)
    {
        Function = function;
        Address = address;
        Quantity = quantity;
        Value = value;
        Registers = registers;
        Bits = bits;
        WriteAddress = writeAddress;
    }

    public ModbusFunctionCode Function { get; }

    /// <summary>The starting (read) address, zero-based as on the wire.</summary>
    public ushort Address { get; }

    /// <summary>Coils/inputs/registers to read (or written, for FC 15/16; 1 for FC 5/6).</summary>
    public ushort Quantity { get; }

    /// <summary>The value of FC 5 (0xFF00 on, 0x0000 off) or FC 6.</summary>
    public ushort Value { get; }

    /// <summary>The registers FC 16 and FC 23 write.</summary>
    public ReadOnlyMemory<ushort> Registers { get; }

    /// <summary>The coils FC 15 writes.</summary>
    public ReadOnlyMemory<bool> Bits { get; }

    /// <summary>The write address of FC 23.</summary>
    public ushort WriteAddress { get; }

    /// <summary>True for the function codes whose answer carries bits (FC 1, 2).</summary>
    public bool ReadsBits => Function is ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs;

    /// <summary>True for the function codes whose answer carries registers (FC 3, 4, 23).</summary>
    public bool ReadsRegisters => Function is ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters;

    public static ModbusRequest ReadCoils(ushort address, int count) => ReadBits(ModbusFunctionCode.ReadCoils, address, count);

    public static ModbusRequest ReadDiscreteInputs(ushort address, int count) => ReadBits(ModbusFunctionCode.ReadDiscreteInputs, address, count);

    public static ModbusRequest ReadHoldingRegisters(ushort address, int count) => ReadRegs(ModbusFunctionCode.ReadHoldingRegisters, address, count);

    public static ModbusRequest ReadInputRegisters(ushort address, int count) => ReadRegs(ModbusFunctionCode.ReadInputRegisters, address, count);

    public static ModbusRequest WriteSingleCoil(ushort address, bool on) => new(ModbusFunctionCode.WriteSingleCoil, address, 1, on ? (ushort)0xFF00 : (ushort)0);

    public static ModbusRequest WriteSingleRegister(ushort address, ushort value) => new(ModbusFunctionCode.WriteSingleRegister, address, 1, value);

    public static ModbusRequest WriteMultipleCoils(ushort address, ReadOnlyMemory<bool> values)
    {
        CheckQuantity(values.Length, MaxWriteBits, nameof(values));
        CheckRange(address, values.Length);
        return new(ModbusFunctionCode.WriteMultipleCoils, address, (ushort)values.Length, bits: values);
    }

    public static ModbusRequest WriteMultipleRegisters(ushort address, ReadOnlyMemory<ushort> values)
    {
        CheckQuantity(values.Length, MaxWriteRegisters, nameof(values));
        CheckRange(address, values.Length);
        return new(ModbusFunctionCode.WriteMultipleRegisters, address, (ushort)values.Length, registers: values);
    }

    /// <summary>FC 23: writes <paramref name="values"/> at <paramref name="writeAddress"/>, then reads <paramref name="readCount"/> registers.</summary>
    public static ModbusRequest ReadWriteMultipleRegisters(ushort readAddress, int readCount, ushort writeAddress, ReadOnlyMemory<ushort> values)
    {
        CheckQuantity(readCount, MaxReadRegisters, nameof(readCount));
        CheckRange(readAddress, readCount);
        CheckQuantity(values.Length, MaxReadWriteWriteRegisters, nameof(values));
        CheckRange(writeAddress, values.Length);
        return new(ModbusFunctionCode.ReadWriteMultipleRegisters, readAddress, (ushort)readCount, registers: values, writeAddress: writeAddress);
    }

    /// <summary>MEI type of Read Device Identification inside FC 43.</summary>
    public const byte ReadDeviceIdentificationMeiType = 0x0E;

    /// <summary>
    /// FC 43 / MEI 14: asks for the identification objects from <paramref name="objectId"/> on; <paramref name="readCode"/>
    /// 1 = basic (vendor, product code, revision), 2 = regular, 3 = extended, 4 = one specific object.
    /// </summary>
    public static ModbusRequest ReadDeviceIdentification(byte readCode = 1, byte objectId = 0)
    {
        if (readCode is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(readCode), readCode, "Read device ID code is 1..4.");
        return new(ModbusFunctionCode.EncapsulatedInterfaceTransport, objectId, 0, readCode);
    }

    /// <summary>Bytes the request PDU takes (function code included).</summary>
    public int PduLength => Function switch
    {
        ModbusFunctionCode.WriteMultipleCoils => 6 + (Quantity + 7) / 8,
        ModbusFunctionCode.WriteMultipleRegisters => 6 + 2 * Quantity,
        ModbusFunctionCode.ReadWriteMultipleRegisters => 10 + 2 * Registers.Length,
        ModbusFunctionCode.EncapsulatedInterfaceTransport => 4,
        _ => 5,
    };

    /// <summary>Writes the PDU into <paramref name="destination"/> and returns its length.</summary>
    public int WritePdu(Span<byte> destination)
    {
        int length = PduLength;
        if (destination.Length < length) throw new ArgumentException($"The PDU needs {length} bytes, the buffer has {destination.Length}.", nameof(destination));
        destination[0] = (byte)Function;
        if (Function == ModbusFunctionCode.EncapsulatedInterfaceTransport)
        {
            destination[1] = ReadDeviceIdentificationMeiType;
            destination[2] = (byte)Value;
            destination[3] = (byte)Address;
            return length;
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], Address);
        switch (Function)
        {
            case ModbusFunctionCode.WriteSingleCoil:
            case ModbusFunctionCode.WriteSingleRegister:
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], Value);
                break;
            case ModbusFunctionCode.WriteMultipleCoils:
            {
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], Quantity);
                int byteCount = (Quantity + 7) / 8;
                destination[5] = (byte)byteCount;
                var data = destination.Slice(6, byteCount);
                data.Clear();
                var bits = Bits.Span;
                for (int i = 0; i < bits.Length; i++)
                {
                    if (bits[i]) data[i >> 3] |= (byte)(1 << (i & 7));
                }
                break;
            }
            case ModbusFunctionCode.WriteMultipleRegisters:
            {
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], Quantity);
                destination[5] = (byte)(2 * Quantity);
                WriteRegisters(destination[6..], Registers.Span);
                break;
            }
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
            {
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], Quantity);
                BinaryPrimitives.WriteUInt16BigEndian(destination[5..], WriteAddress);
                BinaryPrimitives.WriteUInt16BigEndian(destination[7..], (ushort)Registers.Length);
                destination[9] = (byte)(2 * Registers.Length);
                WriteRegisters(destination[10..], Registers.Span);
                break;
            }
            default:
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], Quantity);
                break;
        }
        return length;
    }

    public override string ToString() => Function switch
    {
        ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister => $"{Function} address {Address} value 0x{Value:X4}",
        ModbusFunctionCode.EncapsulatedInterfaceTransport => $"ReadDeviceIdentification code {Value} from object {Address}",
        ModbusFunctionCode.ReadWriteMultipleRegisters => $"{Function} read address {Address} count {Quantity}, write address {WriteAddress} count {Registers.Length}",
        _ => $"{Function} address {Address} count {Quantity}",
    };

    private static void WriteRegisters(Span<byte> destination, ReadOnlySpan<ushort> registers)
    {
        for (int i = 0; i < registers.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(destination[(2 * i)..], registers[i]);
    }

    private static ModbusRequest ReadBits(ModbusFunctionCode function, ushort address, int count)
    {
        CheckQuantity(count, MaxReadBits, nameof(count));
        CheckRange(address, count);
        return new(function, address, (ushort)count);
    }

    private static ModbusRequest ReadRegs(ModbusFunctionCode function, ushort address, int count)
    {
        CheckQuantity(count, MaxReadRegisters, nameof(count));
        CheckRange(address, count);
        return new(function, address, (ushort)count);
    }

    private static void CheckQuantity(int count, int max, string name)
    {
        if (count < 1 || count > max)
            throw new ArgumentOutOfRangeException(name, count, $"Modbus allows 1 to {max} here, not {count}.");
    }

    private static void CheckRange(ushort address, int count)
    {
        if (address + count > 0x10000)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Address {address} + count {count} runs past 65535.");
    }
}
