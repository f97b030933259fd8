namespace SmartFactoryEdge.Center.Storage;

/// <summary>Which store the center writes to.</summary>
public enum CenterStoreKind
{
    /// <summary>One SQLite file per center (WAL); the default.</summary>
    Sqlite,

    /// <summary>PostgreSQL (or TimescaleDB) shared by several center instances.</summary>
    Postgres,
}

/// <summary>Creates the configured store.</summary>
public static class CenterStoreFactory
{
    public static ICenterStore Create(CenterStoreKind kind, string connection) => kind switch
    {
        CenterStoreKind.Sqlite => new SqliteCenterStore(connection),
        CenterStoreKind.Postgres => new PostgresCenterStore(connection),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown store kind"),
    };
}
