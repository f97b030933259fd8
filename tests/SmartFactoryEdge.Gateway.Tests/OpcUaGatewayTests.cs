using System.Text.Json;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Mqtt;
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

    [Fact]
    public async Task RetainedStateNamesEachSourcesSecurityAndFlagsNone()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var config = Path.Combine(_dir, "gateway-state.yaml");
        File.WriteAllText(config, string.Join("\n",
            "gateway: { id: gw-opcua-state, site: lab, statusInterval: 200ms }",
            "sources:",
            "  opcua:",
            "    - name: plain",
            $"      endpointUrl: {_server.EndpointUrl}",
            "      securityPolicy: None",
            "      tags: [{ id: plain.temperature, nodeId: \"ns=1;s=Line1.Press01.Temperature\" }]",
            "    - name: secure",
            $"      endpointUrl: {_server.EndpointUrl}",
            "      pkiPath: pki",
            "      autoAcceptUntrusted: true",
            "      tags: [{ id: secure.temperature, nodeId: \"ns=1;s=Line1.Press01.Temperature\" }]",
            "mqtt:",
            "  host: 127.0.0.1",
            $"  port: {broker.AnonymousPort}") + "\n");
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", config], _dir, name: "sfe");
        await using var sub = PeerProcess.Start("mosquitto_sub", ["-h", "127.0.0.1", "-p", broker.AnonymousPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-t", "sfe/v1/+/+/state", "-W", "90"], name: "mosquitto_sub");
        // the retained state is republished when it changes: wait for the one that knows both connections
        var line = await sub.WaitForLineAsync("^\\{.*\"source\":\"opcua:plain\",\"endpoint\".*\"source\":\"opcua:secure\",\"endpoint\".*", TimeSpan.FromSeconds(90));
        sfe.Signal(15);
        await sfe.WaitForExitAsync(TimeSpan.FromSeconds(30));

        using var json = JsonDocument.Parse(line.Value);
        var opcua = json.RootElement.GetProperty("opcua").EnumerateArray().ToDictionary(e => e.GetProperty("source").GetString()!);
        var plain = opcua["opcua:plain"];
        Assert.Equal("None", plain.GetProperty("securityPolicy").GetString());
        Assert.True(plain.GetProperty("insecure").GetBoolean());
        Assert.Contains("None", plain.GetProperty("warning").GetString(), StringComparison.Ordinal);
        var secure = opcua["opcua:secure"];
        Assert.Equal(_server.EndpointUrl, secure.GetProperty("endpoint").GetString());
        Assert.Equal("Basic256Sha256", secure.GetProperty("securityPolicy").GetString());
        Assert.Equal("SignAndEncrypt", secure.GetProperty("securityMode").GetString());
        Assert.Equal("anonymous", secure.GetProperty("identity").GetString());
        Assert.False(secure.GetProperty("insecure").GetBoolean());
        Assert.False(secure.TryGetProperty("warning", out _));
    }
}
