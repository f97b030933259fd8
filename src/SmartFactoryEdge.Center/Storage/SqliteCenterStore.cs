using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Storage;

/// <summary>
/// The embedded store: one SQLite file per center in WAL mode. The center acknowledges an MQTT message only after its
/// commit; with <c>synchronous=FULL</c> (the default, <c>durable: true</c>) a commit survives a power cut, with NORMAL only
/// a process crash. Batches are keyed by (gateway, sequence): a repeat is an INSERT OR IGNORE that changes nothing, and
/// its rows are then not written. Not thread-safe: one ingest loop owns it (SQLite has one writer anyway).
/// </summary>
public sealed class SqliteCenterStore : ICenterStore
{
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS batches (
            gateway TEXT NOT NULL, sequence INTEGER NOT NULL, site TEXT NOT NULL, replayed INTEGER NOT NULL,
            created INTEGER NOT NULL, received INTEGER NOT NULL, encoding TEXT NOT NULL, sample_count INTEGER NOT NULL,
            PRIMARY KEY (gateway, sequence)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS samples (
            site TEXT NOT NULL, gateway TEXT NOT NULL, asset TEXT NOT NULL, tag TEXT NOT NULL,
            source_ts INTEGER NOT NULL, received_ts INTEGER NOT NULL, quality INTEGER NOT NULL, unit TEXT,
            kind INTEGER NOT NULL, value REAL, value_int INTEGER, value_text TEXT, sequence INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS dead_letters (
            id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, reason TEXT NOT NULL, received INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS anomalies (
            site TEXT NOT NULL, gateway TEXT NOT NULL, asset TEXT NOT NULL, tag TEXT NOT NULL, detector TEXT NOT NULL,
            ts INTEGER NOT NULL, score REAL, threshold REAL, value REAL, model_version TEXT NOT NULL, received INTEGER NOT NULL,
            UNIQUE (gateway, detector, tag, asset, ts));
        CREATE TABLE IF NOT EXISTS aas_documents (site TEXT NOT NULL, gateway TEXT NOT NULL, received INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (site, gateway));
        CREATE TABLE IF NOT EXISTS gateway_states (
            site TEXT NOT NULL, gateway TEXT NOT NULL, online INTEGER NOT NULL, ts INTEGER NOT NULL, received INTEGER NOT NULL,
            encoding TEXT, UNIQUE (gateway, online, ts));
        """;

    private readonly SqliteConnection _connection;
    private readonly bool _durable;
    private SqliteCommand? _insertBatch;
    private SqliteCommand? _insertSample;
    private SqliteParameter[] _batchParams = [];
    private SqliteParameter[] _sampleParams = [];
    private sqlite3_stmt? _rawInsert;
    private readonly Dictionary<string, byte[]> _utf8 = new(StringComparer.Ordinal);

    /// <summary>Opens (creating) the SQLite file at <paramref name="pathOrConnectionString"/> (a path, or a connection string with Data Source=); <paramref name="durable"/> false trades power-cut safety for speed (synchronous=NORMAL).</summary>
    public SqliteCenterStore(string pathOrConnectionString, bool durable = true)
    {
        _durable = durable;
        var cs = pathOrConnectionString.Contains('=', StringComparison.Ordinal)
            ? pathOrConnectionString
            : new SqliteConnectionStringBuilder { DataSource = pathOrConnectionString, Pooling = false }.ToString();
        _connection = new SqliteConnection(cs);
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=" + (_durable ? "FULL" : "NORMAL") + "; PRAGMA busy_timeout=5000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
        Execute(Schema);
        _insertBatch = Prepare("INSERT OR IGNORE INTO batches VALUES ($g, $s, $site, $r, $c, $rc, $e, $n)", out _batchParams, "$g", "$s", "$site", "$r", "$c", "$rc", "$e", "$n");
        // the hot path binds by index on the raw statement: Microsoft.Data.Sqlite boxes each value and looks parameters up by name
        if (raw.sqlite3_prepare_v2(_connection.Handle, "INSERT INTO samples VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", out var stmt) != raw.SQLITE_OK)
            throw new InvalidOperationException("SQLite could not prepare the sample insert: " + raw.sqlite3_errmsg(_connection.Handle).utf8_to_string());
        _rawInsert = stmt;
        _insertSample = Prepare("INSERT INTO samples VALUES ($site, $g, $a, $t, $ts, $rts, $q, $u, $k, $v, $vi, $vt, $seq)", out _sampleParams,
            "$site", "$g", "$a", "$t", "$ts", "$rts", "$q", "$u", "$k", "$v", "$vi", "$vt", "$seq");
    }

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, out SqliteParameter[] parameters, params string[] names)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        parameters = new SqliteParameter[names.Length];
        for (var i = 0; i < names.Length; i++) parameters[i] = cmd.Parameters.Add(new SqliteParameter(names[i], null));
        cmd.Prepare();
        return cmd;
    }

    public Task<int> StoreBatchesAsync(IReadOnlyList<DecodedBatch> batches, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var insertBatch = _insertBatch ?? throw new InvalidOperationException("InitializeAsync first.");
        var insertSample = _insertSample!;
        var stored = 0;
        using var tx = _connection.BeginTransaction();
        insertBatch.Transaction = tx;
        insertSample.Transaction = tx;
        var bp = _batchParams;
        var sp = _sampleParams;
        foreach (var b in batches)
        {
            bp[0].Value = b.Gateway;
            bp[1].Value = b.Sequence;
            bp[2].Value = b.Site;
            bp[3].Value = b.Replayed ? 1 : 0;
            bp[4].Value = b.CreatedMicros;
            bp[5].Value = b.ReceivedMicros;
            bp[6].Value = b.Encoding;
            bp[7].Value = b.Rows.Count;
            if (insertBatch.ExecuteNonQuery() == 0) continue; // (gateway, sequence) already stored: a duplicate delivery
            stored++;
            foreach (var row in b.Rows) InsertRaw(row, b.Sequence);
        }
        tx.Commit();
        return Task.FromResult(stored);
    }

    private byte[] Utf8(string s)
    {
        if (_utf8.TryGetValue(s, out var bytes)) return bytes;
        bytes = Encoding.UTF8.GetBytes(s);
        if (_utf8.Count < 100_000) _utf8[s] = bytes;
        return bytes;
    }

    private void InsertRaw(in SampleRow row, long sequence)
    {
        var st = _rawInsert!;
        raw.sqlite3_bind_text(st, 1, Utf8(row.Site));
        raw.sqlite3_bind_text(st, 2, Utf8(row.Gateway));
        raw.sqlite3_bind_text(st, 3, Utf8(row.Asset));
        raw.sqlite3_bind_text(st, 4, Utf8(row.Tag));
        raw.sqlite3_bind_int64(st, 5, row.SourceMicros);
        raw.sqlite3_bind_int64(st, 6, row.ReceivedMicros);
        raw.sqlite3_bind_int64(st, 7, row.Quality);
        if (row.Unit is null) raw.sqlite3_bind_null(st, 8);
        else raw.sqlite3_bind_text(st, 8, Utf8(row.Unit));
        var v = row.Value;
        raw.sqlite3_bind_int(st, 9, (int)v.Kind);
        raw.sqlite3_bind_null(st, 10);
        raw.sqlite3_bind_null(st, 11);
        raw.sqlite3_bind_null(st, 12);
        switch (v.Kind)
        {
            case SampleValueKind.Double:
                if (double.IsNaN(v.AsDouble)) raw.sqlite3_bind_text(st, 12, "NaN"u8);
                else raw.sqlite3_bind_double(st, 10, v.AsDouble);
                break;
            case SampleValueKind.Boolean:
            case SampleValueKind.Int64:
                raw.sqlite3_bind_double(st, 10, v.AsInt64);
                raw.sqlite3_bind_int64(st, 11, v.AsInt64);
                break;
            case SampleValueKind.String:
                raw.sqlite3_bind_text(st, 12, v.AsString!);
                break;
        }
        raw.sqlite3_bind_int64(st, 13, sequence);
        var rc = raw.sqlite3_step(st);
        raw.sqlite3_reset(st);
        if (rc != raw.SQLITE_DONE)
            throw new InvalidOperationException($"SQLite insert of {row.Gateway}/{row.Tag} failed ({rc}): {raw.sqlite3_errmsg(_connection.Handle).utf8_to_string()}");
    }

    private static void BindValue(SqliteParameter[] sp, SampleValue v)
    {
        sp[8].Value = (int)v.Kind;
        switch (v.Kind)
        {
            case SampleValueKind.Double: sp[9].Value = double.IsNaN(v.AsDouble) ? DBNull.Value : v.AsDouble; sp[10].Value = DBNull.Value; sp[11].Value = double.IsNaN(v.AsDouble) ? "NaN" : DBNull.Value; break;
            case SampleValueKind.Boolean: sp[9].Value = v.AsBoolean ? 1.0 : 0.0; sp[10].Value = v.AsBoolean ? 1L : 0L; sp[11].Value = DBNull.Value; break;
            case SampleValueKind.Int64: sp[9].Value = (double)v.AsInt64; sp[10].Value = v.AsInt64; sp[11].Value = DBNull.Value; break;
            case SampleValueKind.String: sp[9].Value = DBNull.Value; sp[10].Value = DBNull.Value; sp[11].Value = v.AsString; break;
            default: sp[9].Value = DBNull.Value; sp[10].Value = DBNull.Value; sp[11].Value = DBNull.Value; break;
        }
    }

    internal static SampleValue ReadValue(int kind, object? value, object? valueInt, object? valueText) => (SampleValueKind)kind switch
    {
        SampleValueKind.Double => value is double d ? d : valueText is "NaN" ? double.NaN : SampleValue.None,
        SampleValueKind.Boolean => Convert.ToInt64(valueInt, System.Globalization.CultureInfo.InvariantCulture) != 0,
        SampleValueKind.Int64 => Convert.ToInt64(valueInt, System.Globalization.CultureInfo.InvariantCulture),
        SampleValueKind.String => SampleValue.FromString((string)valueText!),
        _ => SampleValue.None,
    };

    public Task StoreDeadLetterAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT INTO dead_letters (topic, payload, reason, received) VALUES ($t, $p, $r, $rc)";
        cmd.Parameters.AddWithValue("$t", deadLetter.Topic);
        cmd.Parameters.AddWithValue("$p", deadLetter.Payload.ToArray());
        cmd.Parameters.AddWithValue("$r", deadLetter.Reason);
        cmd.Parameters.AddWithValue("$rc", deadLetter.ReceivedMicros);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task StoreAnomalyAsync(AnomalyRecord a, CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT OR IGNORE INTO anomalies VALUES ($s, $g, $a, $t, $d, $ts, $sc, $th, $v, $m, $rc)";
        cmd.Parameters.AddWithValue("$s", a.Site);
        cmd.Parameters.AddWithValue("$g", a.Gateway);
        cmd.Parameters.AddWithValue("$a", a.Asset ?? "");
        cmd.Parameters.AddWithValue("$t", a.Tag ?? "");
        cmd.Parameters.AddWithValue("$d", a.Detector);
        cmd.Parameters.AddWithValue("$ts", a.TimestampMicros);
        cmd.Parameters.AddWithValue("$sc", double.IsNaN(a.Score) ? DBNull.Value : a.Score);
        cmd.Parameters.AddWithValue("$th", double.IsNaN(a.Threshold) ? DBNull.Value : a.Threshold);
        cmd.Parameters.AddWithValue("$v", double.IsNaN(a.Value) ? DBNull.Value : a.Value);
        cmd.Parameters.AddWithValue("$m", a.ModelVersion);
        cmd.Parameters.AddWithValue("$rc", a.ReceivedMicros);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task StoreAasAsync(AasRecord aas, CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT INTO aas_documents VALUES ($s, $g, $r, $j) ON CONFLICT (site, gateway) DO UPDATE SET received = excluded.received, json = excluded.json";
        cmd.Parameters.AddWithValue("$s", aas.Site);
        cmd.Parameters.AddWithValue("$g", aas.Gateway);
        cmd.Parameters.AddWithValue("$r", aas.ReceivedMicros);
        cmd.Parameters.AddWithValue("$j", aas.Json);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AasRecord>> ReadAasAsync(CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT site, gateway, received, json FROM aas_documents ORDER BY site, gateway";
        using var r = cmd.ExecuteReader();
        var list = new List<AasRecord>();
        while (r.Read()) list.Add(new AasRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3)));
        return Task.FromResult<IReadOnlyList<AasRecord>>(list);
    }

    public Task StoreStateAsync(StateRecord s, CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT OR IGNORE INTO gateway_states VALUES ($s, $g, $o, $ts, $rc, $e)";
        cmd.Parameters.AddWithValue("$s", s.Site);
        cmd.Parameters.AddWithValue("$g", s.Gateway);
        cmd.Parameters.AddWithValue("$o", s.Online ? 1 : 0);
        cmd.Parameters.AddWithValue("$ts", s.TimestampMicros);
        cmd.Parameters.AddWithValue("$rc", s.ReceivedMicros);
        cmd.Parameters.AddWithValue("$e", (object?)s.Encoding ?? DBNull.Value);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    private static string Where(SampleQuery q, SqliteCommand cmd, string timeColumn)
    {
        var sql = $" WHERE {timeColumn} >= $from AND {timeColumn} < $to";
        cmd.Parameters.AddWithValue("$from", q.FromMicros);
        cmd.Parameters.AddWithValue("$to", q.ToMicros);
        if (q.Site is not null) { sql += " AND site = $site"; cmd.Parameters.AddWithValue("$site", q.Site); }
        if (q.Asset is not null) { sql += " AND asset = $asset"; cmd.Parameters.AddWithValue("$asset", q.Asset); }
        if (q.Tags is { Count: > 0 } tags)
        {
            var names = new List<string>();
            for (var i = 0; i < tags.Count; i++) { names.Add("$tag" + i); cmd.Parameters.AddWithValue("$tag" + i, tags[i]); }
            sql += $" AND tag IN ({string.Join(", ", names)})";
        }
        return sql;
    }

    public async IAsyncEnumerable<SampleRow> ReadSamplesAsync(SampleQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT site, gateway, asset, tag, source_ts, received_ts, quality, unit, kind, value, value_int, value_text FROM samples"
            + Where(query, cmd, "source_ts") + " ORDER BY site, asset, source_ts, tag";
        using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (r.Read())
        {
            yield return new SampleRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), (uint)r.GetInt64(6),
                r.IsDBNull(7) ? null : r.GetString(7), ReadValue(r.GetInt32(8), r.IsDBNull(9) ? null : r.GetDouble(9), r.IsDBNull(10) ? null : r.GetInt64(10), r.IsDBNull(11) ? null : r.GetString(11)));
        }
    }

    public Task<IReadOnlyList<AnomalyRecord>> ReadAnomaliesAsync(SampleQuery query, CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT site, gateway, asset, tag, detector, ts, score, threshold, value, model_version, received FROM anomalies"
            + Where(query with { Tags = null }, cmd, "ts") + " ORDER BY ts";
        using var r = cmd.ExecuteReader();
        var list = new List<AnomalyRecord>();
        while (r.Read())
        {
            list.Add(new AnomalyRecord(r.GetString(0), r.GetString(1), NullIfEmpty(r.GetString(2)), NullIfEmpty(r.GetString(3)), r.GetString(4), r.GetInt64(5),
                r.IsDBNull(6) ? double.NaN : r.GetDouble(6), r.IsDBNull(7) ? double.NaN : r.GetDouble(7), r.IsDBNull(8) ? double.NaN : r.GetDouble(8), r.GetString(9), r.GetInt64(10)));
        }
        return Task.FromResult<IReadOnlyList<AnomalyRecord>>(list);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    public Task<IReadOnlyList<DeadLetterRow>> ReadDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT topic, payload, reason, received FROM dead_letters ORDER BY id DESC LIMIT $n";
        cmd.Parameters.AddWithValue("$n", limit);
        using var r = cmd.ExecuteReader();
        var list = new List<DeadLetterRow>();
        while (r.Read()) list.Add(new DeadLetterRow(r.GetString(0), (byte[])r.GetValue(1), r.GetString(2), r.GetInt64(3)));
        return Task.FromResult<IReadOnlyList<DeadLetterRow>>(list);
    }

    public Task<IReadOnlyList<GatewayStatus>> ReadGatewayStatusAsync(CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = GatewayStatusSql;
        using var r = cmd.ExecuteReader();
        var list = new List<GatewayStatus>();
        while (r.Read())
        {
            list.Add(new GatewayStatus(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6),
                r.GetInt64(7), r.GetInt64(8), r.IsDBNull(9) ? null : r.GetInt64(9), r.IsDBNull(10) ? null : r.GetInt64(10)));
        }
        return Task.FromResult<IReadOnlyList<GatewayStatus>>(list);
    }

    internal const string GatewayStatusSql = """
        SELECT g.site, g.gateway, g.n, g.lo, g.hi, (g.hi - g.lo + 1 - g.n), g.replayed, g.last_received,
               (SELECT b.received - b.created FROM batches b WHERE b.gateway = g.gateway ORDER BY b.received DESC LIMIT 1),
               (SELECT max(s.ts) FROM gateway_states s WHERE s.gateway = g.gateway AND s.online = 1),
               (SELECT max(s.ts) FROM gateway_states s WHERE s.gateway = g.gateway AND s.online = 0)
        FROM (SELECT min(site) AS site, gateway, count(*) AS n, min(sequence) AS lo, max(sequence) AS hi,
                     sum(CASE WHEN replayed THEN 1 ELSE 0 END) AS replayed, max(received) AS last_received
              FROM batches GROUP BY gateway) g
        ORDER BY g.site, g.gateway
        """;

    public Task<StoreCounts> CountAsync(CancellationToken cancellationToken)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT (SELECT count(*) FROM samples), (SELECT count(*) FROM batches), (SELECT count(*) FROM dead_letters), (SELECT count(*) FROM anomalies), (SELECT count(*) FROM gateway_states)";
        using var r = cmd.ExecuteReader();
        r.Read();
        return Task.FromResult(new StoreCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)));
    }

    public async ValueTask DisposeAsync()
    {
        _insertBatch?.Dispose();
        _insertSample?.Dispose();
        _rawInsert?.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
