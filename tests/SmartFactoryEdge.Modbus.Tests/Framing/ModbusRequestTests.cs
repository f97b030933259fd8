using SmartFactoryEdge.Modbus.Framing;

namespace SmartFactoryEdge.Modbus.Tests.Framing;

public class ModbusRequestTests
{
    private static byte[] Pdu(ModbusRequest request)
    {
        var buffer = new byte[request.PduLength];
        Assert.Equal(buffer.Length, request.WritePdu(buffer));
        return buffer;
    }

    [Fact]
    public void EncodesEveryFunctionCodeAsTheSpecificationExamplesShow()
    {
        // Modbus Application Protocol 1.1b3, section 6 examples (addresses zero-based)
        Assert.Equal([0x01, 0x00, 0x13, 0x00, 0x13], Pdu(ModbusRequest.ReadCoils(0x13, 19)));
        Assert.Equal([0x02, 0x00, 0xC4, 0x00, 0x16], Pdu(ModbusRequest.ReadDiscreteInputs(0xC4, 22)));
        Assert.Equal([0x03, 0x00, 0x6B, 0x00, 0x03], Pdu(ModbusRequest.ReadHoldingRegisters(0x6B, 3)));
        Assert.Equal([0x04, 0x00, 0x08, 0x00, 0x01], Pdu(ModbusRequest.ReadInputRegisters(0x08, 1)));
        Assert.Equal([0x05, 0x00, 0xAC, 0xFF, 0x00], Pdu(ModbusRequest.WriteSingleCoil(0xAC, true)));
        Assert.Equal([0x05, 0x00, 0xAC, 0x00, 0x00], Pdu(ModbusRequest.WriteSingleCoil(0xAC, false)));
        Assert.Equal([0x06, 0x00, 0x01, 0x00, 0x03], Pdu(ModbusRequest.WriteSingleRegister(0x01, 3)));
        bool[] coils = [true, false, true, true, false, false, true, true, true, false];
        Assert.Equal([0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01], Pdu(ModbusRequest.WriteMultipleCoils(0x13, coils)));
        Assert.Equal([0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02], Pdu(ModbusRequest.WriteMultipleRegisters(0x01, new ushort[] { 0x000A, 0x0102 })));
        Assert.Equal([0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x03, 0x06, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF],
            Pdu(ModbusRequest.ReadWriteMultipleRegisters(0x03, 6, 0x0E, new ushort[] { 0xFF, 0xFF, 0xFF })));
        Assert.Equal([0x2B, 0x0E, 0x01, 0x00], Pdu(ModbusRequest.ReadDeviceIdentification()));
    }

    [Fact]
    public void RefusesQuantitiesOutsideTheSpecificationLimits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadHoldingRegisters(0, 126));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadInputRegisters(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadCoils(0, 2001));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleRegisters(0, new ushort[124]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.WriteMultipleCoils(0, new bool[1969]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadWriteMultipleRegisters(0, 1, 0, new ushort[122]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusRequest.ReadHoldingRegisters(65535, 2));
        Assert.Equal(125, ModbusRequest.ReadHoldingRegisters(65411, 125).Quantity);
        Assert.Equal(2000, ModbusRequest.ReadCoils(0, 2000).Quantity);
    }

    [Fact]
    public void WritesTcpAndRtuAdus()
    {
        var request = ModbusRequest.ReadHoldingRegisters(0, 10);
        var tcp = new byte[ModbusTcpFraming.MaxAduLength];
        int n = ModbusTcpFraming.WriteRequest(tcp, 0x1234, 0x11, request);
        Assert.Equal([0x12, 0x34, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x00, 0x00, 0x0A], tcp[..n]);
        var rtu = new byte[ModbusRtuFraming.MaxAduLength];
        n = ModbusRtuFraming.WriteRequest(rtu, 0x01, request);
        Assert.Equal([0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD], rtu[..n]);
    }
}
