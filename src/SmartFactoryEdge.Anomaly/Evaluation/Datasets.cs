using System.Globalization;
using System.Text.Json;

namespace SmartFactoryEdge.Anomaly.Evaluation;

/// <summary>One NAB file: timestamps, values and the labelled windows as inclusive row ranges.</summary>
public sealed record NabFile(string Name, DateTime[] Timestamps, double[] Values, IReadOnlyList<(int Start, int End)> Windows);

/// <summary>One SKAB file: timestamps in seconds, rows of <see cref="Dimension"/> channels (row-major), labels.</summary>
public sealed record SkabFile(string Name, DateTime[] Timestamps, double[] Rows, int Dimension, string[] Channels, bool[] Anomaly, bool[] ChangePoint)
{
    public int Length => Anomaly.Length;

    public ReadOnlySpan<double> Row(int i) => Rows.AsSpan(i * Dimension, Dimension);
}

/// <summary>Pure parsers for the NAB and SKAB file formats (text in, records out; no file access).</summary>
public static class DatasetParsers
{
    private static readonly string[] TimeFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd'T'HH:mm:ss"];

    public static DateTime ParseTime(ReadOnlySpan<char> s) =>
        DateTime.ParseExact(s.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>Parses a NAB CSV (timestamp,value) and maps the label windows of this file to row indices.</summary>
    public static NabFile ParseNab(string name, string csv, IReadOnlyList<(DateTime Start, DateTime End)> windows)
    {
        var times = new List<DateTime>();
        var values = new List<double>();
        var lineNo = 0;
        foreach (var raw in csv.AsSpan().EnumerateLines())
        {
            lineNo++;
            var line = raw.Trim();
            if (line.IsEmpty || lineNo == 1) continue;
            var comma = line.IndexOf(',');
            if (comma < 0) throw new FormatException($"{name} line {lineNo}: expected 'timestamp,value'.");
            times.Add(ParseTime(line[..comma]));
            values.Add(double.Parse(line[(comma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        var ts = times.ToArray();
        var rows = new List<(int, int)>();
        foreach (var (start, end) in windows)
        {
            var s = Array.FindIndex(ts, t => t >= start);
            var e = Array.FindLastIndex(ts, t => t <= end);
            if (s < 0 || e < s) throw new FormatException($"{name}: label window {start:s}..{end:s} matches no rows.");
            rows.Add((s, e));
        }

        return new NabFile(name, ts, values.ToArray(), rows);
    }

    /// <summary>Parses NAB's label_windows.json: {"category/file.csv": [["start", "end"], ...]}.</summary>
    public static Dictionary<string, List<(DateTime Start, DateTime End)>> ParseNabWindows(string json)
    {
        var result = new Dictionary<string, List<(DateTime, DateTime)>>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var file in doc.RootElement.EnumerateObject())
        {
            var list = new List<(DateTime, DateTime)>();
            foreach (var w in file.Value.EnumerateArray())
            {
                var a = w[0].GetString() ?? throw new FormatException($"label_windows.json: {file.Name} has a null start.");
                var b = w[1].GetString() ?? throw new FormatException($"label_windows.json: {file.Name} has a null end.");
                list.Add((ParseTime(a), ParseTime(b)));
            }

            result[file.Name] = list;
        }

        return result;
    }

    /// <summary>Parses a SKAB CSV (';'-separated; datetime, channels..., anomaly, changepoint).</summary>
    public static SkabFile ParseSkab(string name, string csv)
    {
        string[]? header = null;
        int anomalyCol = -1, cpCol = -1;
        var channels = new List<int>();
        var times = new List<DateTime>();
        var rows = new List<double>();
        var anomaly = new List<bool>();
        var cp = new List<bool>();
        var lineNo = 0;
        foreach (var raw in csv.AsSpan().EnumerateLines())
        {
            lineNo++;
            var line = raw.Trim();
            if (line.IsEmpty) continue;
            var parts = line.ToString().Split(';');
            if (header is null)
            {
                header = parts;
                anomalyCol = Array.IndexOf(header, "anomaly");
                cpCol = Array.IndexOf(header, "changepoint");
                for (var c = 1; c < header.Length; c++)
                    if (c != anomalyCol && c != cpCol) channels.Add(c);
                continue;
            }

            if (parts.Length != header.Length) throw new FormatException($"{name} line {lineNo}: {parts.Length} fields, header has {header.Length}.");
            times.Add(ParseTime(parts[0]));
            foreach (var c in channels) rows.Add(double.Parse(parts[c], NumberStyles.Float, CultureInfo.InvariantCulture));
            anomaly.Add(anomalyCol >= 0 && double.Parse(parts[anomalyCol], CultureInfo.InvariantCulture) > 0.5);
            cp.Add(cpCol >= 0 && double.Parse(parts[cpCol], CultureInfo.InvariantCulture) > 0.5);
        }

        if (header is null) throw new FormatException($"{name}: empty file.");
        return new SkabFile(name, times.ToArray(), rows.ToArray(), channels.Count, channels.Select(c => header[c]).ToArray(), anomaly.ToArray(), cp.ToArray());
    }
}
