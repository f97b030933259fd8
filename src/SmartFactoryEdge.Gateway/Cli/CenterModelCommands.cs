using System.CommandLine;
using System.Globalization;
using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Center.Models;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Mqtt.Client;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>
/// `sfe center train | rollback | models`: the model loop. `train` fits an asset's model on a baseline window of the
/// dataset, stores it in the registry and publishes the gateway's model set retained on its `cmd/model`; `rollback`
/// re-publishes the set with the asset's previous (or a named) version; `models` lists the registry and checks the audit
/// chain. Every change is written to the registry's audit log. Exit codes: 0 success, 1 failure, 2 invalid arguments.
/// </summary>
public static class CenterModelCommands
{
    private sealed class BrokerOptions
    {
        public readonly Option<string> Host = new("--host", "-H") { Description = "Broker host", DefaultValueFactory = _ => "127.0.0.1" };
        public readonly Option<int> Port = new("--port", "-p") { Description = "Broker port", DefaultValueFactory = _ => 1883 };
        public readonly Option<string?> Username = new("--username", "-u") { Description = "Broker user name (password from SFE_MQTT_PASSWORD)" };
        public readonly Option<bool> Tls = new("--tls") { Description = "TLS to the broker (certificate validated)" };
        public readonly Option<string?> CaFile = new("--cafile") { Description = "PEM CA certificate(s) to trust for the broker" };
        public readonly Option<bool> NoPublish = new("--no-publish") { Description = "Only update the registry; do not publish on cmd/model" };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Host, Port, Username, Tls, CaFile, NoPublish }) c.Options.Add(o);
        }

        public MqttClientOptions Get(ParseResult r) => new()
        {
            Host = r.GetValue(Host)!,
            Port = r.GetValue(Port),
            ClientId = $"sfe-center-models-{Environment.MachineName}-{Environment.ProcessId}",
            Username = r.GetValue(Username),
            Password = Environment.GetEnvironmentVariable("SFE_MQTT_PASSWORD") is { Length: > 0 } pw ? pw : null,
            Tls = new MqttClientTlsOptions { UseTls = r.GetValue(Tls) || r.GetValue(CaFile) is not null, CaFile = r.GetValue(CaFile) },
        };
    }

    private static readonly Option<string?> ModelsOption = new("--models") { Description = "Model registry folder (default: 'center-models' beside the SQLite file)" };

    public static void AddTo(Command center)
    {
        center.Subcommands.Add(CreateTrain());
        center.Subcommands.Add(CreateRollback());
        center.Subcommands.Add(CreateModels());
        center.Subcommands.Add(CreateScore());
    }

    private static Command CreateScore()
    {
        var store = new CenterCommands.StoreOptions();
        var labels = new Option<string>("--labels", "-l") { Description = "The simulator's labels CSV (tag,kind,start,end,magnitude)", Required = true };
        var after = new Option<double>("--after") { Description = "Seconds after a window's end an event still counts (detection delay)", DefaultValueFactory = _ => 10 };
        var before = new Option<double>("--before") { Description = "Seconds before a window's start an event already counts", DefaultValueFactory = _ => 0.5 };
        var cmd = new Command("score", "Match the anomaly events in the store to injected anomaly windows: detected / missed per asset and tag");
        store.AddTo(cmd);
        foreach (var o in new Option[] { labels, after, before }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                var list = Center.Evaluation.InjectedLabel.ParseCsv(await File.ReadAllTextAsync(r.GetValue(labels)!, ct));
                await using var s = CenterStoreFactory.Create(kind, connection);
                await s.InitializeAsync(ct);
                var score = await ScoreAsync(s, list, TimeSpan.FromSeconds(r.GetValue(before)), TimeSpan.FromSeconds(r.GetValue(after)), ct);
                foreach (var line in score.Report()) Console.WriteLine(line);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                return CenterCommands.Fail("score", new ArgumentException(e.Message, e));
            }
            catch (Exception e)
            {
                return CenterCommands.Fail("score", e);
            }
        });
        return cmd;
    }

    /// <summary>Scores the store's anomaly events against injected labels (used by `sfe center score` and the demo test).</summary>
    public static async Task<Center.Evaluation.DetectionScore> ScoreAsync(ICenterStore store, IReadOnlyList<Center.Evaluation.InjectedLabel> labels,
        TimeSpan before, TimeSpan after, CancellationToken ct)
    {
        if (labels.Count == 0) return Center.Evaluation.DetectionScore.Compute(labels, [], (_, _, _) => false, before, after);
        var from = Center.Ingest.UnixMicros.From(labels.Min(l => l.StartUtc) - before - TimeSpan.FromMinutes(10));
        var to = Center.Ingest.UnixMicros.From(labels.Max(l => l.EndUtc) + after + TimeSpan.FromMinutes(10));
        var events = await store.ReadAnomaliesAsync(new SampleQuery(from, to), ct);
        var tags = labels.Select(l => l.Tag).Distinct(StringComparer.Ordinal).ToArray();
        var seen = tags.ToDictionary(t => t, _ => new List<long>(), StringComparer.Ordinal);
        await foreach (var row in store.ReadSamplesAsync(new SampleQuery(from, to, Tags: tags), ct))
            if (seen.TryGetValue(row.Tag, out var l)) l.Add(row.SourceMicros);
        foreach (var l in seen.Values) l.Sort();
        bool HasSample(string tag, long a, long b)
        {
            var l = seen[tag];
            var i = l.BinarySearch(a);
            if (i < 0) i = ~i;
            return i < l.Count && l[i] <= b;
        }
        return Center.Evaluation.DetectionScore.Compute(labels, events, HasSample, before, after);
    }

    private static string RegistryPath(ParseResult r, CenterStoreKind kind, string connection) =>
        r.GetValue(ModelsOption) ?? (kind == CenterStoreKind.Sqlite ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(connection))!, "center-models") : "center-models");

    private static Command CreateTrain()
    {
        var store = new CenterCommands.StoreOptions();
        var broker = new BrokerOptions();
        var asset = new Option<string>("--asset", "-a") { Description = "The asset to train a model for", Required = true };
        var from = new Option<string>("--from") { Description = "Baseline window start (inclusive), ISO-8601 UTC", Required = true };
        var to = new Option<string>("--to") { Description = "Baseline window end (exclusive), ISO-8601 UTC", Required = true };
        var site = new Option<string?>("--site") { Description = "Only this site" };
        var gateway = new Option<string?>("--gateway") { Description = "Only this gateway (needed when several gateways have the asset)" };
        var tags = new Option<string?>("--tags") { Description = "The model's tags (comma-separated); default: every numeric tag of the asset in the window" };
        var alpha = new Option<double>("--alpha") { Description = "False-alarm rate of the T²/SPE limits", DefaultValueFactory = _ => 0.001 };
        var sigma = new Option<double>("--sigma") { Description = "Per-tag limits at mean ± this many standard deviations", DefaultValueFactory = _ => 5 };
        var variance = new Option<double>("--explained-variance") { Description = "Variance the retained components explain", DefaultValueFactory = _ => 0.85 };
        var cmd = new Command("train", "Fit an asset's model (PCA T²/SPE and per-tag limits) on a baseline window, version it, and publish it retained on the gateway's cmd/model");
        store.AddTo(cmd);
        broker.AddTo(cmd);
        foreach (var o in new Option[] { asset, from, to, site, gateway, tags, alpha, sigma, variance, ModelsOption }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                var request = new ModelTrainingRequest
                {
                    Asset = r.GetValue(asset)!,
                    FromUtc = CenterCommands.ParseTime(r.GetValue(from)!, "--from"),
                    ToUtc = CenterCommands.ParseTime(r.GetValue(to)!, "--to"),
                    Site = r.GetValue(site),
                    Gateway = r.GetValue(gateway),
                    Tags = r.GetValue(tags)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Options = new AssetModelTrainingOptions { Alpha = r.GetValue(alpha), TagSigma = r.GetValue(sigma), ExplainedVariance = r.GetValue(variance) },
                };
                if (request.ToUtc <= request.FromUtc) throw new ArgumentException("--to must be after --from.");
                var who = ModelRegistry.Actor;
                await using var s = CenterStoreFactory.Create(kind, connection);
                await s.InitializeAsync(ct);
                var model = await ModelTraining.TrainAsync(s, request, who, TimeProvider.System, ct);
                var registry = new ModelRegistry(RegistryPath(r, kind, connection));
                var path = registry.Store(model, who);
                registry.Activate(model.Training.Site, model.Training.Gateway, model.Asset, model.Version, who);
                var e = model.Evaluation;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sfe center train: model {model.Version} ({model.ContentHash}) for {model.Asset} on {model.Training.Site}/{model.Training.Gateway}: {model.Training.Rows} rows of {model.Dimension} tags, {model.Pca.Loadings.Count} component(s) explaining {model.Pca.ExplainedVariance:P1}; alarm rate fit {e.FitAlarmRate:0.####}, holdout {e.HoldoutAlarmRate:0.####} (T²/SPE), {e.HoldoutTagAlarmRate:0.####} (tag limits); stored {path}"));
                await PublishAsync(r, broker, registry, model.Training.Site, model.Training.Gateway, who, "train", ct);
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return CenterCommands.Fail("train", e);
            }
        });
        return cmd;
    }

    private static async Task PublishAsync(ParseResult r, BrokerOptions broker, ModelRegistry registry, string site, string gateway, string who, string reason, CancellationToken ct)
    {
        if (r.GetValue(broker.NoPublish))
        {
            Console.WriteLine("sfe center: not published (--no-publish)");
            return;
        }
        var set = registry.BuildSet(site, gateway, who, reason);
        var options = broker.Get(r);
        await ModelPublisher.PublishAsync(options, site, gateway, set, ct);
        foreach (var m in set.Models)
            registry.Audit.Append("published", m.Asset, m.Version, m.ContentHash, null, who, ModelPublisher.Topic(site, gateway), reason, TimeProvider.System);
        Console.WriteLine($"sfe center: published {set.Models.Count} model(s) retained on {ModelPublisher.Topic(site, gateway)} via {options.Host}:{options.Port}");
    }

    private static Command CreateRollback()
    {
        var store = new CenterCommands.StoreOptions();
        var broker = new BrokerOptions();
        var asset = new Option<string>("--asset", "-a") { Description = "The asset whose model is rolled back", Required = true };
        var site = new Option<string?>("--site") { Description = "The site (default: the only one with this asset in the registry)" };
        var gateway = new Option<string?>("--gateway") { Description = "The gateway (default: the only one with this asset in the registry)" };
        var version = new Option<string?>("--to") { Description = "The version to return to (default: the one active before the current)" };
        var cmd = new Command("rollback", "Make an asset's previous (or a named) model active again and publish it retained on the gateway's cmd/model");
        store.AddTo(cmd);
        broker.AddTo(cmd);
        foreach (var o in new Option[] { asset, site, gateway, version, ModelsOption }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                var registry = new ModelRegistry(RegistryPath(r, kind, connection));
                var a = r.GetValue(asset)!;
                var candidates = registry.Gateways()
                    .Where(g => (r.GetValue(site) is not { } s || s == g.Site) && (r.GetValue(gateway) is not { } gw || gw == g.Gateway))
                    .Where(g => registry.Histories(g.Site, g.Gateway).Any(h => h.Asset == a)).ToArray();
                if (candidates.Length == 0) throw new ArgumentException($"No gateway in the registry {registry.Directory} has a model for asset {a}.");
                if (candidates.Length > 1) throw new ArgumentException($"Several gateways have a model for {a} ({string.Join(", ", candidates.Select(c => c.Site + "/" + c.Gateway))}); pick one with --site/--gateway.");
                var (siteId, gatewayId) = candidates[0];
                var who = ModelRegistry.Actor;
                var (fromVersion, toVersion) = registry.Rollback(siteId, gatewayId, a, r.GetValue(version), who);
                Console.WriteLine($"sfe center rollback: {a} on {siteId}/{gatewayId}: {fromVersion} -> model {toVersion}");
                await PublishAsync(r, broker, registry, siteId, gatewayId, who, "rollback", ct);
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return CenterCommands.Fail("rollback", e);
            }
        });
        return cmd;
    }

    private static Command CreateModels()
    {
        var store = new CenterCommands.StoreOptions();
        var cmd = new Command("models", "List the model registry (active version and history per gateway and asset) and verify the audit log's chain");
        store.AddTo(cmd);
        cmd.Options.Add(ModelsOption);
        cmd.SetAction((r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                var registry = new ModelRegistry(RegistryPath(r, kind, connection));
                foreach (var (s, g) in registry.Gateways())
                    foreach (var h in registry.Histories(s, g))
                        Console.WriteLine($"{s}/{g} {h.Asset}: active {h.Active ?? "-"}; history {string.Join(" -> ", h.Versions)}");
                var audit = registry.Audit.Path;
                if (!File.Exists(audit))
                {
                    Console.WriteLine("audit log: empty");
                    return Task.FromResult(ExitCodes.Ok);
                }
                var broken = ModelAuditLog.Verify(audit);
                Console.WriteLine(broken == 0 ? $"audit log {audit}: {File.ReadLines(audit).Count()} entries, chain intact" : $"audit log {audit}: chain broken at line {broken}");
                return Task.FromResult(broken == 0 ? ExitCodes.Ok : ExitCodes.Failure);
            }
            catch (Exception e)
            {
                return Task.FromResult(CenterCommands.Fail("models", e));
            }
        });
        return cmd;
    }
}
