using SmartFactoryEdge.TestKit.Center;

namespace SmartFactoryEdge.Center.Tests;

/// <summary>One PostgreSQL server for every test class in the "postgres" collection; each test makes its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresServer? Server { get; private set; }

    /// <summary>Why the server is not there (not installed), or null.</summary>
    public string? SkipReason { get; private set; }

    public async Task InitializeAsync()
    {
        if (!PostgresServer.IsInstalled)
        {
            SkipReason = $"PostgreSQL is not installed in {PostgresServer.BinDirectory} (scripts/install.d/50-center.sh)";
            return;
        }
        Server = await PostgresServer.StartAsync();
    }

    /// <summary>A fresh database's connection string.</summary>
    public Task<string> NewDatabaseAsync() =>
        Server is null ? throw new InvalidOperationException(SkipReason) : Server.CreateDatabaseAsync("t" + Interlocked.Increment(ref _databases));

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
