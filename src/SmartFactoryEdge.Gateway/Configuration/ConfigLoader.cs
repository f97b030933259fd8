using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Devices.SensorSource;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.Gateway.Simulation;
using YamlDotNet.Core;

namespace SmartFactoryEdge.Gateway.Configuration;

/// <summary>
/// Reads a gateway YAML file, binds it and checks it, reporting every problem at once as
/// `file:line:column: key.path: message` (syntax errors, unknown keys, wrong types, missing keys, ranges,
/// duplicate ids, dangling references).
/// </summary>
public static class ConfigLoader
{
    public static (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string path)
    {
        var errors = new List<ConfigError>();
        var display = path;
        if (!File.Exists(path))
        {
            errors.Add(new ConfigError(display, 0, 0, "", "the configuration file does not exist"));
            return (null, errors);
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ConfigError(display, 0, 0, "", $"cannot be read: {e.Message}"));
            return (null, errors);
        }
        var large = text.Length >= LargeConfigChars;
        var config = Parse(text, display, errors);
        if (large)
        {
            // The YAML tree and the binder's bookkeeping are garbage now. From a large file they would sit in gen2 until
            // the first full collection, long after start-up, holding resident memory up while the sources connect;
            // one aggressive collection returns them to the system (10k-tag file: the start-up plateau goes away).
            text = "";
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        if (config is not null)
        {
            config.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            config.FilePath = Path.GetFullPath(path);
        }
        return (errors.Count == 0 ? config : null, errors);
    }

    /// <summary>Above this size (characters) the loader collects the parser's garbage once it has bound the file.</summary>
    private const int LargeConfigChars = 256 * 1024;

    /// <summary>Parses YAML text; <paramref name="file"/> only names it in messages.</summary>
    public static GatewayConfig? Parse(string text, string file, List<ConfigError> errors)
    {
        List<ConfigNode> documents;
        try
        {
            documents = ConfigYaml.Load(text);
        }
        catch (YamlException e)
        {
            errors.Add(new ConfigError(file, (int)e.Start.Line, (int)e.Start.Column, "", "YAML syntax: " + Clean(e.Message)));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet 16 throws this (without a position) for some unterminated flow collections
            var lines = text.Split('\n');
            errors.Add(new ConfigError(file, lines.Length, 1, "", "YAML syntax: the parser stopped at a construct it cannot read (an unterminated [list] or {mapping}, or a stray anchor, alias or tag); check brackets, quotes and & * ! characters"));
            return null;
        }
        if (documents.Count == 0 || documents[0] is ConfigScalar { Value: "" })
        {
            errors.Add(new ConfigError(file, 1, 1, "", "the file is empty; it needs at least the 'gateway' section"));
            return null;
        }
        if (documents.Count > 1)
            errors.Add(new ConfigError(file, documents[1].Position.Line, 1, "", "only one YAML document is allowed per file"));
        var root = documents[0];
        if (root is not ConfigMapping)
        {
            errors.Add(new ConfigError(file, root.Position.Line, root.Position.Column, "", "the top level must be a mapping of sections (gateway:, sources:, sinks: ...)"));
            return null;
        }
        var binder = new YamlBinder(file, errors);
        var config = binder.Bind<GatewayConfig>(root, "");
        if (!binder.IsIncomplete(config)) CheckCrossReferences(config, binder);
        return config;
    }

