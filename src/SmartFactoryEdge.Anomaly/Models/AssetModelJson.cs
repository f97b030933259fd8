using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmartFactoryEdge.Anomaly.Models;

/// <summary>
/// The JSON form of <see cref="AssetModel"/> and <see cref="ModelSet"/> (docs/wire-contract.md, "Model set"). Writing is
/// canonical (fixed member order, shortest round-trip numbers), so the content hash is reproducible. Reading is strict:
/// every structural problem is a <see cref="FormatException"/> whose message names the JSON path, and
/// <see cref="Validate"/> checks dimensions, finiteness and the content hash. Pure: strings and bytes, no I/O.
/// </summary>
public static class AssetModelJson
{
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>A model with its <see cref="AssetModel.ContentHash"/> and <see cref="AssetModel.Version"/> computed.</summary>
    public static AssetModel Seal(AssetModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var hash = ComputeHash(model);
        return model with { ContentHash = hash, Version = VersionOf(model.Asset, hash) };
    }

    /// <summary>"sha256:" + hex of SHA-256 over the canonical JSON without version and hash.</summary>
    public static string ComputeHash(AssetModel model)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Writer)) WriteModel(json, model, includeIdentity: false);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>"{asset}@{first 12 hex digits}".</summary>
    public static string VersionOf(string asset, string contentHash) => asset + "@" + contentHash["sha256:".Length..Math.Min(contentHash.Length, "sha256:".Length + 12)];

    public static byte[] Serialize(AssetModel model)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Writer)) WriteModel(json, model, includeIdentity: true);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Serialize(ModelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteString("kind", ModelSet.DocumentKind);
            json.WriteString("publishedAt", set.PublishedUtc);
            json.WriteString("publishedBy", set.PublishedBy);
            json.WriteString("reason", set.Reason);
            json.WriteStartArray("models");
            foreach (var m in set.Models) WriteModel(json, m, includeIdentity: true);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteModel(Utf8JsonWriter json, AssetModel m, bool includeIdentity)
    {
        json.WriteStartObject();
        json.WriteNumber("v", 1);
        json.WriteString("kind", AssetModel.DocumentKind);
        json.WriteString("asset", m.Asset);
        if (includeIdentity)
        {
            json.WriteString("version", m.Version);
            json.WriteString("contentHash", m.ContentHash);
        }
        json.WriteString("createdAt", m.CreatedUtc);
        json.WriteString("createdBy", m.CreatedBy);
        json.WriteStartArray("tags");
        foreach (var t in m.Tags) json.WriteStringValue(t);
        json.WriteEndArray();
        var w = m.Training;
        json.WriteStartObject("training");
        json.WriteString("site", w.Site);
        json.WriteString("gateway", w.Gateway);
        json.WriteString("from", w.FromUtc);
        json.WriteString("to", w.ToUtc);
        json.WriteNumber("rows", w.Rows);
        json.WriteNumber("fitRows", w.FitRows);
        json.WriteNumber("holdoutRows", w.HoldoutRows);
        json.WriteEndObject();
        json.WriteStartArray("statistics");
        foreach (var s in m.Statistics)
        {
            json.WriteStartObject();
            json.WriteString("tag", s.Tag);
            json.WriteNumber("mean", s.Mean);
            json.WriteNumber("std", s.Std);
            json.WriteNumber("min", s.Min);
            json.WriteNumber("max", s.Max);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        var p = m.Pca;
        json.WriteStartObject("pca");
        WriteArray(json, "mean", p.Mean);
        WriteArray(json, "scale", p.Scale);
        json.WriteStartArray("loadings");
        foreach (var row in p.Loadings)
        {
            json.WriteStartArray();
            foreach (var v in row) json.WriteNumberValue(v);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        WriteArray(json, "eigenValues", p.EigenValues);
        json.WriteNumber("explainedVariance", p.ExplainedVariance);
        json.WriteNumber("alpha", p.Alpha);
        json.WriteNumber("t2Limit", p.T2Limit);
        json.WriteNumber("speLimit", p.SpeLimit);
        json.WriteEndObject();
        json.WriteStartArray("limits");
        foreach (var l in m.Limits)
        {
            json.WriteStartObject();
            json.WriteString("tag", l.Tag);
            json.WriteNumber("low", l.Low);
            json.WriteNumber("high", l.High);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        var e = m.Evaluation;
        json.WriteStartObject("evaluation");
        json.WriteNumber("fitAlarmRate", e.FitAlarmRate);
        json.WriteNumber("holdoutAlarmRate", e.HoldoutAlarmRate);
        json.WriteNumber("holdoutTagAlarmRate", e.HoldoutTagAlarmRate);
        json.WriteNumber("meanT2", e.MeanT2);
        json.WriteNumber("meanSpe", e.MeanSpe);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IReadOnlyList<double> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    /// <summary>Parses a model set (the `cmd/model` payload).</summary>
    /// <exception cref="FormatException">Not a v1 model set; the message names the JSON path.</exception>
    public static ModelSet ParseSet(ReadOnlySpan<byte> utf8)
    {
        using var doc = Open(utf8);
        var root = doc.RootElement;
        Expect(root, JsonValueKind.Object, "$");
        if (Int(root, "v", "$") != 1) throw new FormatException("$.v: only version 1 is understood.");
        if (Str(root, "kind", "$") != ModelSet.DocumentKind) throw new FormatException($"$.kind: expected '{ModelSet.DocumentKind}'.");
        var models = Member(root, "models", "$", JsonValueKind.Array);
        var list = new List<AssetModel>();
        var i = 0;
        foreach (var m in models.EnumerateArray()) list.Add(ReadModel(m, $"$.models[{i++}]"));
        return new ModelSet
        {
            PublishedUtc = Time(root, "publishedAt", "$"),
            PublishedBy = Str(root, "publishedBy", "$"),
            Reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "train",
            Models = list,
        };
    }

    /// <summary>Parses one model document.</summary>
    /// <exception cref="FormatException">Not a v1 model; the message names the JSON path.</exception>
    public static AssetModel ParseModel(ReadOnlySpan<byte> utf8)
    {
        using var doc = Open(utf8);
        return ReadModel(doc.RootElement, "$");
    }

    private static JsonDocument Open(ReadOnlySpan<byte> utf8)
    {
        // the reader checks UTF-8 only where it unescapes; a bad byte inside a string would surface later as another exception
        if (!System.Text.Unicode.Utf8.IsValid(utf8)) throw new FormatException("Not UTF-8.");
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 16 });
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Not JSON: {e.Message}", e);
        }
    }

    private static AssetModel ReadModel(JsonElement e, string path)
    {
        Expect(e, JsonValueKind.Object, path);
        if (Int(e, "v", path) != 1) throw new FormatException($"{path}.v: only version 1 is understood.");
        if (Str(e, "kind", path) != AssetModel.DocumentKind) throw new FormatException($"{path}.kind: expected '{AssetModel.DocumentKind}'.");
        var tags = new List<string>();
        var i = 0;
        foreach (var t in Member(e, "tags", path, JsonValueKind.Array).EnumerateArray())
        {
            Expect(t, JsonValueKind.String, $"{path}.tags[{i++}]");
            tags.Add(t.GetString()!);
        }
        var tw = Member(e, "training", path, JsonValueKind.Object);
        var tp = path + ".training";
        var stats = new List<TagStatistics>();
        i = 0;
        foreach (var s in Member(e, "statistics", path, JsonValueKind.Array).EnumerateArray())
        {
            var sp = $"{path}.statistics[{i++}]";
            Expect(s, JsonValueKind.Object, sp);
            stats.Add(new TagStatistics(Str(s, "tag", sp), Num(s, "mean", sp), Num(s, "std", sp), Num(s, "min", sp), Num(s, "max", sp)));
        }
        var p = Member(e, "pca", path, JsonValueKind.Object);
        var pp = path + ".pca";
        var loadings = new List<IReadOnlyList<double>>();
        i = 0;
        foreach (var row in Member(p, "loadings", pp, JsonValueKind.Array).EnumerateArray())
            loadings.Add(Numbers(row, $"{pp}.loadings[{i++}]"));
        var limits = new List<TagLimits>();
        i = 0;
        foreach (var l in Member(e, "limits", path, JsonValueKind.Array).EnumerateArray())
        {
            var lp = $"{path}.limits[{i++}]";
            Expect(l, JsonValueKind.Object, lp);
            limits.Add(new TagLimits(Str(l, "tag", lp), Num(l, "low", lp), Num(l, "high", lp)));
        }
        var ev = Member(e, "evaluation", path, JsonValueKind.Object);
        var ep = path + ".evaluation";
        return new AssetModel
        {
            Asset = Str(e, "asset", path),
            Version = Str(e, "version", path),
            ContentHash = Str(e, "contentHash", path),
            CreatedUtc = Time(e, "createdAt", path),
            CreatedBy = Str(e, "createdBy", path),
            Tags = tags,
            Training = new TrainingWindow(Str(tw, "site", tp), Str(tw, "gateway", tp), Time(tw, "from", tp), Time(tw, "to", tp),
                Int(tw, "rows", tp), Int(tw, "fitRows", tp), Int(tw, "holdoutRows", tp)),
            Statistics = stats,
            Pca = new PcaParameters(Numbers(Member(p, "mean", pp, JsonValueKind.Array), pp + ".mean"), Numbers(Member(p, "scale", pp, JsonValueKind.Array), pp + ".scale"),
                loadings, Numbers(Member(p, "eigenValues", pp, JsonValueKind.Array), pp + ".eigenValues"), Num(p, "explainedVariance", pp), Num(p, "alpha", pp),
                Num(p, "t2Limit", pp), Num(p, "speLimit", pp)),
            Limits = limits,
            Evaluation = new ModelEvaluation(Num(ev, "fitAlarmRate", ep), Num(ev, "holdoutAlarmRate", ep), Num(ev, "holdoutTagAlarmRate", ep),
                Num(ev, "meanT2", ep), Num(ev, "meanSpe", ep)),
        };
    }

    /// <summary>
    /// Checks what a scorer relies on: dimensions agree, numbers are finite, scales and limits positive, tags unique and
    /// matching across sections, and the content hash and version match the content. Returns the problems (empty: valid).
    /// </summary>
    public static IReadOnlyList<string> Validate(AssetModel m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var errors = new List<string>();
        var d = m.Tags.Count;
        if (string.IsNullOrEmpty(m.Asset)) errors.Add("asset: empty.");
        if (d < 2) errors.Add($"tags: a multivariate model needs at least 2 tags, has {d}.");
        if (m.Tags.Distinct(StringComparer.Ordinal).Count() != d) errors.Add("tags: a tag appears twice.");
        if (m.Tags.Any(string.IsNullOrEmpty)) errors.Add("tags: an empty tag id.");
        if (m.Statistics.Count != d) errors.Add($"statistics: {m.Statistics.Count} entries for {d} tags.");
        if (m.Limits.Count != d) errors.Add($"limits: {m.Limits.Count} entries for {d} tags.");
        for (var j = 0; j < Math.Min(d, m.Limits.Count); j++)
        {
            var l = m.Limits[j];
            if (l.Tag != m.Tags[j]) errors.Add($"limits[{j}].tag: '{l.Tag}', tags[{j}] is '{m.Tags[j]}'.");
            if (!double.IsFinite(l.Low) || !double.IsFinite(l.High) || l.Low >= l.High) errors.Add($"limits[{j}]: low {l.Low} must be below high {l.High}, both finite.");
        }
        for (var j = 0; j < Math.Min(d, m.Statistics.Count); j++)
        {
            if (m.Statistics[j].Tag != m.Tags[j]) errors.Add($"statistics[{j}].tag: '{m.Statistics[j].Tag}', tags[{j}] is '{m.Tags[j]}'.");
        }
        var p = m.Pca;
        if (p.Mean.Count != d) errors.Add($"pca.mean: {p.Mean.Count} values for {d} tags.");
        if (p.Scale.Count != d) errors.Add($"pca.scale: {p.Scale.Count} values for {d} tags.");
        if (p.Mean.Any(v => !double.IsFinite(v))) errors.Add("pca.mean: a value is not finite.");
        if (p.Scale.Any(v => !double.IsFinite(v) || v <= 0)) errors.Add("pca.scale: every value must be finite and positive.");
        var k = p.Loadings.Count;
        if (k < 1 || k >= Math.Max(d, 2)) errors.Add($"pca.loadings: {k} components for {d} tags (1 to {d - 1}).");
        for (var c = 0; c < k; c++)
        {
            if (p.Loadings[c].Count != d) errors.Add($"pca.loadings[{c}]: {p.Loadings[c].Count} values for {d} tags.");
            else if (p.Loadings[c].Any(v => !double.IsFinite(v))) errors.Add($"pca.loadings[{c}]: a value is not finite.");
        }
        if (p.EigenValues.Count != k) errors.Add($"pca.eigenValues: {p.EigenValues.Count} values for {k} components.");
        if (p.EigenValues.Any(v => !double.IsFinite(v) || v <= 0)) errors.Add("pca.eigenValues: every value must be finite and positive.");
        if (!double.IsFinite(p.T2Limit) || p.T2Limit <= 0) errors.Add($"pca.t2Limit: {p.T2Limit} is not a positive number.");
        if (!double.IsFinite(p.SpeLimit) || p.SpeLimit <= 0) errors.Add($"pca.speLimit: {p.SpeLimit} is not a positive number.");
        if (errors.Count == 0)
        {
            var hash = ComputeHash(m);
            if (m.ContentHash != hash) errors.Add($"contentHash: '{m.ContentHash}' does not match the content ({hash}).");
            else if (m.Version != VersionOf(m.Asset, hash)) errors.Add($"version: '{m.Version}' is not '{VersionOf(m.Asset, hash)}'.");
        }
        return errors;
    }

    private static void Expect(JsonElement e, JsonValueKind kind, string path)
    {
        if (e.ValueKind != kind) throw new FormatException($"{path}: expected {kind.ToString().ToLowerInvariant()}, got {e.ValueKind.ToString().ToLowerInvariant()}.");
    }

    private static JsonElement Member(JsonElement e, string name, string path, JsonValueKind kind)
    {
        if (!e.TryGetProperty(name, out var v)) throw new FormatException($"{path}.{name}: missing.");
        Expect(v, kind, $"{path}.{name}");
        return v;
    }

    private static string Str(JsonElement e, string name, string path) => Member(e, name, path, JsonValueKind.String).GetString()!;

    private static double Num(JsonElement e, string name, string path) => Finite(Member(e, name, path, JsonValueKind.Number), $"{path}.{name}");

    private static double Finite(JsonElement e, string path) =>
        e.TryGetDouble(out var v) && double.IsFinite(v) ? v : throw new FormatException($"{path}: not a finite number.");

    private static int Int(JsonElement e, string name, string path) =>
        Member(e, name, path, JsonValueKind.Number).TryGetInt32(out var v) ? v : throw new FormatException($"{path}.{name}: not a 32-bit integer.");

    private static DateTime Time(JsonElement e, string name, string path)
    {
        var s = Str(e, name, path);
        return DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
            : throw new FormatException($"{path}.{name}: '{s}' is not an ISO-8601 time.");
    }

    private static double[] Numbers(JsonElement e, string path)
    {
        Expect(e, JsonValueKind.Array, path);
        var list = new double[e.GetArrayLength()];
        var i = 0;
        foreach (var v in e.EnumerateArray())
        {
            Expect(v, JsonValueKind.Number, $"{path}[{i}]");
            list[i] = Finite(v, $"{path}[{i}]");
            i++;
        }
        return list;
    }
}
