using System.Globalization;
using System.Text;
using System.Text.Json;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Export;

/// <summary>Output format of a dataset export.</summary>
public enum DatasetFormat
{
    Parquet,
    Csv,
}

/// <summary>What to export and where.</summary>
public sealed record DatasetExportOptions
{
    public required DateTime FromUtc { get; init; }
    public required DateTime ToUtc { get; init; }
    public string? Site { get; init; }
    public string? Asset { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public DatasetFormat Format { get; init; } = DatasetFormat.Parquet;
    public required string OutputDirectory { get; init; }

    /// <summary>Rows per Parquet row group.</summary>
    public int RowGroupSize { get; init; } = 100_000;
}

/// <summary>The result of an export: the files written and the manifest path.</summary>
public sealed record DatasetExportResult(string ManifestPath, IReadOnlyList<string> Files, long Rows, long LabelledRows);

/// <summary>
/// Writes a training dataset from the store: one file per site/asset/date partition (Hive-style folders
/// <c>site=…/asset=…/date=YYYY-MM-DD/</c>), samples in source-time order with the anomaly events joined as labels (an
/// event labels the sample of its tag at its timestamp, or every sample of its asset at that timestamp), and a
/// <c>manifest.json</c> with the schema, units, row counts, quality and gap statistics per tag, and the model versions
/// each gateway's events came from.
/// </summary>
public static class DatasetExporter
{
    /// <summary>The dataset schema (long format: one row per sample).</summary>
    public static readonly IReadOnlyList<ParquetColumn> Schema =
    [
        new("source_ts", ParquetType.Int64, Logical: ParquetLogical.TimestampMicros),
        new("received_ts", ParquetType.Int64, Logical: ParquetLogical.TimestampMicros),
        new("gateway", ParquetType.ByteArray, Logical: ParquetLogical.String, Dictionary: true),
        new("tag", ParquetType.ByteArray, Logical: ParquetLogical.String, Dictionary: true),
        new("quality", ParquetType.Int64),
        new("quality_class", ParquetType.ByteArray, Logical: ParquetLogical.String, Dictionary: true),
        new("unit", ParquetType.ByteArray, Optional: true, Logical: ParquetLogical.String, Dictionary: true),
        new("value", ParquetType.Double, Optional: true),
        new("value_text", ParquetType.ByteArray, Optional: true, Logical: ParquetLogical.String),
        new("anomaly", ParquetType.Boolean),
        new("anomaly_score", ParquetType.Double, Optional: true),
        new("anomaly_detector", ParquetType.ByteArray, Optional: true, Logical: ParquetLogical.String, Dictionary: true),
        new("model_version", ParquetType.ByteArray, Optional: true, Logical: ParquetLogical.String, Dictionary: true),
    ];

