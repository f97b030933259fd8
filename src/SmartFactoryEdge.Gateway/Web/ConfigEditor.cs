using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.OpcUa.Source;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>A tag picked in the OPC UA browser, to be added under an endpoint of sources.opcua.</summary>
public sealed record NewOpcUaTag
{
    public string? Id { get; init; }
    public string? NodeId { get; init; }
    public string? Unit { get; init; }
    public int? SamplingIntervalMs { get; init; }
    public int? PublishingIntervalMs { get; init; }
    /// <summary>Detector kinds to add under anomaly.tags for this tag (e.g. "zscore").</summary>
    public List<string>? Detectors { get; init; }
}

/// <summary>A register or bit picked from a Modbus probe, to be added under a device of sources.modbus.</summary>
public sealed record NewModbusPoint
{
    public string? TagId { get; init; }
    /// <summary>HoldingRegister, InputRegister, Coil or DiscreteInput.</summary>
    public string? Area { get; init; }
    public int? Address { get; init; }
    public string? Type { get; init; }
    public string? Order { get; init; }
    public string? Unit { get; init; }
    public List<string>? Detectors { get; init; }
}

/// <summary>What an apply did.</summary>
public sealed record ApplyResult(IReadOnlyList<string> Restarted, IReadOnlyList<string> Started, IReadOnlyList<string> Stopped,
    IReadOnlyList<string> Unchanged, IReadOnlyList<string> NeedsRestart);

/// <summary>Validation with the messages of `sfe validate`, YAML edits for picked tags, and applying a saved file source by source.</summary>
public static class ConfigEditor
{
    /// <summary>What the page shows instead of web.passwordHash; saving it keeps the hash the gateway runs with.</summary>
    public const string HiddenSecret = "********";

