using System.Text.Json;
using SmartFactoryEdge.Center.Ingest;

namespace SmartFactoryEdge.Center.Export;

/// <summary>What a dataset manifest says about an asset, from the gateway's AAS environment (IDTA-01001 metamodel, JSON).</summary>
public sealed record AssetMetadata(string Site, string Gateway, string Asset, string AasId, string? IdShort, string? GlobalAssetId, string? AssetType,
    string? Name, string? Description, IReadOnlyList<string> Submodels);

/// <summary>Reads asset metadata out of stored AAS environments: one entry per shell.</summary>
public static class AasMetadata
{
    /// <summary>
    /// The shells of one environment. The asset id is the shell's specificAssetId named "assetId" (what the gateway's
    /// generator writes), else its idShort. Shells without an id are skipped; a document that is not an environment gives none.
    /// </summary>
    public static IReadOnlyList<AssetMetadata> Extract(AasRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var list = new List<AssetMetadata>();
        try
        {
            using var doc = JsonDocument.Parse(record.Json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("assetAdministrationShells", out var shells) || shells.ValueKind != JsonValueKind.Array) return list;
            foreach (var shell in shells.EnumerateArray())
            {
                if (shell.ValueKind != JsonValueKind.Object || Str(shell, "id") is not { } id) continue;
                var idShort = Str(shell, "idShort");
                string? global = null, type = null, asset = null;
                if (shell.TryGetProperty("assetInformation", out var info) && info.ValueKind == JsonValueKind.Object)
                {
                    global = Str(info, "globalAssetId");
                    type = Str(info, "assetType");
                    if (info.TryGetProperty("specificAssetIds", out var ids) && ids.ValueKind == JsonValueKind.Array)
                        asset = ids.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object && Str(i, "name") == "assetId").Select(i => Str(i, "value")).FirstOrDefault();
                }
                var submodels = new List<string>();
                if (shell.TryGetProperty("submodels", out var refs) && refs.ValueKind == JsonValueKind.Array)
                {
                    foreach (var r in refs.EnumerateArray())
                    {
                        if (r.ValueKind == JsonValueKind.Object && r.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array)
                            submodels.AddRange(keys.EnumerateArray().Select(k => k.ValueKind == JsonValueKind.Object ? Str(k, "value") : null).OfType<string>());
                    }
                }
                list.Add(new AssetMetadata(record.Site, record.Gateway, asset ?? idShort ?? id, id, idShort, global, type,
                    LangString(shell, "displayName"), LangString(shell, "description"), submodels));
            }
        }
        catch (JsonException)
        {
            // stored documents were checked on ingest; a bad one contributes nothing rather than failing an export
        }
        return list;
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? LangString(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array) return null;
        var items = v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).ToArray();
        var en = items.FirstOrDefault(x => Str(x, "language") is { } l && l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return Str(en.ValueKind == JsonValueKind.Object ? en : items.FirstOrDefault(), "text");
    }
}
