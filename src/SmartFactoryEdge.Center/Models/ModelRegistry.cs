using System.Text.Json;
using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.Center.Models;

/// <summary>One asset's model history on one gateway: the versions in the order they became active (last = active).</summary>
public sealed record ModelHistory(string Site, string Gateway, string Asset, IReadOnlyList<string> Versions)
{
    public string? Active => Versions.Count > 0 ? Versions[^1] : null;
}

/// <summary>
/// The center's model registry, in a folder: every trained model as an immutable file
/// `{site}/{gateway}/{asset}/{version}.json`, the active history per gateway in `{site}/{gateway}/active.json`, and an
/// audit log (`audit.jsonl`, SHA-256 chained: <see cref="ModelAuditLog"/>) of every training, publication and rollback
/// with who and when. <see cref="BuildSet"/> gives the document to publish retained on the gateway's `cmd/model`: the
/// active model of every asset of that gateway.
/// </summary>
public sealed class ModelRegistry
{
    private readonly TimeProvider _time;

    public ModelRegistry(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        _time = time ?? TimeProvider.System;
        Audit = new ModelAuditLog(System.IO.Path.Combine(Directory, "audit.jsonl"));
    }

    public string Directory { get; }

    public ModelAuditLog Audit { get; }

    /// <summary>The user and host acting, for the audit log (user@host).</summary>
    public static string Actor => $"{Environment.UserName}@{Environment.MachineName}";

    private string GatewayDir(string site, string gateway) => System.IO.Path.Combine(Directory, site, gateway);

    /// <summary>Stores a trained model (immutable; storing the same version twice is a no-op) and audits it.</summary>
    public string Store(AssetModel model, string who)
    {
        ArgumentNullException.ThrowIfNull(model);
        var errors = AssetModelJson.Validate(model);
        if (errors.Count > 0) throw new ArgumentException($"Model {model.Version}: {string.Join(" ", errors)}", nameof(model));
        var dir = System.IO.Path.Combine(GatewayDir(model.Training.Site, model.Training.Gateway), model.Asset);
        System.IO.Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, FileName(model.Version));
        if (!File.Exists(path))
        {
            WriteAtomically(path, AssetModelJson.Serialize(model));
            Audit.Append("trained", model.Asset, model.Version, model.ContentHash, null, who, $"{model.Training.Site}/{model.Training.Gateway}",
                $"window {model.Training.FromUtc:o}..{model.Training.ToUtc:o}, {model.Training.Rows} rows; holdout alarm rate {model.Evaluation.HoldoutAlarmRate:0.####}", _time);
        }
        return path;
    }

    private static string FileName(string version) => version.Replace('@', '_') + ".json";

    /// <summary>Loads a stored model version.</summary>
    public AssetModel Load(string site, string gateway, string asset, string version)
    {
        var path = System.IO.Path.Combine(GatewayDir(site, gateway), asset, FileName(version));
        if (!File.Exists(path)) throw new ArgumentException($"Model {version} of {asset} on {site}/{gateway} is not in the registry {Directory}.");
        return AssetModelJson.ParseModel(File.ReadAllBytes(path));
    }

    /// <summary>The versions stored for an asset (any order).</summary>
    public IReadOnlyList<string> StoredVersions(string site, string gateway, string asset)
    {
        var dir = System.IO.Path.Combine(GatewayDir(site, gateway), asset);
        return System.IO.Directory.Exists(dir)
            ? System.IO.Directory.GetFiles(dir, "*.json").Select(f => AssetModelJson.ParseModel(File.ReadAllBytes(f)).Version).ToArray()
            : [];
    }

    /// <summary>The active history of every asset of a gateway.</summary>
    public IReadOnlyList<ModelHistory> Histories(string site, string gateway)
    {
        var path = System.IO.Path.Combine(GatewayDir(site, gateway), "active.json");
        if (!File.Exists(path)) return [];
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.EnumerateObject()
            .Select(p => new ModelHistory(site, gateway, p.Name, p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray()))
            .ToArray();
    }

    /// <summary>All gateways in the registry as (site, gateway).</summary>
    public IReadOnlyList<(string Site, string Gateway)> Gateways() =>
        System.IO.Directory.GetDirectories(Directory).SelectMany(s => System.IO.Directory.GetDirectories(s)
            .Select(g => (System.IO.Path.GetFileName(s), System.IO.Path.GetFileName(g)))).ToArray();

    private void SaveHistories(string site, string gateway, IEnumerable<ModelHistory> histories)
    {
        var dir = GatewayDir(site, gateway);
        System.IO.Directory.CreateDirectory(dir);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var h in histories.OrderBy(h => h.Asset, StringComparer.Ordinal))
            {
                json.WriteStartArray(h.Asset);
                foreach (var v in h.Versions) json.WriteStringValue(v);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        WriteAtomically(System.IO.Path.Combine(dir, "active.json"), buffer.WrittenSpan.ToArray());
    }

    /// <summary>Makes <paramref name="version"/> the asset's active model (pushed onto its history) and audits it.</summary>
    public void Activate(string site, string gateway, string asset, string version, string who)
    {
        var model = Load(site, gateway, asset, version);
        var histories = Histories(site, gateway).ToDictionary(h => h.Asset, StringComparer.Ordinal);
        var old = histories.TryGetValue(asset, out var h) ? h : new ModelHistory(site, gateway, asset, []);
        if (old.Active == version) return;
        histories[asset] = old with { Versions = [.. old.Versions, version] };
        SaveHistories(site, gateway, histories.Values);
        Audit.Append("activated", asset, version, model.ContentHash, old.Active, who, $"{site}/{gateway}", null, _time);
    }

    /// <summary>
    /// Rolls the asset back: to <paramref name="toVersion"/> when given (it must be stored), else to the version that was
    /// active before the current one. Returns (from, to). Audited.
    /// </summary>
    public (string From, string To) Rollback(string site, string gateway, string asset, string? toVersion, string who)
    {
        var histories = Histories(site, gateway).ToDictionary(h => h.Asset, StringComparer.Ordinal);
        if (!histories.TryGetValue(asset, out var h) || h.Active is null)
            throw new ArgumentException($"Asset {asset} on {site}/{gateway} has no active model to roll back.");
        var from = h.Active;
        var versions = h.Versions.ToList();
        string to;
        if (toVersion is null)
        {
            if (versions.Count < 2) throw new ArgumentException($"Asset {asset} on {site}/{gateway} has no previous model (only {from}).");
            versions.RemoveAt(versions.Count - 1);
            to = versions[^1];
        }
        else
        {
            to = toVersion;
            Load(site, gateway, asset, to); // must exist
            if (to == from) throw new ArgumentException($"{to} is already the active model of {asset}.");
            versions.Add(to);
        }
        histories[asset] = h with { Versions = versions };
        SaveHistories(site, gateway, histories.Values);
        Audit.Append("rollback", asset, to, Load(site, gateway, asset, to).ContentHash, from, who, $"{site}/{gateway}", null, _time);
        return (from, to);
    }

    /// <summary>The `cmd/model` document for a gateway: the active model of each of its assets.</summary>
    public ModelSet BuildSet(string site, string gateway, string who, string reason) => new()
    {
        PublishedUtc = _time.GetUtcNow().UtcDateTime,
        PublishedBy = who,
        Reason = reason,
        Models = Histories(site, gateway).Where(h => h.Active is not null).Select(h => Load(site, gateway, h.Asset, h.Active!)).ToArray(),
    };

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>What <see cref="ModelTraining.TrainAsync"/> trains on.</summary>
public sealed record ModelTrainingRequest
{
    public required string Asset { get; init; }