    private static readonly System.Text.RegularExpressions.Regex HashValue = new(
        "(?<key>passwordHash\\s*:\\s*)(?:\"pbkdf2-sha256\\$[^\"]*\"|'pbkdf2-sha256\\$[^']*'|pbkdf2-sha256\\$[^\\s,}]*)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex HiddenValue = new(
        "(?<key>passwordHash\\s*:\\s*)(?<q>[\"']?)\\*{8}\\k<q>", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Replaces the password hash with <see cref="HiddenSecret"/> so that no page ever carries it.</summary>
    public static string Redact(string yaml) => HashValue.Replace(yaml, m => m.Groups["key"].Value + "\"" + HiddenSecret + "\"");

    /// <summary>Puts <paramref name="hash"/> back where the page left <see cref="HiddenSecret"/>.</summary>
    public static string Restore(string yaml, string? hash) =>
        hash is null ? yaml : HiddenValue.Replace(yaml, m => m.Groups["key"].Value + "\"" + hash + "\"");

    /// <summary>Parses and checks YAML text exactly as `sfe validate` does; messages name <paramref name="fileName"/>.</summary>
    public static (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Validate(string yaml, string fileName, string baseDirectory)
    {
        var errors = new List<ConfigError>();
        var config = ConfigLoader.Parse(yaml, fileName, errors);
        if (config is not null) config.BaseDirectory = baseDirectory;
        return (errors.Count == 0 ? config : null, errors);
    }

    /// <summary>
    /// Adds tags under the sources.opcua endpoint named <paramref name="source"/> (and detectors under anomaly.tags).
    /// Returns the new text or an error. The YAML is re-emitted, so comments are not kept.
    /// </summary>
    public static (string? Yaml, string? Error) AddOpcUaTags(string yaml, string source, IReadOnlyList<NewOpcUaTag> tags)
    {
        YamlStream stream = new();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            return (null, $"the current YAML does not parse (line {e.Start.Line}): fix it first");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return (null, "the YAML has no top-level mapping");
        if (Child(Child(root, "sources"), "opcua") is not YamlSequenceNode endpoints) return (null, "there is no sources.opcua list; add the endpoint first");
        var endpoint = endpoints.Children.OfType<YamlMappingNode>().FirstOrDefault(e => (Child(e, "name") as YamlScalarNode)?.Value == source);
        if (endpoint is null) return (null, $"sources.opcua has no endpoint named '{source}'");
        if (Child(endpoint, "tags") is not YamlSequenceNode list)
        {
            list = new YamlSequenceNode();
            endpoint.Children[new YamlScalarNode("tags")] = list;
        }
        foreach (var tag in tags)
        {
            var m = new YamlMappingNode { { "id", tag.Id ?? "" }, { "nodeId", tag.NodeId ?? "" } };
            if (!string.IsNullOrWhiteSpace(tag.Unit)) m.Add("unit", tag.Unit);
            if (tag.SamplingIntervalMs is { } s) m.Add("samplingIntervalMs", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (tag.PublishingIntervalMs is { } p) m.Add("publishingIntervalMs", p.ToString(System.Globalization.CultureInfo.InvariantCulture));
            list.Add(m);
            AddDetectors(root, tag.Id, tag.Detectors);
        }
        return (Emit(stream), null);
    }

    /// <summary>
    /// Adds points under the sources.modbus device named <paramref name="device"/> (created as a Modbus TCP device at
    /// <paramref name="host"/>:<paramref name="port"/> if absent), in its poll group "web" (created with
    /// <paramref name="interval"/>), and detectors under anomaly.tags. Comments are not kept.
    /// </summary>
    public static (string? Yaml, string? Error) AddModbusPoints(string yaml, string device, string host, int port, int unitId, string interval, IReadOnlyList<NewModbusPoint> points)
    {
        var (stream, root, error) = Load(yaml);
        if (root is null) return (null, error);
        var sources = Mapping(root, "sources");
        var modbus = Mapping(sources, "modbus");
        if (Child(modbus, "devices") is not YamlSequenceNode devices)
        {
            devices = new YamlSequenceNode();
            modbus.Children[new YamlScalarNode("devices")] = devices;
        }
        var entry = devices.Children.OfType<YamlMappingNode>().FirstOrDefault(d => (Child(d, "name") as YamlScalarNode)?.Value == device);
        if (entry is null)
        {
            entry = new YamlMappingNode
            {
                { "name", device }, { "transport", "Tcp" }, { "host", host },
                { "port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, { "unitId", unitId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
            devices.Add(entry);
        }
        if (Child(entry, "pollGroups") is not YamlSequenceNode groups)
        {
            groups = new YamlSequenceNode();
            entry.Children[new YamlScalarNode("pollGroups")] = groups;
        }
        var group = groups.Children.OfType<YamlMappingNode>().FirstOrDefault(g => (Child(g, "name") as YamlScalarNode)?.Value == "web");
        if (group is null)
        {
            group = new YamlMappingNode { { "name", "web" }, { "interval", interval } };
            groups.Add(group);
        }
        if (Child(group, "points") is not YamlSequenceNode list)
        {
            list = new YamlSequenceNode();
            group.Children[new YamlScalarNode("points")] = list;
        }
        foreach (var p in points)
        {
            var m = new YamlMappingNode { { "tagId", p.TagId ?? "" }, { "area", p.Area ?? "HoldingRegister" }, { "address", (p.Address ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) }, { "type", p.Type ?? "UInt16" } };
            if (!string.IsNullOrWhiteSpace(p.Order)) m.Add("order", p.Order);
            if (!string.IsNullOrWhiteSpace(p.Unit)) m.Add("unit", p.Unit);
            list.Add(m);
            AddDetectors(root, p.TagId, p.Detectors);
        }
        return (Emit(stream!), null);
    }

    private static (YamlStream? Stream, YamlMappingNode? Root, string? Error) Load(string yaml)
    {
        YamlStream stream = new();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            return (null, null, $"the current YAML does not parse (line {e.Start.Line}): fix it first");
        }
        return stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            ? (null, null, "the YAML has no top-level mapping")
            : (stream, root, null);
    }

    private static YamlMappingNode Mapping(YamlMappingNode parent, string key)
    {
        if (Child(parent, key) is YamlMappingNode m) return m;
        m = new YamlMappingNode();
        parent.Children[new YamlScalarNode(key)] = m;
        return m;
    }

    private static void AddDetectors(YamlMappingNode root, string? tag, List<string>? detectors)
    {
        if (detectors is not { Count: > 0 }) return;
        var anomaly = Mapping(root, "anomaly");
        if (Child(anomaly, "tags") is not YamlSequenceNode anomalyTags)
        {
            anomalyTags = new YamlSequenceNode();
            anomaly.Children[new YamlScalarNode("tags")] = anomalyTags;
        }
        var ds = new YamlSequenceNode();
        foreach (var d in detectors) ds.Add(new YamlMappingNode { { "kind", d } });
        anomalyTags.Add(new YamlMappingNode { { "tag", tag ?? "" }, { "detectors", ds } });
    }

    private static string Emit(YamlStream stream)
    {
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    /// <summary>Each source's key (its ISampleSource name) with its options as JSON, for comparing two configurations.</summary>
    public static Dictionary<string, string> SourceFingerprints(GatewayConfig config)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in config.Sources.Simulator) result["simulator:" + s.Name] = Json(s);
        foreach (var e in config.Sources.Opcua) result["opcua:" + e.Name] = Json(e);
        if (config.Sources.Modbus is { Devices.Count: > 0 } m) result["modbus"] = Json(m);
        if (config.Sources.Sensors is { Enabled: true, Devices.Count: > 0 } sensors) result["sensors"] = Json(sensors);
        return result;
    }

    /// <summary>The sections outside sources whose change needs a gateway restart.</summary>
    public static IReadOnlyList<string> ChangedSections(GatewayConfig before, GatewayConfig after)
    {
        var changed = new List<string>();
        void Check(string name, object? a, object? b)
        {
            if (Json(a) != Json(b)) changed.Add(name);
        }
        Check("gateway", before.Gateway, after.Gateway);
        Check("pipeline", before.Pipeline, after.Pipeline);
        Check("tags", before.Tags, after.Tags);
        Check("assets", before.Assets, after.Assets);
        Check("sinks", before.Sinks, after.Sinks);
        Check("anomaly", before.Anomaly, after.Anomaly);
        Check("mqtt", before.Mqtt, after.Mqtt);
        Check("outbox", before.Outbox, after.Outbox);
        Check("web", before.Web, after.Web);
        return changed;
    }

    private static string Json(object? value)
    {
        try
        {
            return JsonSerializer.Serialize(value);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            return Guid.NewGuid().ToString(); // cannot compare: count it as changed
        }
    }

    /// <summary>Creates the source called <paramref name="key"/> from <paramref name="config"/>, or null when it cannot be restarted alone.</summary>
    public static ISampleSource? CreateSource(GatewayConfig config, string key, IServiceProvider services)
    {
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var health = services.GetService<IHealthRegistry>();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        if (key.StartsWith("simulator:", StringComparison.Ordinal))
        {
            var sim = config.Sources.Simulator.Single(s => "simulator:" + s.Name == key);
            return new SimulatorSource(sim, time, loggers.CreateLogger<SimulatorSource>(), sim.Labels is null ? null : config.ResolvePath(sim.Labels));
        }
        if (key.StartsWith("opcua:", StringComparison.Ordinal))
        {
            var endpoint = config.Sources.Opcua.Single(e => "opcua:" + e.Name == key);
            return new OpcUaSource(endpoint, health, loggers.CreateLogger<OpcUaSource>());
        }
        if (key == "modbus" && config.Sources.Modbus is { } modbus) return ModbusSourceRegistration.Create(modbus, loggers, health, time);
        return null;
    }

    /// <summary>
    /// Restarts the sources whose options differ between the running and the new configuration (and starts new ones,
    /// stops removed ones); the others keep running untouched. Other sections are reported as needing a restart.
    /// </summary>
    public static async Task<ApplyResult> ApplyAsync(WebContext context, GatewayConfig next, CancellationToken cancellationToken)
    {
        var current = context.Config;
        var before = SourceFingerprints(current);
        var after = SourceFingerprints(next);
        var restarted = new List<string>();
        var started = new List<string>();
        var stopped = new List<string>();
        var unchanged = new List<string>();
        var needsRestart = ChangedSections(current, next).ToList();
        var logger = context.LoggerFactory.CreateLogger(typeof(ConfigEditor));
        var switchboard = context.Switchboard ?? throw new InvalidOperationException("the gateway's sources are not running");
        foreach (var (key, fingerprint) in after.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (before.TryGetValue(key, out var old) && old == fingerprint)
            {
                unchanged.Add(key);
                continue;
            }
            var source = CreateSource(next, key, context.Services);
            if (source is null)
            {
                needsRestart.Add("sources." + key);
                continue;
            }
            if (!await switchboard.ReplaceAsync(key, source, cancellationToken).ConfigureAwait(false))
                throw new InvalidOperationException("the gateway is stopping; nothing was applied");
            (before.ContainsKey(key) ? restarted : started).Add(key);
            WebLog.SourceApplied(logger, key, before.ContainsKey(key) ? "restarted" : "started");
        }
        foreach (var key in before.Keys.Where(k => !after.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            await switchboard.ReplaceAsync(key, null, cancellationToken).ConfigureAwait(false);
            stopped.Add(key);
            WebLog.SourceApplied(logger, key, "stopped");
        }
        if (needsRestart.Count > 0) WebLog.NeedsRestart(logger, string.Join(", ", needsRestart));
        context.Config = next;
        return new ApplyResult(restarted, started, stopped, unchanged, needsRestart);
    }
}