    private static void CheckCrossReferences(GatewayConfig config, YamlBinder binder)
    {
        // every tag id, wherever it comes from, is unique per gateway
        var tagOrigins = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < config.Tags.Count; i++)
        {
            var tag = config.Tags[i];
            if (tag.Id is null) continue;
            if (!TagDefinition.IsValidId(tag.Id))
                binder.Error(binder.LocateValue(tag, "id"), $"tags[{i}].id", $"'{tag.Id}' is not a valid tag id (1-128 of letters, digits, '.', '_', '-')");
            if (!tagOrigins.TryAdd(tag.Id, $"tags[{i}]"))
                binder.Error(binder.LocateValue(tag, "id"), $"tags[{i}].id", $"duplicate tag id '{tag.Id}' (already defined at {tagOrigins[tag.Id]})");
        }
        var assetIds = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < config.Assets.Count; i++)
        {
            var asset = config.Assets[i];
            if (asset.Id is not null && !assetIds.Add(asset.Id))
                binder.Error(binder.LocateValue(asset, "id"), $"assets[{i}].id", $"duplicate asset id '{asset.Id}'");
        }
        var sourceNames = new HashSet<string>(StringComparer.Ordinal);
        var sourceTags = new HashSet<string>(StringComparer.Ordinal);
        for (int s = 0; s < config.Sources.Simulator.Count; s++)
        {
            var sim = config.Sources.Simulator[s];
            if (binder.IsIncomplete(sim)) continue;
            var path = $"sources.simulator[{s}]";
            if (sim.Name is not null && !sourceNames.Add("simulator:" + sim.Name))
                binder.Error(binder.LocateValue(sim, "name"), path + ".name", $"duplicate source name '{sim.Name}'");
            var simTags = new HashSet<string>(StringComparer.Ordinal);
            for (int m = 0; m < sim.Machines.Count; m++)
            {
                var machine = sim.Machines[m];
                if (binder.IsIncomplete(machine) || machine.Kind is null || machine.Asset is null || !ProcessModels.Kinds.Contains(machine.Kind)) continue;
                foreach (var signal in ProcessModels.Create(machine).Signals)
                {
                    var id = $"{machine.Asset}.{signal.Name}";
                    simTags.Add(id);
                    if (!sourceTags.Add(id))
                        binder.Error(binder.LocateValue(machine, "asset"), $"{path}.machines[{m}].asset", $"duplicate tag id '{id}': another source already produces it");
                }
            }
            for (int a = 0; a < sim.Anomalies.Count; a++)
            {
                var anomaly = sim.Anomalies[a];
                if (!binder.IsIncomplete(anomaly) && anomaly.Tag is not null && !simTags.Contains(anomaly.Tag))
                    binder.Error(binder.LocateValue(anomaly, "tag"), $"{path}.anomalies[{a}].tag", $"'{anomaly.Tag}' is not a tag of this simulated line{Suggest(anomaly.Tag, simTags)}");
            }
            if (sim.RandomAnomalies is { } r)
            {
                for (int t = 0; t < r.Tags.Count; t++)
                {
                    if (!simTags.Contains(r.Tags[t]))
                        binder.Error(binder.Locate(r, "tags"), $"{path}.randomAnomalies.tags[{t}]", $"'{r.Tags[t]}' is not a tag of this simulated line");
                }
                if (r.MaxDuration < r.MinDuration)
                    binder.Error(binder.Locate(r, "maxDuration"), $"{path}.randomAnomalies.maxDuration", $"must be at least minDuration ({r.MinDuration}), got {r.MaxDuration}");
            }
        }
        if (config.Sources.Sensors is { } sensors && !binder.IsIncomplete(sensors))
        {
            var result = new SensorSourceOptionsValidator().Validate(null, sensors);
            if (result.Failed)
            {
                foreach (var message in result.Failures)
                    binder.Error(binder.Locate(config.Sources, "sensors"), "sources.sensors", message);
            }
            for (int d = 0; d < sensors.Devices.Count; d++)
            {
                foreach (var (quantity, tag) in sensors.Devices[d].Tags)
                {
                    if (!string.IsNullOrWhiteSpace(tag) && !sourceTags.Add(tag))
                        binder.Error(binder.Locate(sensors.Devices[d], "tags"), $"sources.sensors.devices[{d}].tags.{quantity}", $"duplicate tag id '{tag}': another source already produces it");
                }
            }
        }
        if (config.Sources.Opcua.Count > 0)
        {
            foreach (var message in OpcUaOptionsValidator.Validate(config.Sources.Opcua))
                binder.Error(binder.Locate(config.Sources, "opcua"), "sources.opcua", message);
            for (int e = 0; e < config.Sources.Opcua.Count; e++)
            {
                var tags = config.Sources.Opcua[e].Tags;
                for (int t = 0; t < tags.Count; t++)
                {
                    if (!string.IsNullOrWhiteSpace(tags[t].Id) && !sourceTags.Add(tags[t].Id))
                        binder.Error(binder.LocateValue(tags[t], "id"), $"sources.opcua[{e}].tags[{t}].id", $"duplicate tag id '{tags[t].Id}': another source already produces it");
                }
            }
        }
        if (config.Sources.Modbus is { } modbus && !binder.IsIncomplete(modbus))
        {
            foreach (var message in ModbusSourceOptionsValidator.Check(modbus))
                binder.Error(binder.Locate(config.Sources, "modbus"), "sources.modbus", message);
            for (int d = 0; d < modbus.Devices.Count; d++)
            {
                var device = modbus.Devices[d];
                for (int g = 0; g < device.PollGroups.Count; g++)
                {
                    var points = device.PollGroups[g].Points;
                    for (int p = 0; p < points.Count; p++)
                    {
                        if (!string.IsNullOrWhiteSpace(points[p].TagId) && !sourceTags.Add(points[p].TagId))
                            binder.Error(binder.LocateValue(points[p], "tagId"), $"sources.modbus.devices[{d}].pollGroups[{g}].points[{p}].tagId", $"duplicate tag id '{points[p].TagId}': another source already produces it");
                    }
                }
            }
        }
        var known = new HashSet<string>(tagOrigins.Keys, StringComparer.Ordinal);
        known.UnionWith(sourceTags);
        for (int i = 0; i < config.Tags.Count; i++)
        {
            var tag = config.Tags[i];
            if (tag.AssetId is not null && !assetIds.Contains(tag.AssetId))
                binder.Error(binder.LocateValue(tag, "assetId"), $"tags[{i}].assetId", $"asset '{tag.AssetId}' is not defined under assets");
        }
        for (int i = 0; i < config.Assets.Count; i++)
        {
            var asset = config.Assets[i];
            if (binder.IsIncomplete(asset)) continue;
            for (int j = 0; j < asset.Signals.Count; j++)
            {
                if (!known.Contains(asset.Signals[j]))
                    binder.Error(binder.Locate(asset, "signals"), $"assets[{i}].signals[{j}]", $"'{asset.Signals[j]}' is not a configured tag{Suggest(asset.Signals[j], known)}");
            }
        }
        if (config.Anomaly is { } anomalyOptions && !binder.IsIncomplete(anomalyOptions))
            CheckAnomaly(anomalyOptions, known, binder);
        if (config.Sources.Count == 0)
            binder.Error(binder.Locate(config, "sources"), "sources", "no source is configured; the gateway would collect nothing");
        if (config.Mqtt is not null && config.Gateway?.Id is not null && config.Gateway.Site is not null)
        {
            foreach (var message in config.ResolvedMqtt()!.Validate())
                binder.Error(binder.Locate(config, "mqtt"), "mqtt", message);
        }
        if (config.Outbox is not null)
        {
            foreach (var message in config.Outbox.Validate())
                binder.Error(binder.Locate(config, "outbox"), "outbox", message);
        }
        var sinks = config.Sinks;
        if (sinks.File is not { Enabled: true } && sinks.Console is not { Enabled: true } && config.Mqtt is null)
            binder.Error(binder.Locate(config, "sinks"), "sinks", "no sink is enabled; samples would have nowhere to go");
    }

    private static void CheckAnomaly(AnomalyOptions anomaly, HashSet<string> known, YamlBinder binder)
    {
        var kinds = DetectorFactory.Kinds.Concat(DetectorFactory.MultivariateKinds).ToArray();
        void CheckDetectors(List<DetectorOptions> detectors, string path, int dimension)
        {
            for (int d = 0; d < detectors.Count; d++)
            {
                var detector = detectors[d];
                var at = binder.LocateValue(detector, "kind");
                if (!kinds.Contains(detector.Kind, StringComparer.OrdinalIgnoreCase))
                {
                    binder.Error(at, $"{path}.detectors[{d}].kind", $"'{detector.Kind}' is not a detector ({string.Join(", ", kinds)})");
                    continue;
                }
                if (DetectorFactory.IsMultivariate(detector.Kind) != dimension > 0)
                {
                    binder.Error(at, $"{path}.detectors[{d}].kind", dimension > 0
                        ? $"'{detector.Kind}' works on one tag; put it under anomaly.tags"
                        : $"'{detector.Kind}' works on several tags; put it under anomaly.assets");
                    continue;
                }
                try
                {
                    if (dimension > 0) DetectorFactory.CreateMultivariate(detector, dimension);
                    else DetectorFactory.Create(detector);
                }
                catch (ArgumentException e)
                {
                    binder.Error(binder.Locate(detector, "parameters"), $"{path}.detectors[{d}].parameters", e.Message);
                }
            }
        }
        foreach (var problem in anomaly.ValidateAlarms())
            binder.Error(binder.Locate(anomaly), "anomaly", problem);
        for (int i = 0; i < anomaly.Tags.Count; i++)
        {
            var tag = anomaly.Tags[i];
            if (!known.Contains(tag.Tag))
                binder.Error(binder.LocateValue(tag, "tag"), $"anomaly.tags[{i}].tag", $"'{tag.Tag}' is not a configured tag{Suggest(tag.Tag, known)}");
            CheckDetectors(tag.Detectors, $"anomaly.tags[{i}]", 0);
        }
        for (int i = 0; i < anomaly.Assets.Count; i++)
        {
            var asset = anomaly.Assets[i];
            for (int t = 0; t < asset.Tags.Count; t++)
            {
                if (!known.Contains(asset.Tags[t]))
                    binder.Error(binder.Locate(asset, "tags"), $"anomaly.assets[{i}].tags[{t}]", $"'{asset.Tags[t]}' is not a configured tag{Suggest(asset.Tags[t], known)}");
            }
            CheckDetectors(asset.Detectors, $"anomaly.assets[{i}]", Math.Max(1, asset.Tags.Count));
        }
    }

    private static string Suggest(string value, IEnumerable<string> candidates)
    {
        var best = candidates.OrderBy(c => YamlBinder.Levenshtein(c, value)).FirstOrDefault();
        return best is not null && YamlBinder.Levenshtein(best, value) <= Math.Max(3, value.Length / 4) ? $"; did you mean '{best}'?" : "";
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; we print the position ourselves
        var i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return i >= 0 ? message[(i + 3)..] : message;
    }
}
