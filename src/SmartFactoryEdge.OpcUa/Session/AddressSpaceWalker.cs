using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Session;

/// <summary>One node found while walking the address space.</summary>
public sealed record BrowsedNode(NodeId NodeId, NodeId? Parent, QualifiedName BrowseName, string DisplayName, NodeClass NodeClass, int Depth, string Path);

/// <summary>
/// Walks the address space breadth-first along hierarchical references, several nodes per Browse request,
/// following continuation points with BrowseNext. Each node is visited once, so reference loops end.
/// </summary>
public sealed class AddressSpaceWalker(UaSession session)
{
    /// <summary>References per node per response (0 = server decides); small values force continuation points.</summary>
    public uint MaxReferencesPerNode { get; init; } = 1000;

    /// <summary>Nodes per Browse request; keep at or below the server's MaxBrowseContinuationPoints.</summary>
    public int NodesPerRequest { get; init; } = 10;

    /// <summary>BrowseNext calls made (for tests).</summary>
    public int BrowseNextCalls { get; private set; }

    public async Task<IReadOnlyList<BrowsedNode>> WalkAsync(NodeId start, int maxDepth, CancellationToken cancellationToken)
    {
        var visited = new HashSet<NodeId> { start };
        var found = new List<BrowsedNode>();
        var level = new List<(NodeId Id, string Path)> { (start, "") };
        for (int depth = 1; depth <= maxDepth && level.Count > 0; depth++)
        {
            var next = new List<(NodeId, string)>();
            for (int i = 0; i < level.Count; i += NodesPerRequest)
            {
                var batch = level.Skip(i).Take(NodesPerRequest).ToArray();
                var refs = await BrowseBatchAsync(batch.Select(b => b.Id).ToArray(), cancellationToken).ConfigureAwait(false);
                for (int j = 0; j < batch.Length; j++)
                {
                    foreach (var r in refs[j])
                    {
                        if (!r.NodeId.IsLocal) continue;
                        var id = r.NodeId.NodeId;
                        if (!visited.Add(id)) continue;
                        var path = batch[j].Path.Length == 0 ? r.BrowseName.Name ?? "" : batch[j].Path + "/" + r.BrowseName.Name;
                        found.Add(new BrowsedNode(id, batch[j].Id, r.BrowseName, r.DisplayName.Text ?? r.BrowseName.Name ?? "", r.NodeClass, depth, path));
                        next.Add((id, path));
                    }
                }
            }
            level = next;
        }
        return found;
    }

    /// <summary>Browses several nodes forward along hierarchical references and completes each via continuation points.</summary>
    public async Task<List<ReferenceDescription>[]> BrowseBatchAsync(IReadOnlyList<NodeId> nodes, CancellationToken cancellationToken)
    {
        var descriptions = nodes.Select(n => new BrowseDescription { NodeId = n }).ToArray();
        var results = await session.BrowseAsync(descriptions, MaxReferencesPerNode, cancellationToken).ConfigureAwait(false);
        if (results.Length != nodes.Count) throw new ProtocolViolationException($"{session.EndpointUrl} returned {results.Length} browse results for {nodes.Count} nodes.");
        var all = new List<ReferenceDescription>[nodes.Count];
        var open = new List<(int Index, byte[] Cp)>();
        for (int i = 0; i < results.Length; i++)
        {
            all[i] = [.. results[i].References];
            if (results[i].StatusCode.IsBad) continue;
            if (results[i].ContinuationPoint is { Length: > 0 } cp) open.Add((i, cp));
        }
        var rounds = 0;
        while (open.Count > 0)
        {
            if (++rounds > 100_000) throw new ProtocolViolationException($"{session.EndpointUrl} keeps returning continuation points.");
            BrowseNextCalls++;
            var nextResults = await session.BrowseNextAsync(open.Select(o => (byte[]?)o.Cp).ToArray(), false, cancellationToken).ConfigureAwait(false);
            var stillOpen = new List<(int, byte[])>();
            for (int k = 0; k < open.Count && k < nextResults.Length; k++)
            {
                all[open[k].Index].AddRange(nextResults[k].References);
                if (nextResults[k].StatusCode.IsGood && nextResults[k].ContinuationPoint is { Length: > 0 } cp) stillOpen.Add((open[k].Index, cp));
            }
            open = stillOpen;
        }
        return all;
    }
}
