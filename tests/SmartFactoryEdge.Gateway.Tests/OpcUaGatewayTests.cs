using System.Text.Json;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.OpcUa;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>The gateway configured with sources.opcua collects from a real node-opcua server into its sinks.</summary>
public sealed class OpcUaGatewayTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-opcua-gw-").FullName;
    private OpcUaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OpcUaTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task SubscribedTagsArriveWithSourceTimestampQualityAndTheServersUnit()
    {
        var config = Path.Combine(_dir, "gateway.yaml");
        File.WriteAllText(config, string.Join("\n",
            "gateway: { id: gw-opcua, site: lab }",
            "sources:",
            "  opcua:",
            "    - name: press01",
            $"      endpointUrl: {_server.EndpointUrl}",
            "      securityPolicy: None",
            "      publishingIntervalMs: 100",
            "      tags:",
            "        - { id: press01.temperature, nodeId: \"ns=1;s=Line1.Press01.Temperature\" }",
            "        - { id: press01.spindleSpeed, nodeId: \"ns=1;s=Line1.Press01.SpindleSpeed\" }",
            "sinks:",
            "  console: { enabled: true }") + "\n");
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");
        var line = await sfe.WaitForLineAsync("^\\{\"tag\":\"press01\\.temperature\".*", TimeSpan.FromSeconds(60));
        await sfe.WaitForLineAsync("^\\{\"tag\":\"press01\\.spindleSpeed\".*", TimeSpan.FromSeconds(30));
        sfe.Signal(15);
        Assert.Equal(0, await sfe.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        using var json = JsonDocument.Parse(line.Value);
        var sample = json.RootElement;
        Assert.Equal(0u, sample.GetProperty("q").GetUInt32());
        Assert.Equal("°C", sample.GetProperty("unit").GetString());
        Assert.InRange(sample.GetProperty("v").GetDouble(), 0, 200);
        var ts = sample.GetProperty("ts").GetDateTime().ToUniversalTime();
        Assert.InRange(ts, DateTime.UtcNow.AddMinutes(-2), DateTime.UtcNow.AddMinutes(1));
    }
}
