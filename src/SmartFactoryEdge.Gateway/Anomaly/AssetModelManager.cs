using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Center.Models;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Simulation;

namespace SmartFactoryEdge.Gateway.Anomaly;

/// <summary>What the gateway reports about one asset's pushed model (state document, metrics, local API).</summary>
/// <param name="Scored">Samples scored so far, per model version (every version that was active since the start).</param>
/// <param name="FirstSample">Per version: the source timestamp of the first sample it scored (UTC).</param>
/// <param name="LastSample">Per version: the source timestamp of the last sample it scored (UTC).</param>
public sealed record AssetModelStatus(string Asset, string Version, string? PreviousVersion, DateTime ActivatedUtc, string ContentHash,
    IReadOnlyDictionary<string, long> Scored, IReadOnlyDictionary<string, DateTime> FirstSample, IReadOnlyDictionary<string, DateTime> LastSample);

/// <summary>The outcome of offering a `cmd/model` document.</summary>
public sealed record ModelOfferResult(bool Accepted, IReadOnlyList<string> Changed, IReadOnlyList<string> Errors);

/// <summary>
/// The gateway's pushed models (one per asset), from `cmd/model` (docs/wire-contract.md, "Model set"). A document is
/// validated on the MQTT receive path (schema, content hash, dimensions, every tag known to this gateway's
/// configuration) and staged as a whole; the single scoring consumer (<see cref="AnomalySink"/>) calls
/// <see cref="ApplyPending"/> between two samples, so each sample is scored by exactly one model version: none is lost or
/// scored twice across a swap. The replaced model is kept as the asset's previous one. Every accepted, rejected,
/// activated and retired model is appended to an audit log (JSON lines, each entry chained to the previous by SHA-256),
/// and the active and previous sets are persisted, so a restart resumes with the same models before the broker answers.
/// </summary>
public sealed class AssetModelManager
{
    private readonly HashSet<string> _knownTags;
    private readonly ModelAuditLog? _audit;
    private readonly string? _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile Pending? _pending;
    private ActiveSet _active = ActiveSet.Empty; // written by the consumer under _gate, read by it without
    private readonly Dictionary<string, (AssetModel Model, DateTime Since)> _previous = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VersionStats> _stats = new(StringComparer.Ordinal);

