using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.Modbus.Tests.Client;

namespace SmartFactoryEdge.Modbus.Tests.Source;

public class ModbusSourceRtuTests(PymodbusRtuFixture fixture) : IClassFixture<PymodbusRtuFixture>
{
    [Fact]
    public async Task ADeadUnitOnTheSameSerialLineDoesNotStallALiveOne()
    {
        await SharedLineScenario.RunAsync(new ModbusDeviceOptions { Transport = ModbusTransportKind.Rtu, Serial = fixture.Serial });
    }
}
