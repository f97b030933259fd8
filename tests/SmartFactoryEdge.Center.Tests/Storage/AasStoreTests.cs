using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;

namespace SmartFactoryEdge.Center.Tests.Storage;

/// <summary>Both stores keep the latest AAS environment per gateway.</summary>
[Collection("postgres")]
public sealed class AasStoreTests(PostgresFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-aas-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task KeepsTheLatestPerGatewayAsync(ICenterStore store)
    {
        await store.InitializeAsync(default);
        await store.StoreAasAsync(new AasRecord("p", "gw-2", 1, "{\"assetAdministrationShells\":[]}"), default);
        await store.StoreAasAsync(new AasRecord("p", "gw-1", 2, "{\"a\":1}"), default);
        await store.StoreAasAsync(new AasRecord("p", "gw-1", 3, "{\"a\":\"프레스 2\"}"), default);
        var all = await store.ReadAasAsync(default);
        Assert.Equal(["gw-1", "gw-2"], all.Select(a => a.Gateway));
        Assert.Equal((3L, "{\"a\":\"프레스 2\"}"), (all[0].ReceivedMicros, all[0].Json));
    }

    [Fact]
    public async Task SqliteKeepsTheLatestPerGateway()
    {
        await using var store = new SqliteCenterStore(Path.Combine(_dir, "c.db"));
        await KeepsTheLatestPerGatewayAsync(store);
    }

    [Fact]
    public async Task PostgresKeepsTheLatestPerGateway()
    {
        await using var store = new PostgresCenterStore(await fixture.NewDatabaseAsync());
        await KeepsTheLatestPerGatewayAsync(store);
    }
}
