using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.Modbus.Transport.Serial;
using SmartFactoryEdge.TestKit.Modbus;

namespace SmartFactoryEdge.Modbus.Tests.Client;

/// <summary>A socat pseudo-terminal pair with pymodbus serving RTU (units 1 and 2) on one end.</summary>
public sealed class PymodbusRtuFixture : IAsyncLifetime
{
    public const int BaudRate = 19200;

    public SocatPtyPair Line { get; private set; } = null!;

    public PymodbusServer Server { get; private set; } = null!;

    public SerialPortOptions Serial => new() { Device = Line.DeviceA, BaudRate = BaudRate, Parity = SerialParity.None, StopBits = 1 };

    public async Task InitializeAsync()
    {
        Line = await SocatPtyPair.StartAsync();
        Server = await PymodbusServer.StartSerialAsync(Line.DeviceB, BaudRate, units: "1,2");
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Line.DisposeAsync();
    }
}

public class ModbusRtuClientTests(PymodbusRtuFixture fixture) : IClassFixture<PymodbusRtuFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SpeaksEveryFunctionCodeOverASerialLine()
    {
        await using var client = new ModbusRtuClient(fixture.Serial);
        var holding = new ushort[10];
        await client.ReadHoldingRegistersAsync(1, 10, holding).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(1000, 10).Select(v => (ushort)v), holding);
        var input = new ushort[2];
        await client.ReadInputRegistersAsync(2, 1032, input).WaitAsync(Guard); // int32 -123456789 ABCD
        Assert.Equal(-123456789, (input[0] << 16) | input[1]);
        var coils = new bool[2000];
        await client.ReadCoilsAsync(1, 100, coils).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(100, 2000).Select(a => a % 3 == 0), coils);
        var inputs = new bool[7];
        await client.ReadDiscreteInputsAsync(2, 100, inputs).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(100, 7).Select(a => a % 5 == 0), inputs);

        await client.WriteSingleRegisterAsync(1, 140, 77).WaitAsync(Guard);
        await client.WriteMultipleRegistersAsync(1, 141, new ushort[] { 78, 79 }).WaitAsync(Guard);
        var read = new ushort[4];
        await client.ReadWriteMultipleRegistersAsync(1, 140, read, 143, new ushort[] { 80 }).WaitAsync(Guard);
        Assert.Equal([77, 78, 79, 80], read);

        await client.WriteSingleCoilAsync(1, 50, true).WaitAsync(Guard);
        await client.WriteMultipleCoilsAsync(1, 51, new[] { false, true, true }).WaitAsync(Guard);
        var back = new bool[4];
        await client.ReadCoilsAsync(1, 50, back).WaitAsync(Guard);
        Assert.Equal([true, false, true, true], back);

        var id = await client.ReadDeviceIdentificationAsync(2).WaitAsync(Guard);  // FC 43 / 14
        Assert.Equal("SFE-SIM", id.ProductCode);
    }

    [Fact]
    public async Task ExceptionsAndSilentUnitsAreReportedAndTheLineStaysUsable()
    {
        await using var client = new ModbusRtuClient(fixture.Serial, new ModbusClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        var error = await Assert.ThrowsAsync<ModbusException>(() => client.ReadHoldingRegistersAsync(1, 1295, new ushort[10]).WaitAsync(Guard));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, error.Code);
        Assert.Contains(fixture.Line.DeviceA, error.Message);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(9, 10, new ushort[1]).WaitAsync(Guard));
        var ok = new ushort[1];
        await client.ReadHoldingRegistersAsync(2, 12, ok).WaitAsync(Guard);
        Assert.Equal(1002, ok[0]);
    }

    [Fact]
    public void OpeningAMissingDeviceNamesIt()
    {
        var error = Assert.Throws<IOException>(() => SerialPort.Open(new SerialPortOptions { Device = "/dev/does-not-exist-sfe" }));
        Assert.Contains("/dev/does-not-exist-sfe", error.Message);
    }
}
