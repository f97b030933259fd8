using SmartFactoryEdge.TestKit.OpcUa;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace SmartFactoryEdge.OpcUa.Tests.Integration;

/// <summary>One node-opcua server shared by a test class (it takes ~3 s to start).</summary>
public class OpcUaServerFixture : IAsyncLifetime
{
    public OpcUaTestServer Server { get; private set; } = null!;

    public string Url => Server.EndpointUrl;

    protected virtual string[] Arguments => ["--load", "1000", "--load-ms", "250"];

    public async Task InitializeAsync() => Server = await OpcUaTestServer.StartAsync(Arguments);

    public async Task DisposeAsync() { if (Server is not null) await Server.DisposeAsync(); }
}
