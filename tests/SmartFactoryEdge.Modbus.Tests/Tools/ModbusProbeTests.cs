using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Tools;
using SmartFactoryEdge.TestKit.Modbus;

namespace SmartFactoryEdge.Modbus.Tests.Tools;

/// <summary>pymodbus serving units 1 and 2 only.</summary>
public sealed class TwoUnitServerFixture : IAsyncLifetime
{
    public PymodbusServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PymodbusServer.StartTcpAsync(units: "1,2");

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public class ModbusProbeTests(TwoUnitServerFixture fixture) : IClassFixture<TwoUnitServerFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    private ModbusClient Client(int timeoutMs = 1000) =>
        ModbusProbe.CreateClient($"{fixture.Server.Host}:{fixture.Server.Port}", new ModbusClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs) });

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5", 502)]
    [InlineData("plc.local:1502", "plc.local", 1502)]
    [InlineData("[::1]:5020", "::1", 5020)]
    [InlineData("[fe80::1]", "fe80::1", 502)]
    public void ParsesTargets(string target, string host, int port) => Assert.Equal((host, port), ModbusProbe.ParseHostPort(target));

    [Theory]
    [InlineData("plc:0")]
    [InlineData("plc:70000")]
    [InlineData("plc:http")]
    public void RefusesBadPorts(string target) => Assert.Contains(target, Assert.Throws<FormatException>(() => ModbusProbe.ParseHostPort(target)).Message);

    [Fact]
    public void ParsesRanges()
    {
        Assert.Equal([1, 2, 3, 7, 10, 11], ModbusProbe.ParseRanges("1-3, 7,10-11", 0, 255));
        Assert.Throws<FormatException>(() => ModbusProbe.ParseRanges("0-300", 0, 255));
    }

    [Fact]
    public async Task ReadsAndDecodesValuesLikeTheCliDoes()
    {
        await using var client = Client();
        var floats = await ModbusProbe.ReadAsync(client, 1, 3, 1000 + 16 * 5, 4, ModbusDataType.Float32, WordOrder.ABCD, 1, 0, default).WaitAsync(Guard);
        Assert.Equal([1080, 1082, 1084, 1086], floats.Select(v => v.Address));
        Assert.Equal((float)-273.15, floats[0].Value.AsDouble);                // ABCD at 1080
        Assert.Equal([0xC388, 0x9333], floats[0].Raw);
        var many = await ModbusProbe.ReadAsync(client, 1, 4, 1000, 200, ModbusDataType.UInt16, WordOrder.ABCD, 1, 0, default).WaitAsync(Guard); // two requests
        Assert.Equal(200, many.Count);
        var text = await ModbusProbe.ReadAsync(client, 2, 4, 1210, 7, ModbusDataType.String, WordOrder.BADC, 1, 0, default).WaitAsync(Guard);
        Assert.Equal("SFE-MODBUS-01", Assert.Single(text).Value.AsString);
        var coils = await ModbusProbe.ReadAsync(client, 1, 1, 10, 3, ModbusDataType.Bool, WordOrder.ABCD, 1, 0, default).WaitAsync(Guard);
        Assert.Equal([true, false, true], coils.Select(c => c.Value.AsBoolean));
    }

    [Fact]
    public async Task ScanFindsTheUnitsThatAnswer()
    {
        await using var client = Client(timeoutMs: 150);
        var outcomes = new List<ProbeOutcome>();
        await foreach (var o in ModbusProbe.ScanUnitsAsync(client, [1, 2, 3, 4], 3, 0, default).WithCancellation(default)) outcomes.Add(o);
        Assert.Equal([1, 2], outcomes.Where(o => o.Answered).Select(o => o.Unit));
        Assert.Equal("no answer", outcomes.Single(o => o.Unit == 3).Answer);
    }

    [Fact]
    public async Task AddressScanMergesRangesWithTheSameAnswer()
    {
        await using var client = Client();
        var outcomes = new List<ProbeOutcome>();
        await foreach (var o in ModbusProbe.ScanAddressesAsync(client, 1, 3, 0, 1999, 100, default)) outcomes.Add(o);
        Assert.Equal(2, outcomes.Count);
        Assert.Equal("unit 1 addresses 0..1299: readable", outcomes[0].ToString());
        Assert.Equal("unit 1 addresses 1300..1999: IllegalDataAddress (0x02)", outcomes[1].ToString());
    }
}