    public required DateTime FromUtc { get; init; }

    public required DateTime ToUtc { get; init; }

    public string? Site { get; init; }

    public string? Gateway { get; init; }

    /// <summary>The variables; default: every numeric tag of the asset seen in the window.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    public AssetModelTrainingOptions Options { get; init; } = new();
}

/// <summary>Turns a baseline window of a center dataset into an <see cref="AssetModel"/>.</summary>
public static class ModelTraining
{
    /// <summary>
    /// Reads the asset's Good numeric samples in [From, To) and builds rows the way the gateway scores them (the latest
    /// value of every tag, a row each time all tags have a new value), then fits. The window must hold one gateway's data
    /// unless <see cref="ModelTrainingRequest.Gateway"/> picks one.
    /// </summary>
    /// <exception cref="ArgumentException">No data, several gateways, too few rows.</exception>
    public static async Task<AssetModel> TrainAsync(ICenterStore store, ModelTrainingRequest request, string who, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        var query = new SampleQuery(UnixMicros.From(request.FromUtc), UnixMicros.From(request.ToUtc), request.Site, request.Asset, request.Tags);
        var samples = new List<(string Tag, long Micros, double Value)>();
        string? site = request.Site, gateway = request.Gateway;
        var gateways = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in store.ReadSamplesAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (request.Gateway is not null && row.Gateway != request.Gateway) continue;
            if (!new StatusCode(row.Quality).IsGood || !row.Value.HasValue || row.Value.Kind == Core.Samples.SampleValueKind.String) continue;
            var v = row.Value.AsDouble;
            if (!double.IsFinite(v)) continue;
            gateways.Add(row.Site + "/" + row.Gateway);
            site = row.Site;
            gateway = row.Gateway;
            samples.Add((row.Tag, row.SourceMicros, v));
        }
        if (samples.Count == 0)
            throw new ArgumentException($"No Good numeric samples of asset {request.Asset} between {request.FromUtc:o} and {request.ToUtc:o}{(request.Gateway is null ? "" : " from " + request.Gateway)}.");
        if (gateways.Count > 1)
            throw new ArgumentException($"Asset {request.Asset} has data from several gateways in the window ({string.Join(", ", gateways)}); pick one with --gateway.");
        var tags = request.Tags ?? samples.Select(s => s.Tag).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = tags.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, StringComparer.Ordinal);
        var d = tags.Count;
        var latest = new double[d];
        var fresh = new bool[d];
        var freshCount = 0;
        var rows = new List<double>();
        // the store orders by source time then tag; rows form as the gateway forms them
        foreach (var (tag, _, value) in samples)
        {
            if (!index.TryGetValue(tag, out var j)) continue;
            latest[j] = value;
            if (!fresh[j]) { fresh[j] = true; freshCount++; }
            if (freshCount < d) continue;
            rows.AddRange(latest);
            Array.Clear(fresh);
            freshCount = 0;
        }
        var window = new TrainingWindow(site!, gateway!, request.FromUtc, request.ToUtc, 0, 0, 0);
        return AssetModelTrainer.Train(request.Asset, tags, rows.ToArray(), window, time.GetUtcNow().UtcDateTime, who, request.Options);
    }
}
