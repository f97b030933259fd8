using System.Globalization;
using System.Text.Json;
using SmartFactoryEdge.Center.Export;

namespace SmartFactoryEdge.Center.Tests.Export;

public sealed class ParquetWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-parquet-").FullName;

    private static readonly ParquetColumn[] Columns =
    [
        new("ts", ParquetType.Int64, Logical: ParquetLogical.TimestampMicros),
        new("tag", ParquetType.ByteArray, Logical: ParquetLogical.String, Dictionary: true),
        new("unit", ParquetType.ByteArray, Optional: true, Logical: ParquetLogical.String, Dictionary: true),
        new("value", ParquetType.Double, Optional: true),
        new("count", ParquetType.Int64, Optional: true),
        new("flag", ParquetType.Boolean, Optional: true),
        new("text", ParquetType.ByteArray, Optional: true, Logical: ParquetLogical.String),
        new("q", ParquetType.Int64),
    ];

    private sealed record Data(long[] Ts, string[] Tag, string?[] Unit, double?[] Value, long?[] Count, bool?[] Flag, string?[] Text, long[] Q)
    {
        public Array[] Arrays(int from, int n) =>
        [
            Ts.AsSpan(from, n).ToArray().Select(x => (long?)x).ToArray(), Tag.AsSpan(from, n).ToArray(), Unit.AsSpan(from, n).ToArray(),
            Value.AsSpan(from, n).ToArray(), Count.AsSpan(from, n).ToArray(), Flag.AsSpan(from, n).ToArray(), Text.AsSpan(from, n).ToArray(),
            Q.AsSpan(from, n).ToArray().Select(x => (long?)x).ToArray(),
        ];
    }

    private static Data Generate(int n, int seed)
    {
        var rng = new Random(seed);
        var t0 = 1_795_000_000_000_000L;
        string[] units = ["°C", "bar", "mm/s"];
        return new Data(
            Enumerable.Range(0, n).Select(i => t0 + i * 1_000L + rng.Next(1000)).ToArray(),
            Enumerable.Range(0, n).Select(_ => "press0" + rng.Next(4) + ".temp").ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.Next(5) == 0 ? null : units[rng.Next(3)]).ToArray(),
            Enumerable.Range(0, n).Select(i => rng.Next(10) == 0 ? (double?)null : i % 97 == 0 ? double.NaN : Math.Round((rng.NextDouble() - 0.3) * 1000, 6)).ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? (long?)null : rng.NextInt64(-(1L << 62), 1L << 62)).ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.Next(3) == 0 ? (bool?)null : rng.Next(2) == 0).ToArray(),
            Enumerable.Range(0, n).Select(i => rng.Next(2) == 0 ? null : "état-" + rng.Next(50) + (i % 13 == 0 ? "✓" : "")).ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.Next(8) == 0 ? 0x800A0000L : 0L).ToArray());
    }

    private string Write(Data d, params int[] groups)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".parquet");
        using var fs = File.Create(path);
        using var w = new ParquetWriter(fs, Columns, new Dictionary<string, string> { ["sfe.test"] = "1" });
        var at = 0;
        foreach (var g in groups)
        {
            w.WriteRowGroup(g, d.Arrays(at, g));
            at += g;
        }
        w.Close();
        return path;
    }

    private static string? Expected(Data d, string column, int i) => column switch
    {
        "ts" => d.Ts[i].ToString(CultureInfo.InvariantCulture),
        "tag" => d.Tag[i],
        "unit" => d.Unit[i],
        "value" => d.Value[i] is { } v ? (double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture)) : null,
        "count" => d.Count[i]?.ToString(CultureInfo.InvariantCulture),
        "flag" => d.Flag[i] is { } f ? (f ? "true" : "false") : null,
        "text" => d.Text[i],
        "q" => d.Q[i].ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException(column),
    };

    private static string? Actual(JsonElement e, string column) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => column == "value" ? e.GetDouble().ToString("R", CultureInfo.InvariantCulture) : e.GetRawText(),
        _ when column == "value" && e.GetString() is { } s && s != "NaN" => double.Parse(s, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        _ => e.GetString(),
    };

    private static void AssertRows(Data d, JsonDocument doc, string reader)
    {
        var rows = doc.RootElement.GetProperty("rows");
        Assert.Equal(d.Ts.Length, rows.GetArrayLength());
        var i = 0;
        foreach (var row in rows.EnumerateArray())
        {
            foreach (var c in Columns)
                Assert.True(Expected(d, c.Name, i) == Actual(row.GetProperty(c.Name), c.Name), $"{reader}: row {i} column {c.Name}: expected {Expected(d, c.Name, i)}, read {Actual(row.GetProperty(c.Name), c.Name)}");
            i++;
        }
    }

    [ParquetReadersFact]
    public async Task DuckDbReadsBackTheSameRowsTypesAndStatistics()
    {
        var d = Generate(3000, 1);
        var path = Write(d, 2000, 1000);
        using var doc = await ParquetReaders.DuckDbAsync(path);
        var types = doc.RootElement.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("type").GetString()!);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["ts"]);
        Assert.Equal(("VARCHAR", "VARCHAR", "DOUBLE", "BIGINT", "BOOLEAN", "VARCHAR", "BIGINT"), (types["tag"], types["unit"], types["value"], types["count"], types["flag"], types["text"], types["q"]));
        AssertRows(d, doc, "duckdb");
        var stats = doc.RootElement.GetProperty("stats").EnumerateArray().ToList();
        Assert.Equal(2 * Columns.Length, stats.Count);
        foreach (var s in stats)
        {
            var group = long.Parse(s.GetProperty("row_group_id").ToString(), CultureInfo.InvariantCulture);
            var (from, n) = group == 0 ? (0, 2000) : (2000, 1000);
            var name = s.GetProperty("path_in_schema").GetString()!;
            Assert.Equal("GZIP", s.GetProperty("compression").GetString());
            var expectedNulls = Enumerable.Range(from, n).Count(i => Expected(d, name, i) is null);
            Assert.Equal(expectedNulls.ToString(CultureInfo.InvariantCulture), s.GetProperty("nulls").GetString());
            if (name == "value")
            {
                var values = d.Value.Skip(from).Take(n).Where(v => v is not null && !double.IsNaN(v.Value)).Select(v => v!.Value).ToList();
                Assert.Equal(values.Min(), double.Parse(s.GetProperty("stats_min_value").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(values.Max(), double.Parse(s.GetProperty("stats_max_value").GetString()!, CultureInfo.InvariantCulture));
            }
            if (name == "count")
            {
                var values = d.Count.Skip(from).Take(n).Where(v => v is not null).Select(v => v!.Value).ToList();
                Assert.Equal(values.Min().ToString(CultureInfo.InvariantCulture), s.GetProperty("stats_min_value").GetString());
                Assert.Equal(values.Max().ToString(CultureInfo.InvariantCulture), s.GetProperty("stats_max_value").GetString());
            }
            if (name == "tag")
            {
                var values = d.Tag.Skip(from).Take(n).Order(StringComparer.Ordinal).ToList();
                Assert.Equal((values[0], values[^1]), (s.GetProperty("stats_min_value").GetString(), s.GetProperty("stats_max_value").GetString()));
                Assert.Contains("RLE_DICTIONARY", s.GetProperty("encodings").GetString());
            }
        }
    }

    [ParquetReadersFact]
    public async Task HyparquetReadsBackTheSameRowsTypesAndStatistics()
    {
        var d = Generate(3000, 2);
        var path = Write(d, 1500, 1500);
        using var doc = await ParquetReaders.HyparquetAsync(path);
        Assert.Equal("3000", doc.RootElement.GetProperty("num_rows").ToString());
        var columns = doc.RootElement.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal("INT64", columns["ts"].GetProperty("type").GetString());
        Assert.Equal("TIMESTAMP", columns["ts"].GetProperty("logical").GetString());
        Assert.Equal("STRING", columns["tag"].GetProperty("logical").GetString());
        Assert.Equal(("DOUBLE", "OPTIONAL", "BOOLEAN", "REQUIRED"), (columns["value"].GetProperty("type").GetString(), columns["value"].GetProperty("repetition").GetString(),
            columns["flag"].GetProperty("type").GetString(), columns["q"].GetProperty("repetition").GetString()));
        AssertRows(d, doc, "hyparquet");
        foreach (var s in doc.RootElement.GetProperty("stats").EnumerateArray())
        {
            var from = s.GetProperty("row_group_id").GetInt32() * 1500;
            var name = s.GetProperty("path_in_schema").GetString()!;
            Assert.Equal("GZIP", s.GetProperty("codec").GetString());
            var expectedNulls = Enumerable.Range(from, 1500).Count(i => Expected(d, name, i) is null);
            Assert.Equal(expectedNulls.ToString(CultureInfo.InvariantCulture), s.GetProperty("nulls").ToString());
            if (name == "ts")
            {
                Assert.Equal(d.Ts.Skip(from).Take(1500).Min().ToString(CultureInfo.InvariantCulture), s.GetProperty("min").ToString());
                Assert.Equal(d.Ts.Skip(from).Take(1500).Max().ToString(CultureInfo.InvariantCulture), s.GetProperty("max").ToString());
            }
            if (name == "text")
            {
                var values = d.Text.Skip(from).Take(1500).OfType<string>().Order(StringComparer.Ordinal).ToList();
                Assert.Equal((values[0], values[^1]), (s.GetProperty("min").GetString(), s.GetProperty("max").GetString()));
            }
            if (name == "value")
            {
                var values = d.Value.Skip(from).Take(1500).Where(v => v is not null && !double.IsNaN(v.Value)).Select(v => v!.Value).ToList();
                Assert.Equal((values.Min(), values.Max()), (s.GetProperty("min").GetDouble(), s.GetProperty("max").GetDouble()));
            }
        }
    }

    [Fact]
    public void RleHybridPacksRunsAndLiterals()
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        RleHybrid.Encode([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 3], 2, w);
        // RLE run of ten 1s: header 10<<1 = 20, value 1; then one bit-packed group of 8 (header 3): 0,1,2,3 then zero padding
        Assert.Equal(new byte[] { 20, 1, 3, 0b11_10_01_00, 0 }, w.WrittenSpan.ToArray());
    }

    [Fact]
    public void RequiredColumnsRejectNulls()
    {
        using var ms = new MemoryStream();
        using var w = new ParquetWriter(ms, [new ParquetColumn("x", ParquetType.Int64)]);
        Assert.Throws<ArgumentException>(() => w.WriteRowGroup(2, [new long?[] { 1, null }]));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
