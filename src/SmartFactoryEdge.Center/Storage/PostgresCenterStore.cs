using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Storage;

/// <summary>
/// The scale-out store: PostgreSQL shared by several center instances. Each call binary-COPYs the batches and their rows
/// into session-local staging tables, then in one statement inserts the batch keys with ON CONFLICT DO NOTHING and
/// only the rows of the batches that were new. Two instances racing on the same (gateway, sequence) serialise on the
/// primary key: the loser inserts nothing. The samples table has no unique index, so it can be a TimescaleDB
/// hypertable on source_ts (created when the timescaledb extension is installed).
/// </summary>
public sealed class PostgresCenterStore : ICenterStore
{
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS batches (
            gateway text NOT NULL, sequence bigint NOT NULL, site text NOT NULL, replayed boolean NOT NULL,
            created timestamptz NOT NULL, received timestamptz NOT NULL, encoding text NOT NULL, sample_count integer NOT NULL,
            PRIMARY KEY (gateway, sequence));
        CREATE TABLE IF NOT EXISTS samples (
            site text NOT NULL, gateway text NOT NULL, asset text NOT NULL, tag text NOT NULL,
            source_ts timestamptz NOT NULL, received_ts timestamptz NOT NULL, quality bigint NOT NULL, unit text,
            kind smallint NOT NULL, value double precision, value_int bigint, value_text text, sequence bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS samples_by_time ON samples (source_ts);
        CREATE TABLE IF NOT EXISTS dead_letters (
            id bigserial PRIMARY KEY, topic text NOT NULL, payload bytea NOT NULL, reason text NOT NULL, received timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS anomalies (
            site text NOT NULL, gateway text NOT NULL, asset text NOT NULL, tag text NOT NULL, detector text NOT NULL,
            ts timestamptz NOT NULL, score double precision, threshold double precision, value double precision,
            model_version text NOT NULL, received timestamptz NOT NULL, UNIQUE (gateway, detector, tag, asset, ts));
        CREATE TABLE IF NOT EXISTS aas_documents (site text NOT NULL, gateway text NOT NULL, received bigint NOT NULL, json text NOT NULL, PRIMARY KEY (site, gateway));
        CREATE TABLE IF NOT EXISTS gateway_states (
            site text NOT NULL, gateway text NOT NULL, online boolean NOT NULL, ts timestamptz NOT NULL,
            received timestamptz NOT NULL, encoding text, UNIQUE (gateway, online, ts));
        """;

    private const string Staging = """
        CREATE TEMP TABLE IF NOT EXISTS staging_batches (LIKE batches) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS staging_samples (LIKE samples) ON COMMIT DELETE ROWS;
        """;

    private readonly NpgsqlDataSource _dataSource;
    private NpgsqlConnection? _connection;

    public PostgresCenterStore(string connectionString) => _dataSource = NpgsqlDataSource.Create(connectionString);

    /// <summary>True when the samples table was made a TimescaleDB hypertable.</summary>
    public bool IsHypertable { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        _connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // several instances may start together: serialise schema creation on an advisory lock
        await ExecuteAsync("SELECT pg_advisory_lock(725001)", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(Schema, cancellationToken).ConfigureAwait(false);
            await using var check = new NpgsqlCommand("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'", _connection);
            if ((long)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                await ExecuteAsync("SELECT create_hypertable('samples', 'source_ts', if_not_exists => TRUE, migrate_data => TRUE)", cancellationToken).ConfigureAwait(false);
                IsHypertable = true;
            }
        }
        finally
        {
            await ExecuteAsync("SELECT pg_advisory_unlock(725001)", cancellationToken).ConfigureAwait(false);
        }
        await ExecuteAsync(Staging, cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, Connection);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlConnection Connection => _connection ?? throw new InvalidOperationException("InitializeAsync first.");

    private static readonly long MinMicros = UnixMicros.From(DateTime.MinValue);
    private static readonly long MaxMicros = UnixMicros.From(DateTime.MaxValue);

    private static DateTime Ts(long micros) => UnixMicros.ToDateTime(Math.Clamp(micros, MinMicros, MaxMicros));

    public async Task<int> StoreBatchesAsync(IReadOnlyList<DecodedBatch> batches, CancellationToken cancellationToken)
    {
        var c = Connection;
        if (HasRepeats(batches)) batches = batches.DistinctBy(b => (b.Gateway, b.Sequence)).ToList();
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var w = await c.BeginBinaryImportAsync("COPY staging_batches FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var b in batches)
            {
                await w.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(b.Gateway, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(b.Sequence, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(b.Site, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(b.Replayed, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(Ts(b.CreatedMicros), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(Ts(b.ReceivedMicros), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(b.Encoding, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await w.WriteAsync(b.Rows.Count, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            }
            await w.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var w = await c.BeginBinaryImportAsync("COPY staging_samples FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var b in batches)
            {
                foreach (var row in b.Rows)
                {
                    await w.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync(row.Site, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync(row.Gateway, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync(row.Asset, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync(row.Tag, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync(Ts(row.SourceMicros), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync(Ts(row.ReceivedMicros), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    await w.WriteAsync((long)row.Quality, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    if (row.Unit is null) await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    else await w.WriteAsync(row.Unit, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    var v = row.Value;
                    await w.WriteAsync((short)v.Kind, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                    switch (v.Kind)
                    {
                        case SampleValueKind.Double:
                            await w.WriteAsync(v.AsDouble, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case SampleValueKind.Boolean:
                        case SampleValueKind.Int64:
                            await w.WriteAsync((double)v.AsInt64, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                            await w.WriteAsync(v.AsInt64, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case SampleValueKind.String:
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            await w.WriteAsync(v.AsString!, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            await w.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            break;
                    }
                    await w.WriteAsync(b.Sequence, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                }
            }
            await w.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var insert = new NpgsqlCommand("""
            WITH fresh AS (
                INSERT INTO batches SELECT DISTINCT ON (gateway, sequence) * FROM staging_batches ORDER BY gateway, sequence
                ON CONFLICT (gateway, sequence) DO NOTHING RETURNING gateway, sequence),
            rows AS (
                INSERT INTO samples SELECT s.* FROM staging_samples s JOIN fresh f ON f.gateway = s.gateway AND f.sequence = s.sequence
                RETURNING 1)
            SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM rows)
            """, c, tx);
        int stored;
        await using (var r = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await r.ReadAsync(cancellationToken).ConfigureAwait(false);
            stored = (int)r.GetInt64(0);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    private static bool HasRepeats(IReadOnlyList<DecodedBatch> batches)
    {
        if (batches.Count < 2) return false;
        var seen = new HashSet<(string, long)>();
        foreach (var b in batches) if (!seen.Add((b.Gateway, b.Sequence))) return true;
        return false;
    }

    public async Task StoreDeadLetterAsync(DeadLetter d, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO dead_letters (topic, payload, reason, received) VALUES ($1, $2, $3, $4)", Connection);
        cmd.Parameters.AddWithValue(d.Topic);
        cmd.Parameters.AddWithValue(d.Payload.ToArray());
        cmd.Parameters.AddWithValue(d.Reason.Replace("\0", "\\0", StringComparison.Ordinal));
        cmd.Parameters.AddWithValue(Ts(d.ReceivedMicros));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StoreAnomalyAsync(AnomalyRecord a, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO anomalies VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING", Connection);
        cmd.Parameters.AddWithValue(a.Site);
        cmd.Parameters.AddWithValue(a.Gateway);
        cmd.Parameters.AddWithValue(a.Asset ?? "");
        cmd.Parameters.AddWithValue(a.Tag ?? "");
        cmd.Parameters.AddWithValue(a.Detector);
        cmd.Parameters.AddWithValue(Ts(a.TimestampMicros));
        cmd.Parameters.AddWithValue(a.Score);
        cmd.Parameters.AddWithValue(a.Threshold);
        cmd.Parameters.AddWithValue(a.Value);
        cmd.Parameters.AddWithValue(a.ModelVersion);
        cmd.Parameters.AddWithValue(Ts(a.ReceivedMicros));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StoreAasAsync(AasRecord aas, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO aas_documents VALUES ($1, $2, $3, $4) ON CONFLICT (site, gateway) DO UPDATE SET received = excluded.received, json = excluded.json", Connection);
        cmd.Parameters.AddWithValue(aas.Site);
        cmd.Parameters.AddWithValue(aas.Gateway);
        cmd.Parameters.AddWithValue(aas.ReceivedMicros);
        cmd.Parameters.AddWithValue(aas.Json);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AasRecord>> ReadAasAsync(CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT site, gateway, received, json FROM aas_documents ORDER BY site, gateway", Connection);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<AasRecord>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(new AasRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3)));
        return list;
    }

    public async Task StoreStateAsync(StateRecord s, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO gateway_states VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", Connection);
        cmd.Parameters.AddWithValue(s.Site);
        cmd.Parameters.AddWithValue(s.Gateway);
        cmd.Parameters.AddWithValue(s.Online);
        cmd.Parameters.AddWithValue(Ts(s.TimestampMicros));
        cmd.Parameters.AddWithValue(Ts(s.ReceivedMicros));
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)s.Encoding ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Where(SampleQuery q, NpgsqlCommand cmd, string timeColumn)
    {
        cmd.Parameters.AddWithValue("from", Ts(q.FromMicros));
        cmd.Parameters.AddWithValue("to", Ts(q.ToMicros));
        var sql = $" WHERE {timeColumn} >= @from AND {timeColumn} < @to";
        if (q.Site is not null) { sql += " AND site = @site"; cmd.Parameters.AddWithValue("site", q.Site); }
        if (q.Asset is not null) { sql += " AND asset = @asset"; cmd.Parameters.AddWithValue("asset", q.Asset); }
        if (q.Tags is { Count: > 0 } tags) { sql += " AND tag = ANY(@tags)"; cmd.Parameters.AddWithValue("tags", tags.ToArray()); }
        return sql;
    }

    private static long Micros(DateTime t) => UnixMicros.From(t);

    public async IAsyncEnumerable<SampleRow> ReadSamplesAsync(SampleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand { Connection = Connection };
        cmd.CommandText = "SELECT site, gateway, asset, tag, source_ts, received_ts, quality, unit, kind, value, value_int, value_text FROM samples"
            + Where(query, cmd, "source_ts") + " ORDER BY site, asset, source_ts, tag";
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new SampleRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Micros(r.GetDateTime(4)), Micros(r.GetDateTime(5)), (uint)r.GetInt64(6),
                r.IsDBNull(7) ? null : r.GetString(7), SqliteCenterStore.ReadValue(r.GetInt16(8), r.IsDBNull(9) ? null : r.GetDouble(9), r.IsDBNull(10) ? null : r.GetInt64(10), r.IsDBNull(11) ? null : r.GetString(11)));
        }
    }

    public async Task<IReadOnlyList<AnomalyRecord>> ReadAnomaliesAsync(SampleQuery query, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand { Connection = Connection };
        cmd.CommandText = "SELECT site, gateway, asset, tag, detector, ts, score, threshold, value, model_version, received FROM anomalies"
            + Where(query with { Tags = null }, cmd, "ts") + " ORDER BY ts";
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<AnomalyRecord>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new AnomalyRecord(r.GetString(0), r.GetString(1), Null(r.GetString(2)), Null(r.GetString(3)), r.GetString(4), Micros(r.GetDateTime(5)),
                r.GetDouble(6), r.GetDouble(7), r.GetDouble(8), r.GetString(9), Micros(r.GetDateTime(10))));
        }
        return list;
    }

    private static string? Null(string s) => s.Length == 0 ? null : s;

    public async Task<IReadOnlyList<DeadLetterRow>> ReadDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT topic, payload, reason, received FROM dead_letters ORDER BY id DESC LIMIT $1", Connection);
        cmd.Parameters.AddWithValue(limit);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<DeadLetterRow>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            list.Add(new DeadLetterRow(r.GetString(0), (byte[])r.GetValue(1), r.GetString(2), Micros(r.GetDateTime(3))));
        return list;
    }

    public async Task<IReadOnlyList<GatewayStatus>> ReadGatewayStatusAsync(CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT g.site, g.gateway, g.n, g.lo, g.hi, (g.hi - g.lo + 1 - g.n), g.replayed, g.last_received,
                   (SELECT b.received - b.created FROM batches b WHERE b.gateway = g.gateway ORDER BY b.received DESC LIMIT 1),
                   (SELECT max(s.ts) FROM gateway_states s WHERE s.gateway = g.gateway AND s.online),
                   (SELECT max(s.ts) FROM gateway_states s WHERE s.gateway = g.gateway AND NOT s.online)
            FROM (SELECT min(site) AS site, gateway, count(*) AS n, min(sequence) AS lo, max(sequence) AS hi,
                         count(*) FILTER (WHERE replayed) AS replayed, max(received) AS last_received
                  FROM batches GROUP BY gateway) g
            ORDER BY g.site, g.gateway
            """, Connection);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<GatewayStatus>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new GatewayStatus(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6),
                Micros(r.GetDateTime(7)), (long)(r.GetTimeSpan(8).Ticks / 10), r.IsDBNull(9) ? null : Micros(r.GetDateTime(9)), r.IsDBNull(10) ? null : Micros(r.GetDateTime(10))));
        }
        return list;
    }

    public async Task<StoreCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT (SELECT count(*) FROM samples), (SELECT count(*) FROM batches), (SELECT count(*) FROM dead_letters), (SELECT count(*) FROM anomalies), (SELECT count(*) FROM gateway_states)", Connection);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await r.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new StoreCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}
