using SmartFactoryEdge.Core;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Modbus;

namespace SmartFactoryEdge.Modbus.Tests.Client;

/// <summary>One pymodbus TCP server (every unit id answered) shared by the tests of a class.</summary>
public sealed class PymodbusTcpFixture : IAsyncLifetime
{
    public PymodbusServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PymodbusServer.StartTcpAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public class ModbusClientTests(PymodbusTcpFixture fixture) : IClassFixture<PymodbusTcpFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private ModbusTcpClient NewClient(ModbusClientOptions? options = null) => new(fixture.Server.Host, fixture.Server.Port, options);

    [Fact]
    public async Task ReadsEveryKindOfDataItem()
    {
        await using var client = NewClient();
        var coils = new bool[10];
        await client.ReadCoilsAsync(1, 10, coils).WaitAsync(Guard);
        Assert.Equal([true, false, true, false, true, false, true, false, true, false], coils);

        var inputs = new bool[11];
        await client.ReadDiscreteInputsAsync(1, 100, inputs).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(100, 11).Select(a => a % 5 == 0), inputs);

        var holding = new ushort[10];
        await client.ReadHoldingRegistersAsync(1, 10, holding).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(1000, 10).Select(v => (ushort)v), holding);

        var input = new ushort[1];
        await client.ReadInputRegistersAsync(1, 1016, input).WaitAsync(Guard); // uint16 54321 in the typed area
        Assert.Equal(54321, input[0]);
    }

    [Fact]
    public async Task ReadsTheLargestQuantitiesTheSpecificationAllows()
    {
        await using var client = NewClient();
        var registers = new ushort[125];
        await client.ReadHoldingRegistersAsync(1, 1000, registers).WaitAsync(Guard);
        Assert.Equal(0xCFC7, registers[0]); // int16 -12345, ABCD
        var coils = new bool[2000];
        await client.ReadCoilsAsync(1, 100, coils).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(100, 2000).Select(a => a % 3 == 0), coils);
    }

    [Fact]
    public async Task WritesWithEveryWriteFunctionAndReadsBack()
    {
        await using var client = NewClient();
        await client.WriteSingleRegisterAsync(1, 110, 0xBEEF).WaitAsync(Guard);           // FC 6
        await client.WriteMultipleRegistersAsync(1, 111, new ushort[] { 1, 2, 3, 65535 }).WaitAsync(Guard); // FC 16
        var back = new ushort[5];
        await client.ReadHoldingRegistersAsync(1, 110, back).WaitAsync(Guard);
        Assert.Equal([0xBEEF, 1, 2, 3, 65535], back);

        await client.WriteSingleCoilAsync(1, 40, true).WaitAsync(Guard);                  // FC 5
        await client.WriteMultipleCoilsAsync(1, 41, new[] { true, false, true, true, false, false, true, true, true }).WaitAsync(Guard); // FC 15
        var coils = new bool[10];
        await client.ReadCoilsAsync(1, 40, coils).WaitAsync(Guard);
        Assert.Equal([true, true, false, true, true, false, false, true, true, true], coils);

        var read = new ushort[3];                                                           // FC 23: write 120..121, read 120..122
        await client.ReadWriteMultipleRegistersAsync(1, 120, read, 120, new ushort[] { 7, 8 }).WaitAsync(Guard);
        Assert.Equal([7, 8, 0], read);
    }

    [Fact]
    public async Task ExceptionResponsesNameTheCodeUnitFunctionAndAddress()
    {
        await using var client = NewClient();
        var error = await Assert.ThrowsAsync<ModbusException>(() => client.ReadHoldingRegistersAsync(3, 1290, new ushort[20]).WaitAsync(Guard));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, error.Code);
        Assert.Equal(3, error.UnitId);
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, error.Function);
        Assert.Equal(1290, error.Address);
        Assert.Contains("IllegalDataAddress (0x02)", error.Message);
        Assert.Contains($"{fixture.Server.Host}:{fixture.Server.Port}", error.Message);
        // the connection stays usable after an exception response
        var ok = new ushort[1];
        await client.ReadHoldingRegistersAsync(3, 10, ok).WaitAsync(Guard);
        Assert.Equal(1000, ok[0]);
    }

    [Fact]
    public async Task ReadsTheDeviceIdentification()
    {
        await using var client = NewClient();
        var id = await client.ReadDeviceIdentificationAsync(1, readCode: 2).WaitAsync(Guard);
        Assert.Equal("SmartFactoryEdge", id.VendorName);
        Assert.Equal("SFE-SIM", id.ProductCode);
        Assert.Equal("1.0", id.Revision);
        Assert.Equal("Simulated line", id.ProductName);
    }

    [Fact]
    public async Task ManyRequestsInFlightAreMatchedByTransactionId()
    {
        await using var client = NewClient(new ModbusClientOptions { MaxRequestsInFlight = 8 });
        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            var r = new ushort[1];
            await client.ReadHoldingRegistersAsync(1, (ushort)(10 + i % 10), r);
            return (i, r[0]);
        }).ToArray();
        foreach (var (i, value) in await Task.WhenAll(tasks).WaitAsync(Guard))
            Assert.Equal(1000 + i % 10, value);
        Assert.Equal(1, client.ConnectCount);
    }

    [Fact]
    public async Task RtuFramesOverTcpWork()
    {
        await using var server = await PymodbusServer.StartTcpAsync(rtuFraming: true);
        await using var client = new ModbusRtuOverTcpClient(server.Host, server.Port);
        var holding = new ushort[10];
        await client.ReadHoldingRegistersAsync(1, 10, holding).WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(1000, 10).Select(v => (ushort)v), holding);
        var coils = new bool[4];
        await client.ReadCoilsAsync(1, 10, coils).WaitAsync(Guard);
        Assert.Equal([true, false, true, false], coils);
        await client.WriteSingleRegisterAsync(1, 130, 4242).WaitAsync(Guard);
        var back = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 130, back).WaitAsync(Guard);
        Assert.Equal(4242, back[0]);
    }

    [Fact]
    public async Task AUnitThatNeverAnswersTimesOutWithoutHurtingTheOthers()
    {
        await using var server = await PymodbusServer.StartTcpAsync(units: "1");
        var timeout = TimeSpan.FromMilliseconds(300);
        await using var client = new ModbusTcpClient(server.Host, server.Port, new ModbusClientOptions { RequestTimeout = timeout });
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(2, 10, new ushort[1]).WaitAsync(Guard));
        Assert.InRange(DateTime.UtcNow - started, timeout * 0.9, Guard);
        Assert.Equal(2, error.UnitId);
        Assert.Contains("did not answer", error.Message);
        var ok = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 10, ok).WaitAsync(Guard);
        Assert.Equal(1000, ok[0]);
    }

    [Fact]
    public async Task ReconnectsAfterTheServerRestarts()
    {
        int port = FreePort.Next();
        var server = await PymodbusServer.StartTcpAsync(port: port);
        await using var client = new ModbusTcpClient("127.0.0.1", port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(2) });
        var r = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 10, r).WaitAsync(Guard);
        server.Process.Signal(9);
        await server.Process.WaitForExitAsync(Guard);
        await server.DisposeAsync();
        await Assert.ThrowsAnyAsync<PeerUnavailableException>(() => client.ReadHoldingRegistersAsync(1, 10, r).WaitAsync(Guard));
        Assert.False(client.IsConnected);

        await using var restarted = await PymodbusServer.StartTcpAsync(port: port);
        await client.ReadHoldingRegistersAsync(1, 11, r).WaitAsync(Guard);
        Assert.Equal(1001, r[0]);
        Assert.Equal(2, client.ConnectCount);
    }

    [Fact]
    public async Task RefusedConnectionsArePeerUnavailable()
    {
        await using var client = new ModbusTcpClient("127.0.0.1", FreePort.Next());
        var error = await Assert.ThrowsAsync<PeerUnavailableException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[1]).WaitAsync(Guard));
        Assert.Contains("127.0.0.1", error.Message);
    }

    [Fact]
    public async Task CancellationPassesThroughUnchanged()
    {
        await using var server = await PymodbusServer.StartTcpAsync(units: "1");
        await using var client = new ModbusTcpClient(server.Host, server.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReadHoldingRegistersAsync(9, 0, new ushort[1], cts.Token).WaitAsync(Guard));
    }
}
