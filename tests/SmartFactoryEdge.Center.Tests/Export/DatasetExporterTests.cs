using System.Globalization;
using System.Text.Json;
using SmartFactoryEdge.Center.Export;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Tests.Export;

public sealed class DatasetExporterTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 11, 21, 23, 59, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-export-").FullName;
    private SqliteCenterStore _store = null!;
    private readonly List<SampleRow> _rows = [];

    public async Task InitializeAsync()
    {
        _store = new SqliteCenterStore(Path.Combine(_dir, "center.db"), durable: false);
        await _store.InitializeAsync(default);
        var t0 = UnixMicros.From(T0);
        long seq = 0;
        foreach (var asset in new[] { "press01", "furnace02" })
        {
            for (var s = 0; s < 120; s += 10)
            {
                var rows = new List<SampleRow>();
                for (var i = s; i < s + 10; i++)
                {
                    if (asset == "furnace02" && i is >= 40 and < 70) continue; // a gap of 30 s
                    var ts = t0 + i * 1_000_000L;
                    rows.Add(new SampleRow("plant1", "gw-01", asset, asset + ".temp", ts, ts + 500, i == 5 ? StatusCodes.BadTimeout : 0u, "°C", i == 5 ? SampleValue.None : SampleValue.FromDouble(20 + i * 0.25)));
                    rows.Add(new SampleRow("plant1", "gw-01", asset, asset + ".state", ts, ts + 500, 0u, null, SampleValue.FromString(i % 2 == 0 ? "Running" : "Idle")));
                }
                _rows.AddRange(rows);
                await _store.StoreBatchesAsync([new DecodedBatch("plant1", "gw-01", ++seq, false, t0, t0, "json", rows)], default);
            }
        }
        await _store.StoreAnomalyAsync(new AnomalyRecord("plant1", "gw-01", "press01", "press01.temp", "sr", t0 + 30_000_000, 0.97, 0.8, 27.5, "sha256:aa", 0), default);
        await _store.StoreAnomalyAsync(new AnomalyRecord("plant1", "gw-01", "furnace02", null, "pca-t2", t0 + 90_000_000, 12.5, 9, double.NaN, "sha256:bb", 0), default);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<DatasetExportResult> ExportAsync(DatasetFormat format, string? asset = null) =>
        DatasetExporter.ExportAsync(_store, new DatasetExportOptions
        {
            FromUtc = T0.AddMinutes(-1), ToUtc = T0.AddMinutes(10), Format = format, Asset = asset,
            OutputDirectory = Path.Combine(_dir, "out-" + format + asset), RowGroupSize = 50,
        }, default);

    [Fact]
    public async Task PartitionsBySiteAssetAndDateWithAManifest()
    {
        var result = await ExportAsync(DatasetFormat.Parquet);
        var rel = result.Files.Select(f => Path.GetRelativePath(Path.GetDirectoryName(result.ManifestPath)!, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "site=plant1/asset=furnace02/date=2026-11-21/part-0.parquet", "site=plant1/asset=furnace02/date=2026-11-22/part-0.parquet",
            "site=plant1/asset=press01/date=2026-11-21/part-0.parquet", "site=plant1/asset=press01/date=2026-11-22/part-0.parquet",
        ], rel);
        Assert.Equal(_rows.Count, result.Rows);
        Assert.Equal(1 + 2, result.LabelledRows); // one tag-level event, one asset-level event labelling both of its tags
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(result.ManifestPath));
        var root = manifest.RootElement;
        Assert.Equal(_rows.Count, root.GetProperty("rows").GetInt64());
        Assert.Equal(13, root.GetProperty("schema").GetArrayLength());
        var furnaceTemp = root.GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("tag").GetString() == "furnace02.temp");
        Assert.Equal(1, furnaceTemp.GetProperty("gaps").GetInt32());
        Assert.Equal(31_000, furnaceTemp.GetProperty("maxGapMs").GetDouble());
        Assert.Equal("°C", furnaceTemp.GetProperty("units")[0].GetString());
        Assert.Equal(1, furnaceTemp.GetProperty("quality").GetProperty("bad").GetInt32());
        var versions = root.GetProperty("modelVersions")[0].GetProperty("versions").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal(["sha256:aa", "sha256:bb"], versions);
    }

    [ParquetReadersFact]
    public async Task BothReadersReadTheExportedRowsBack()
    {
        var result = await ExportAsync(DatasetFormat.Parquet);
        long duckRows = 0, hyRows = 0, labels = 0;
        foreach (var file in result.Files)
        {
            using var duck = await ParquetReaders.DuckDbAsync(file);
            using var hy = await ParquetReaders.HyparquetAsync(file);
            var d = duck.RootElement.GetProperty("rows").EnumerateArray().ToList();
            var h = hy.RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(d.Count, h.Count);
            for (var i = 0; i < d.Count; i++)
            {
                var ts = long.Parse(d[i].GetProperty("source_ts").GetString()!, CultureInfo.InvariantCulture);
                Assert.Equal(ts.ToString(CultureInfo.InvariantCulture), h[i].GetProperty("source_ts").GetString());
                var tag = d[i].GetProperty("tag").GetString()!;
                Assert.Equal(tag, h[i].GetProperty("tag").GetString());
                var expected = _rows.Single(r => r.Tag == tag && r.SourceMicros == ts);
                Assert.Equal(expected.Quality, d[i].GetProperty("quality").GetString() is { } q ? uint.Parse(q, CultureInfo.InvariantCulture) : 0);
                if (expected.Value.Kind == SampleValueKind.Double)
                {
                    Assert.Equal(expected.Value.AsDouble, double.Parse(d[i].GetProperty("value").GetString()!, CultureInfo.InvariantCulture));
                    Assert.Equal(expected.Value.AsDouble, h[i].GetProperty("value").GetDouble());
                }
                else if (expected.Value.Kind == SampleValueKind.String)
                {
                    Assert.Equal(expected.Value.AsString, d[i].GetProperty("value_text").GetString());
                    Assert.Equal(expected.Value.AsString, h[i].GetProperty("value_text").GetString());
                }
                else Assert.Equal(JsonValueKind.Null, h[i].GetProperty("value").ValueKind);
                Assert.Equal(d[i].GetProperty("anomaly").GetBoolean(), h[i].GetProperty("anomaly").GetBoolean());
                if (d[i].GetProperty("anomaly").GetBoolean()) labels++;
            }
            duckRows += d.Count;
            hyRows += h.Count;
        }
        Assert.Equal((result.Rows, result.Rows, 3L), (duckRows, hyRows, labels));
    }

    [Fact]
    public async Task ExportsCsvFilteredByAsset()
    {
        var result = await ExportAsync(DatasetFormat.Csv, asset: "press01");
        Assert.Equal(2, result.Files.Count);
        var lines = result.Files.SelectMany(f => File.ReadAllLines(f).Skip(1)).ToList();
        Assert.Equal(_rows.Count(r => r.Asset == "press01"), lines.Count);
        Assert.Contains(lines, l => l.Contains(",press01.temp,", StringComparison.Ordinal) && l.Contains(",true,0.97,sr,sha256:aa", StringComparison.Ordinal));
        Assert.StartsWith("source_ts,received_ts,gateway,tag,quality", File.ReadLines(result.Files[0]).First(), StringComparison.Ordinal);
    }
}
