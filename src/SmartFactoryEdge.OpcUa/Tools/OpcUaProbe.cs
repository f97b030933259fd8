using System.Globalization;
using System.Text;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.OpcUa.Source;

namespace SmartFactoryEdge.OpcUa.Tools;

/// <summary>
/// What the <c>sfe opcua</c> verbs do, for DX mentors at a machine: list endpoints, browse a tree with node class,
/// data type and current value, read, subscribe, and write the YAML tag list of a folder for <c>sources.opcua</c>.
/// <c>sessionOptions</c> carries message security and the login (null: SecurityPolicy None, anonymous).
/// </summary>
public static class OpcUaProbe
{

    /// <summary>Prints the server's endpoints with their security and login options.</summary>
    public static async Task EndpointsAsync(string url, TextWriter output, CancellationToken cancellationToken)
    {
        var endpoints = await UaSession.GetEndpointsAsync(url, cancellationToken: cancellationToken).ConfigureAwait(false);
        EndpointDescription? best = null;
        try { best = UaSessionSecurity.Select(endpoints, new UaSecurityOptions(), url); }
        catch (NotSupportedException) { /* nothing secure that we support: no mark */ }
        foreach (var e in endpoints)
        {
            var policy = e.SecurityPolicyUri?.Split('#').LastOrDefault() ?? "?";
            var logins = string.Join(", ", e.UserIdentityTokens.Select(t =>
                t.TokenType + (t.SecurityPolicyUri is { Length: > 0 } p && p != e.SecurityPolicyUri ? $" (encrypted with {p.Split('#').Last()})" : "")));
            await output.WriteLineAsync($"{e.EndpointUrl}  {policy}/{e.SecurityMode}  level {e.SecurityLevel}  logins: {logins}  server: {e.Server.ApplicationName.Text} ({e.Server.ApplicationUri}){(ReferenceEquals(e, best) ? "  <- Best" : "")}").ConfigureAwait(false);
        }
    }

    /// <summary>Resolves "ns=1;s=X", "i=85" or a browse path "Objects/Line1/Press01".</summary>
    public static async Task<NodeId> ResolveAsync(UaSession session, string node, CancellationToken cancellationToken)
    {
        if (NodeId.TryParse(node, out var id)) return id;
        return await session.ResolveBrowsePathAsync(node, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"No node at browse path '{node}' on {session.EndpointUrl}.");
    }

    /// <summary>A variable found by <see cref="BrowseTreeAsync"/> with its data type, value and unit.</summary>
    public sealed record VariableInfo(BrowsedNode Node, NodeId? DataType, DataValue Value, string? Unit);

    /// <summary>Browses a subtree and reads data type and value of every variable in it.</summary>
    public static async Task<(IReadOnlyList<BrowsedNode> Nodes, Dictionary<NodeId, VariableInfo> Variables)> BrowseTreeAsync(
        UaSession session, NodeId start, int depth, bool withUnits, CancellationToken cancellationToken)
    {
        var walker = new AddressSpaceWalker(session);
        var nodes = await walker.WalkAsync(start, depth, cancellationToken).ConfigureAwait(false);
        var variables = nodes.Where(n => n.NodeClass == NodeClass.Variable).ToArray();
        var info = new Dictionary<NodeId, VariableInfo>();
        for (int i = 0; i < variables.Length; i += 500)
        {
            var batch = variables.Skip(i).Take(500).ToArray();
            var reads = batch.SelectMany(v => new[] { new ReadValueId(v.NodeId, AttributeIds.DataType), new ReadValueId(v.NodeId) }).ToArray();
            var values = await session.ReadAsync(reads, cancellationToken).ConfigureAwait(false);
            for (int k = 0; k < batch.Length; k++)
            {
                string? unit = null;
                if (withUnits && batch[k].BrowseName.Name != "EngineeringUnits")
                {
                    var eu = await session.ReadEngineeringUnitsAsync(batch[k].NodeId, cancellationToken).ConfigureAwait(false);
                    unit = eu is null ? null : OpcUaSource.UnitSymbol(eu);
                }
                info[batch[k].NodeId] = new VariableInfo(batch[k], values[2 * k].Value.Value as NodeId, values[2 * k + 1], unit);
            }
        }
        return (nodes, info);
    }