    public static async Task<DatasetExportResult> ExportAsync(ICenterStore store, DatasetExportOptions options, CancellationToken cancellationToken)
    {
        var query = new SampleQuery(UnixMicros.From(options.FromUtc), UnixMicros.From(options.ToUtc), options.Site, options.Asset, options.Tags);
        var anomalies = await store.ReadAnomaliesAsync(query, cancellationToken).ConfigureAwait(false);
        var byTag = new Dictionary<(string, string, long), AnomalyRecord>();
        var byAsset = new Dictionary<(string, string, long), AnomalyRecord>();
        foreach (var a in anomalies)
        {
            if (a.Tag is not null) byTag.TryAdd((a.Gateway, a.Tag, a.TimestampMicros), a);
            else if (a.Asset is not null) byAsset.TryAdd((a.Gateway, a.Asset, a.TimestampMicros), a);
        }
        Directory.CreateDirectory(options.OutputDirectory);
        var files = new List<string>();
        var partitions = new List<object>();
        var tags = new Dictionary<(string Site, string Asset, string Tag), TagStats>();
        var buffer = new List<(SampleRow Row, AnomalyRecord? Label)>();
        (string Site, string Asset, DateOnly Date)? current = null;
        long rows = 0, labelled = 0;

        async Task FlushAsync()
        {
            if (current is not { } p || buffer.Count == 0) return;
            var dir = Path.Combine(options.OutputDirectory, "site=" + Safe(p.Site), "asset=" + Safe(p.Asset.Length == 0 ? "_" : p.Asset), "date=" + p.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var file = Path.Combine(dir, options.Format == DatasetFormat.Parquet ? "part-0.parquet" : "part-0.csv");
            if (options.Format == DatasetFormat.Parquet) WriteParquet(file, buffer, options.RowGroupSize);
            else await WriteCsvAsync(file, buffer, cancellationToken).ConfigureAwait(false);
            files.Add(file);
            partitions.Add(new { path = Path.GetRelativePath(options.OutputDirectory, file), site = p.Site, asset = p.Asset, date = p.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rows = buffer.Count, bytes = new FileInfo(file).Length });
            buffer.Clear();
        }

        await foreach (var row in store.ReadSamplesAsync(query, cancellationToken).ConfigureAwait(false))
        {
            var key = (row.Site, row.Asset, DateOnly.FromDateTime(UnixMicros.ToDateTime(row.SourceMicros)));
            if (current != key)
            {
                await FlushAsync().ConfigureAwait(false);
                current = key;
            }
            var label = byTag.GetValueOrDefault((row.Gateway, row.Tag, row.SourceMicros)) ?? byAsset.GetValueOrDefault((row.Gateway, row.Asset, row.SourceMicros));
            buffer.Add((row, label));
            rows++;
            if (label is not null) labelled++;
            if (!tags.TryGetValue((row.Site, row.Asset, row.Tag), out var st)) tags[(row.Site, row.Asset, row.Tag)] = st = new TagStats();
            st.Add(row);
        }
        await FlushAsync().ConfigureAwait(false);

        // the asset metadata of every exported asset, from its gateway's AAS environment (ingested from the aas topic)
        var exported = tags.Keys.Select(k => (k.Site, k.Asset)).ToHashSet();
        var assets = (await store.ReadAasAsync(cancellationToken).ConfigureAwait(false))
            .SelectMany(AasMetadata.Extract)
            .Where(m => exported.Contains((m.Site, m.Asset)))
            .OrderBy(m => m.Site, StringComparer.Ordinal).ThenBy(m => m.Asset, StringComparer.Ordinal)
            .Select(m => new { site = m.Site, gateway = m.Gateway, asset = m.Asset, aasId = m.AasId, idShort = m.IdShort, globalAssetId = m.GlobalAssetId,
                assetType = m.AssetType, name = m.Name, description = m.Description, submodels = m.Submodels })
            .ToArray();
        var manifest = new
        {
            format = options.Format.ToString().ToLowerInvariant(),
            created = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            query = new { from = options.FromUtc.ToString("O", CultureInfo.InvariantCulture), to = options.ToUtc.ToString("O", CultureInfo.InvariantCulture), site = options.Site, asset = options.Asset, tags = options.Tags },
            schema = Schema.Select(c => new { name = c.Name, type = c.Type.ToString().ToUpperInvariant(), logical = c.Logical == ParquetLogical.None ? null : c.Logical.ToString(), optional = c.Optional }),
            rows,
            labelledRows = labelled,
            anomalyEvents = anomalies.Count,
            assets,
            partitions,
            tags = tags.OrderBy(t => t.Key.Site, StringComparer.Ordinal).ThenBy(t => t.Key.Asset, StringComparer.Ordinal).ThenBy(t => t.Key.Tag, StringComparer.Ordinal).Select(t => t.Value.ToManifest(t.Key.Site, t.Key.Asset, t.Key.Tag)),
            modelVersions = anomalies.GroupBy(a => a.Gateway).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new { gateway = g.Key, versions = g.Select(a => a.ModelVersion).Distinct().Order(StringComparer.Ordinal) }),
        };
        var manifestPath = Path.Combine(options.OutputDirectory, "manifest.json");
        await using (var fs = File.Create(manifestPath))
            await JsonSerializer.SerializeAsync(fs, manifest, new JsonSerializerOptions { WriteIndented = true }, cancellationToken).ConfigureAwait(false);
        return new DatasetExportResult(manifestPath, files, rows, labelled);
    }

    private static string Safe(string s) => Uri.EscapeDataString(s);

    internal static string QualityClass(uint q) => new StatusCode(q) switch { { IsGood: true } => "Good", { IsUncertain: true } => "Uncertain", _ => "Bad" };

    private static double? Numeric(SampleValue v) => v.Kind switch
    {
        SampleValueKind.Double => v.AsDouble,
        SampleValueKind.Boolean => v.AsBoolean ? 1 : 0,
        SampleValueKind.Int64 => v.AsInt64,
        _ => null,
    };