    /// <param name="directory">Where active.json, previous.json and audit.jsonl live; null keeps nothing on disk.</param>
    public AssetModelManager(GatewayConfig config, string? directory, TimeProvider time, ILogger<AssetModelManager> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        _knownTags = KnownTags(config);
        _directory = directory;
        _time = time;
        _logger = logger;
        GatewayId = config.Gateway.Id;
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            _audit = new ModelAuditLog(Path.Combine(directory, "audit.jsonl"));
            LoadPersisted();
        }
    }

    public string GatewayId { get; }

    /// <summary>The audit log file, when the manager keeps one.</summary>
    public string? AuditPath => _audit?.Path;

    /// <summary>True while a staged document waits for the consumer.</summary>
    public bool HasPending => _pending is not null;

    /// <summary>Test hook: called on the consumer for every sample a model scored.</summary>
    internal Action<string, Sample>? Scored { get; set; }

    /// <summary>
    /// Validates a `cmd/model` payload and stages it for the scoring consumer. Called on the MQTT receive path. A document
    /// with any invalid model is rejected as a whole (the active models stay). Re-delivery of the active set (retained
    /// messages after each reconnect) changes nothing.
    /// </summary>
    public ModelOfferResult Offer(ReadOnlySpan<byte> payload, string origin)
    {
        ModelSet set;
        try
        {
            set = AssetModelJson.ParseSet(payload);
        }
        catch (FormatException e)
        {
            return Reject(origin, null, [e.Message]);
        }
        var errors = new List<string>();
        var assets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in set.Models)
        {
            if (!assets.Add(m.Asset)) errors.Add($"{m.Asset}: two models for the same asset.");
            foreach (var e in AssetModelJson.Validate(m)) errors.Add($"{m.Asset} {m.Version}: {e}");
            var missing = m.Tags.Where(t => !_knownTags.Contains(t)).ToArray();
            if (missing.Length > 0) errors.Add($"{m.Asset} {m.Version}: tag(s) {string.Join(", ", missing)} are not configured on gateway {GatewayId}.");
        }
        if (errors.Count > 0) return Reject(origin, set, errors);
        var current = Snapshot().ToDictionary(s => s.Asset, s => s.Version, StringComparer.Ordinal);
        var staged = _pending?.Set.Models.ToDictionary(m => m.Asset, m => m.Version, StringComparer.Ordinal);
        var target = set.Models.ToDictionary(m => m.Asset, m => m.Version, StringComparer.Ordinal);
        var reference = staged ?? current;
        var changed = target.Where(kv => !reference.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key)
            .Concat(reference.Keys.Where(a => !target.ContainsKey(a))).ToArray();
        if (changed.Length == 0) return new ModelOfferResult(true, [], []);
        foreach (var m in set.Models.Where(m => changed.Contains(m.Asset)))
        {
            _audit?.Append("accepted", m.Asset, m.Version, m.ContentHash, current.GetValueOrDefault(m.Asset), set.PublishedBy, origin, null, _time);
            ModelLog.Accepted(_logger, m.Asset, m.Version, set.PublishedBy, set.Reason);
        }
        _pending = new Pending(set, origin);
        return new ModelOfferResult(true, changed, []);
    }

    private ModelOfferResult Reject(string origin, ModelSet? set, List<string> errors)
    {
        var detail = string.Join(" ", errors);
        _audit?.Append("rejected", set?.Models.FirstOrDefault()?.Asset ?? "", set?.Models.FirstOrDefault()?.Version ?? "", null, null,
            set?.PublishedBy ?? "unknown", origin, detail, _time);
        ModelLog.Rejected(_logger, origin, detail);
        return new ModelOfferResult(false, [], errors);
    }

    /// <summary>
    /// Applies a staged document, if any. Called by the scoring consumer before each sample: one volatile read when
    /// nothing is staged. Assets whose version changes get a fresh scorer; the replaced model becomes the previous one.
    /// </summary>
    public void ApplyPending()
    {
        var pending = _pending;
        if (pending is null) return;
        Apply(pending);
    }

    private void Apply(Pending pending)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var byAsset = new Dictionary<string, AssetModelScorer>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var m in pending.Set.Models)
            {
                if (_active.ByAsset.TryGetValue(m.Asset, out var old) && old.Version == m.Version)
                {
                    byAsset[m.Asset] = old;
                    continue;
                }
                byAsset[m.Asset] = new AssetModelScorer(m, checkHash: false); // validated in Offer
                if (old is not null) Retire(old, now);
                if (!_stats.TryGetValue(m.Version, out var vs)) _stats[m.Version] = vs = new VersionStats(m.Asset);
                vs.ActivatedUtc = now;
                _audit?.Append("activated", m.Asset, m.Version, m.ContentHash, old?.Version, pending.Set.PublishedBy, pending.Origin, pending.Set.Reason, _time);
                ModelLog.Activated(_logger, m.Asset, m.Version, old?.Version ?? "none");
            }
            foreach (var old in _active.ByAsset.Values.Where(o => !byAsset.ContainsKey(o.Model.Asset)))
            {
                Retire(old, now);
                _audit?.Append("removed", old.Model.Asset, old.Version, old.Model.ContentHash, null, pending.Set.PublishedBy, pending.Origin, pending.Set.Reason, _time);
            }
            _active = new ActiveSet(byAsset, _stats);
            Interlocked.CompareExchange(ref _pending, null, pending);
        }
        Persist();
    }

    private void Retire(AssetModelScorer old, DateTime now)
    {
        _previous[old.Model.Asset] = (old.Model, now);
        _audit?.Append("retired", old.Model.Asset, old.Version, old.Model.ContentHash, null, GatewayId, "swap",
            $"scored {old.Scored} samples", _time);
    }

    /// <summary>Scores one sample with its asset's model, if any; appends events. Consumer only.</summary>
    public int Process(in Sample sample, List<AnomalyEvent> events)
    {
        var active = _active;
        if (active.ByTag.Count == 0 || !active.ByTag.TryGetValue(sample.TagId, out var routes)) return 0;
        if (!sample.Quality.IsGood || !sample.Value.HasValue) return 0;
        var value = sample.Value.AsDouble;
        if (!double.IsFinite(value)) return 0;
        var n = 0;
        foreach (var (scorer, index, stats) in routes)
        {
            n += scorer.Process(index, sample.TagId, value, sample.SourceTimestamp, events);
            stats.Touch(sample.SourceTimestamp);
            Scored?.Invoke(scorer.Version, sample);
        }
        return n;
    }

    /// <summary>Active models with their previous versions and per-version counts. Thread-safe.</summary>
    public IReadOnlyList<AssetModelStatus> Snapshot()
    {
        lock (_gate)
        {
            var list = new List<AssetModelStatus>();
            foreach (var (asset, scorer) in _active.ByAsset.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var versions = _stats.Where(kv => kv.Value.Asset == asset).ToArray();
                list.Add(new AssetModelStatus(asset, scorer.Version, _previous.TryGetValue(asset, out var p) ? p.Model.Version : null,
                    _stats[scorer.Version].ActivatedUtc, scorer.Model.ContentHash,
                    versions.ToDictionary(kv => kv.Key, kv => kv.Value.Scored, StringComparer.Ordinal),
                    versions.Where(kv => kv.Value.Scored > 0).ToDictionary(kv => kv.Key, kv => kv.Value.First, StringComparer.Ordinal),
                    versions.Where(kv => kv.Value.Scored > 0).ToDictionary(kv => kv.Key, kv => kv.Value.Last, StringComparer.Ordinal)));
            }
            return list;
        }
    }

    /// <summary>The active model of <paramref name="asset"/>, or null.</summary>
    public AssetModel? ActiveModel(string asset) { lock (_gate) return _active.ByAsset.TryGetValue(asset, out var s) ? s.Model : null; }

    /// <summary>The model the active one replaced, or null.</summary>
    public AssetModel? PreviousModel(string asset) { lock (_gate) return _previous.TryGetValue(asset, out var p) ? p.Model : null; }

    private void Persist()
    {
        if (_directory is null) return;
        try
        {
            AssetModel[] active, previous;
            lock (_gate)
            {
                active = _active.ByAsset.Values.Select(s => s.Model).ToArray();
                previous = _previous.Values.Select(p => p.Model).ToArray();
            }
            WriteAtomically(Path.Combine(_directory, "active.json"), AssetModelJson.Serialize(new ModelSet { PublishedUtc = _time.GetUtcNow().UtcDateTime, PublishedBy = GatewayId, Reason = "persisted", Models = active }));
            WriteAtomically(Path.Combine(_directory, "previous.json"), AssetModelJson.Serialize(new ModelSet { PublishedUtc = _time.GetUtcNow().UtcDateTime, PublishedBy = GatewayId, Reason = "persisted", Models = previous }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ModelLog.PersistFailed(_logger, _directory, e.Message);
        }
    }

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

    private void LoadPersisted()
    {
        var active = Path.Combine(_directory!, "active.json");
        if (!File.Exists(active)) return;
        try
        {
            var previousPath = Path.Combine(_directory!, "previous.json");
            if (File.Exists(previousPath))
            {
                foreach (var m in AssetModelJson.ParseSet(File.ReadAllBytes(previousPath)).Models)
                    if (AssetModelJson.Validate(m).Count == 0) _previous[m.Asset] = (m, default);
            }
            var result = Offer(File.ReadAllBytes(active), "restart:" + active);
            if (_pending is { } p) Apply(p);
            ModelLog.Restored(_logger, active, result.Changed.Count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            ModelLog.PersistFailed(_logger, active, e.Message);
        }
    }

    /// <summary>Every tag id this configuration can produce or names.</summary>
    internal static HashSet<string> KnownTags(GatewayConfig config)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in Aas.AssetTags.Collect(config).Values) known.UnionWith(list.Select(t => t.Id));
        known.UnionWith(config.Tags.Select(t => t.Id));
        foreach (var sim in config.Sources.Simulator)
            foreach (var machine in sim.Machines)
                known.UnionWith(ProcessModels.Create(machine).Signals.Select(s => $"{machine.Asset}.{s.Name}"));
        foreach (var endpoint in config.Sources.Opcua) known.UnionWith(endpoint.Tags.Select(t => t.Id));
        foreach (var device in config.Sources.Modbus?.Devices ?? []) known.UnionWith(device.PollGroups.SelectMany(g => g.Points).Select(p => p.TagId));
        foreach (var device in config.Sources.Sensors?.Devices ?? []) known.UnionWith(device.Tags.Values);
        return known;
    }

    private sealed record Pending(ModelSet Set, string Origin);

    /// <summary>Per version: samples scored and the first and last source timestamps; written by the consumer only.</summary>
    private sealed class VersionStats(string asset)
    {
        private long _scored, _first, _last;

        public string Asset { get; } = asset;

        public DateTime ActivatedUtc { get; set; }

        public long Scored => Volatile.Read(ref _scored);

        public DateTime First => new(Volatile.Read(ref _first), DateTimeKind.Utc);

        public DateTime Last => new(Volatile.Read(ref _last), DateTimeKind.Utc);

        public void Touch(DateTime timestamp)
        {
            if (_scored == 0) Volatile.Write(ref _first, timestamp.Ticks);
            Volatile.Write(ref _last, timestamp.Ticks);
            Volatile.Write(ref _scored, _scored + 1);
        }
    }

    private sealed class ActiveSet
    {
        public static readonly ActiveSet Empty = new(new Dictionary<string, AssetModelScorer>(StringComparer.Ordinal), []);

        public ActiveSet(Dictionary<string, AssetModelScorer> byAsset, Dictionary<string, VersionStats>? stats = null)
        {
            ByAsset = byAsset;
            foreach (var s in byAsset.Values)
            {
                for (var j = 0; j < s.Model.Tags.Count; j++)
                {
                    if (!ByTag.TryGetValue(s.Model.Tags[j], out var list)) ByTag[s.Model.Tags[j]] = list = [];
                    list.Add((s, j, stats![s.Version]));
                }
            }
        }

        public Dictionary<string, AssetModelScorer> ByAsset { get; }

        public Dictionary<string, List<(AssetModelScorer Scorer, int Index, VersionStats Stats)>> ByTag { get; } = new(StringComparer.Ordinal);
    }
}

internal static partial class ModelLog
{
    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Model {Version} for {Asset} accepted from {Who} ({Reason}); it takes over at the next sample")]
    public static partial void Accepted(ILogger logger, string asset, string version, string who, string reason);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "Model document from {Origin} rejected: {Errors}")]
    public static partial void Rejected(ILogger logger, string origin, string errors);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Information, Message = "Model {Version} for {Asset} active (previous: {Previous})")]
    public static partial void Activated(ILogger logger, string asset, string version, string previous);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Warning, Message = "Models in {Path} not persisted or restored: {Reason}")]
    public static partial void PersistFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1514, Level = LogLevel.Information, Message = "Models restored from {Path}: {Count} asset(s)")]
    public static partial void Restored(ILogger logger, string path, int count);
}