    /// <summary>Prints the subtree under <paramref name="node"/> as an indented tree.</summary>
    public static async Task BrowseAsync(string url, UaSessionOptions? sessionOptions, string node, int depth, TextWriter output, CancellationToken cancellationToken)
    {
        await using var session = await UaSession.ConnectAsync(url, sessionOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var start = await ResolveAsync(session, node, cancellationToken).ConfigureAwait(false);
        var (nodes, variables) = await BrowseTreeAsync(session, start, depth, false, cancellationToken).ConfigureAwait(false);
        var children = nodes.ToLookup(n => n.Parent);
        await output.WriteLineAsync($"{start}").ConfigureAwait(false);
        await PrintAsync(start, "").ConfigureAwait(false);
        await session.CloseAsync(cancellationToken).ConfigureAwait(false);

        async Task PrintAsync(NodeId parent, string indent)
        {
            var list = children[parent].ToArray();
            for (int i = 0; i < list.Length; i++)
            {
                var n = list[i];
                var last = i == list.Length - 1;
                var line = new StringBuilder(indent).Append(last ? "└─ " : "├─ ").Append(n.BrowseName).Append("  [").Append(n.NodeClass).Append("] ").Append(n.NodeId);
                if (variables.TryGetValue(n.NodeId, out var v))
                {
                    line.Append("  ").Append(DataTypeName(v.DataType)).Append(" = ").Append(Shorten(v.Value.Value.ToString(), 60));
                    if (!v.Value.StatusCode.IsGood) line.Append(" (").Append(v.Value.StatusCode).Append(')');
                }
                await output.WriteLineAsync(line.ToString()).ConfigureAwait(false);
                await PrintAsync(n.NodeId, indent + (last ? "   " : "│  ")).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the <c>sources.opcua</c> YAML for every variable under <paramref name="node"/>.</summary>
    public static async Task EmitConfigAsync(string url, UaSessionOptions? sessionOptions, string node, int depth, string name, int publishingIntervalMs, TextWriter output, CancellationToken cancellationToken)
    {
        await using var session = await UaSession.ConnectAsync(url, sessionOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var start = await ResolveAsync(session, node, cancellationToken).ConfigureAwait(false);
        var (_, variables) = await BrowseTreeAsync(session, start, depth, true, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(BuildConfigYaml(url, name, publishingIntervalMs,
            variables.Values.Where(v => v.Node.BrowseName.Name is not ("EngineeringUnits" or "EURange" or "InstrumentRange" or "ValuePrecision" or "Definition"))
                .OrderBy(v => v.Node.Path, StringComparer.Ordinal).ToArray())).ConfigureAwait(false);
        await session.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The YAML text: one tag per variable, ids from the browse path (lower case, unique).</summary>
    public static string BuildConfigYaml(string url, string name, int publishingIntervalMs, IReadOnlyList<VariableInfo> variables)
    {
        var sb = new StringBuilder();
        sb.Append("# generated by: sfe opcua browse ").Append(url).Append(" --emit-config\n");
        sb.Append("sources:\n  opcua:\n");
        sb.Append("    - name: ").Append(YamlString(name)).Append('\n');
        sb.Append("      endpointUrl: ").Append(YamlString(url)).Append('\n');
        sb.Append("      publishingIntervalMs: ").Append(publishingIntervalMs.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("      tags:\n");
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in variables)
        {
            var id = TagId(name, v.Node.Path, used);
            sb.Append("        - id: ").Append(id).Append('\n');
            sb.Append("          nodeId: ").Append(YamlString(v.Node.NodeId.ToString())).Append('\n');
            if (v.Unit is { Length: > 0 } unit) sb.Append("          unit: ").Append(YamlString(unit)).Append('\n');
            sb.Append("          # ").Append(DataTypeName(v.DataType)).Append(", browse path ").Append(v.Node.Path).Append('\n');
        }
        return sb.ToString();
    }

    private static string TagId(string prefix, string path, HashSet<string> used)
    {
        var sb = new StringBuilder(prefix.ToLowerInvariant());
        foreach (var part in path.Split('/'))
        {
            sb.Append('.');
            foreach (var c in part) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? char.ToLowerInvariant(c) : '_');
        }
        var id = sb.Length > 120 ? sb.ToString(0, 120) : sb.ToString();
        if (!TagDefinition.IsValidId(id)) id = "tag";
        var unique = id;
        for (int n = 2; !used.Add(unique); n++) unique = id + "-" + n.ToString(CultureInfo.InvariantCulture);
        return unique;
    }

    private static string YamlString(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 3)] + "...";

    /// <summary>Built-in data type names for ns=0 ids 1..25, else the NodeId.</summary>
    public static string DataTypeName(NodeId? dataType)
    {
        if (dataType is null) return "?";
        if (dataType.NamespaceIndex == 0 && dataType.IdType == NodeIdType.Numeric)
        {
            var n = dataType.Numeric;
            if (n is >= 1 and <= 25) return ((BuiltInType)n).ToString();
            return n switch { 26 => "Number", 27 => "Integer", 28 => "UInteger", 29 => "Enumeration", 290 => "Duration", 294 => "UtcTime", 887 => "EUInformation", 884 => "Range", _ => dataType.ToString() };
        }
        return dataType.ToString();
    }

    /// <summary>Reads nodes (NodeIds or browse paths) and prints value, status and timestamp.</summary>
    public static async Task ReadAsync(string url, UaSessionOptions? sessionOptions, IReadOnlyList<string> nodes, TextWriter output, CancellationToken cancellationToken)
    {
        await using var session = await UaSession.ConnectAsync(url, sessionOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ids = new List<NodeId>();
        foreach (var n in nodes) ids.Add(await ResolveAsync(session, n, cancellationToken).ConfigureAwait(false));
        var values = await session.ReadAsync(ids.Select(i => new ReadValueId(i)).ToArray(), cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < ids.Count; i++)
        {
            var eu = await session.ReadEngineeringUnitsAsync(ids[i], cancellationToken).ConfigureAwait(false);
            var unit = eu is null ? "" : " " + OpcUaSource.UnitSymbol(eu);
            await output.WriteLineAsync($"{ids[i]}  {values[i].Value}{unit}  {values[i].StatusCode}  {values[i].SourceTimestamp:O}").ConfigureAwait(false);
        }
        await session.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Subscribes to nodes and prints every change until <paramref name="duration"/> ends or the token is cancelled; returns the number of values.</summary>
    public static async Task<long> SubscribeAsync(string url, UaSessionOptions? sessionOptions, IReadOnlyList<string> nodes, TimeSpan interval, TimeSpan? duration, TextWriter output, CancellationToken cancellationToken)
    {
        await using var session = await UaSession.ConnectAsync(url, sessionOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ids = new List<NodeId>();
        foreach (var n in nodes) ids.Add(await ResolveAsync(session, n, cancellationToken).ConfigureAwait(false));
        long count = 0;
        var writeLock = new object();
        var subscription = await session.CreateSubscriptionAsync(interval, (_, message) =>
        {
            lock (writeLock)
            {
                foreach (var c in message.DataChanges)
                {
                    count++;
                    output.WriteLine($"{c.Value.SourceTimestamp:HH:mm:ss.fff}  {ids[(int)c.ClientHandle]}  {c.Value.Value}  {c.Value.StatusCode}");
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        var results = await subscription.CreateMonitoredItemsAsync(ids.Select((id, i) => new MonitoredItemSpec { NodeId = id, ClientHandle = (uint)i, QueueSize = 10 }).ToArray(), cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].StatusCode.IsBad) await output.WriteLineAsync($"{ids[i]}: {results[i].StatusCode}").ConfigureAwait(false);
        }
        try
        {
            if (duration is { } d) await Task.Delay(d, cancellationToken).ConfigureAwait(false);
            else await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C ends a subscription without a duration
        }
        using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await session.CloseAsync(closing.Token).ConfigureAwait(false);
        return count;
    }
}