    private static void WriteParquet(string file, List<(SampleRow Row, AnomalyRecord? Label)> rows, int groupSize)
    {
        using var fs = File.Create(file);
        using var w = new ParquetWriter(fs, Schema, new Dictionary<string, string> { ["sfe.dataset"] = "v1" });
        for (var start = 0; start < rows.Count; start += groupSize)
        {
            var n = Math.Min(groupSize, rows.Count - start);
            var cols = new Array[]
            {
                new long?[n], new long?[n], new string?[n], new string?[n], new long?[n], new string?[n], new string?[n],
                new double?[n], new string?[n], new bool?[n], new double?[n], new string?[n], new string?[n],
            };
            for (var i = 0; i < n; i++)
            {
                var (r, label) = rows[start + i];
                ((long?[])cols[0])[i] = r.SourceMicros;
                ((long?[])cols[1])[i] = r.ReceivedMicros;
                ((string?[])cols[2])[i] = r.Gateway;
                ((string?[])cols[3])[i] = r.Tag;
                ((long?[])cols[4])[i] = r.Quality;
                ((string?[])cols[5])[i] = QualityClass(r.Quality);
                ((string?[])cols[6])[i] = r.Unit;
                ((double?[])cols[7])[i] = Numeric(r.Value);
                ((string?[])cols[8])[i] = r.Value.Kind == SampleValueKind.String ? r.Value.AsString : null;
                ((bool?[])cols[9])[i] = label is not null;
                ((double?[])cols[10])[i] = label?.Score;
                ((string?[])cols[11])[i] = label?.Detector;
                ((string?[])cols[12])[i] = label?.ModelVersion;
            }
            w.WriteRowGroup(n, cols);
        }
        w.Close();
    }

    private static async Task WriteCsvAsync(string file, List<(SampleRow Row, AnomalyRecord? Label)> rows, CancellationToken cancellationToken)
    {
        await using var sw = new StreamWriter(file, false, new UTF8Encoding(false));
        await sw.WriteLineAsync(string.Join(',', Schema.Select(c => c.Name))).ConfigureAwait(false);
        var sb = new StringBuilder();
        foreach (var (r, label) in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sb.Clear();
            sb.Append(UnixMicros.ToDateTime(r.SourceMicros).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(UnixMicros.ToDateTime(r.ReceivedMicros).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(Csv(r.Gateway)).Append(',').Append(Csv(r.Tag)).Append(',').Append(r.Quality.ToString(CultureInfo.InvariantCulture)).Append(',');
            sb.Append(QualityClass(r.Quality)).Append(',').Append(Csv(r.Unit)).Append(',');
            sb.Append(Numeric(r.Value)?.ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(Csv(r.Value.Kind == SampleValueKind.String ? r.Value.AsString : null)).Append(',');
            sb.Append(label is null ? "false" : "true").Append(',');
            sb.Append(label?.Score.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(Csv(label?.Detector)).Append(',').Append(Csv(label?.ModelVersion));
            await sw.WriteLineAsync(sb, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Csv(string? s) =>
        s is null ? "" : s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    /// <summary>Per-tag statistics for the manifest: counts by quality, nulls, units, time range and gaps.</summary>
    private sealed class TagStats
    {
        private readonly List<long> _ts = [];
        private readonly SortedSet<string> _units = new(StringComparer.Ordinal);
        private long _good, _uncertain, _bad, _noValue;

        public void Add(in SampleRow r)
        {
            _ts.Add(r.SourceMicros);
            if (r.Unit is not null) _units.Add(r.Unit);
            var q = new StatusCode(r.Quality);
            if (q.IsGood) _good++;
            else if (q.IsUncertain) _uncertain++;
            else _bad++;
            if (!r.Value.HasValue) _noValue++;
        }

        /// <summary>A gap is an interval between consecutive samples longer than three times the tag's median interval.</summary>
        public object ToManifest(string site, string asset, string tag)
        {
            _ts.Sort();
            var intervals = new long[Math.Max(0, _ts.Count - 1)];
            for (var i = 1; i < _ts.Count; i++) intervals[i - 1] = _ts[i] - _ts[i - 1];
            var sorted = intervals.Order().ToArray();
            var median = sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
            var gaps = median > 0 ? intervals.Count(x => x > 3 * median) : 0;
            return new
            {
                site, asset, tag, units = _units.ToArray(), rows = _ts.Count,
                quality = new { good = _good, uncertain = _uncertain, bad = _bad }, noValue = _noValue,
                first = _ts.Count > 0 ? UnixMicros.ToDateTime(_ts[0]).ToString("O", CultureInfo.InvariantCulture) : null,
                last = _ts.Count > 0 ? UnixMicros.ToDateTime(_ts[^1]).ToString("O", CultureInfo.InvariantCulture) : null,
                medianIntervalMs = median / 1000.0, gaps, maxGapMs = sorted.Length == 0 ? 0 : sorted[^1] / 1000.0,
            };
        }
    }
}
