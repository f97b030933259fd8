using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Simulation;

namespace SmartFactoryEdge.Gateway.Aas;

/// <summary>One signal of an asset as its AAS describes it.</summary>
public sealed record AssetTag(string Id, string? Unit, string? Description, TagDataType DataType);

/// <summary>Collects, per configured asset, the tags that belong to it from every place the configuration names them.</summary>
public static class AssetTags
{
    /// <summary>
    /// Tags per asset id, in first-seen order: simulated machines ({asset}.{signal} with the process model's unit),
    /// `tags` entries with an assetId, the asset's own `signals`, and OPC UA tags, Modbus points and sensor tags whose id
    /// starts with "{asset}." (the longest matching asset id wins).
    /// Later sources fill in a unit or description an earlier one lacked; they never override one.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<AssetTag>> Collect(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var byAsset = new Dictionary<string, List<AssetTag>>(StringComparer.Ordinal);
        foreach (var asset in config.Assets) byAsset.TryAdd(asset.Id, []);

        void Add(string assetId, AssetTag tag)
        {
            if (!byAsset.TryGetValue(assetId, out var list)) return;
            var i = list.FindIndex(t => t.Id == tag.Id);
            if (i < 0) list.Add(tag);
            else
            {
                var old = list[i];
                list[i] = old with { Unit = old.Unit ?? tag.Unit, Description = old.Description ?? tag.Description };
            }
        }

        foreach (var line in config.Sources.Simulator)
        {
            foreach (var machine in line.Machines)
            {
                foreach (var signal in ProcessModels.Create(machine).Signals)
                    Add(machine.Asset, new AssetTag($"{machine.Asset}.{signal.Name}", signal.Unit, null, TagDataType.Double));
            }
        }
        foreach (var tag in config.Tags)
        {
            if (tag.AssetId is not null) Add(tag.AssetId, new AssetTag(tag.Id, tag.Unit, tag.Description, tag.DataType));
        }
        var definitions = config.Tags.ToDictionary(t => t.Id, StringComparer.Ordinal);
        foreach (var asset in config.Assets)
        {
            foreach (var signal in asset.Signals)
            {
                definitions.TryGetValue(signal, out var def);
                Add(asset.Id, new AssetTag(signal, def?.Unit, def?.Description, def?.DataType ?? TagDataType.Double));
            }
        }
        string? AssetOf(string tagId) => config.Assets.Select(a => a.Id).Where(a => tagId.StartsWith(a + ".", StringComparison.Ordinal)).MaxBy(a => a.Length);

        foreach (var endpoint in config.Sources.Opcua)
        {
            foreach (var tag in endpoint.Tags)
            {
                if (AssetOf(tag.Id) is { } asset) Add(asset, new AssetTag(tag.Id, tag.Unit, null, TagDataType.Double));
            }
        }
        foreach (var device in config.Sources.Modbus?.Devices ?? [])
        {
            foreach (var point in device.PollGroups.SelectMany(g => g.Points))
            {
                var type = point.IsBitArea || point.Type == Modbus.RegisterMap.ModbusDataType.Bool ? TagDataType.Boolean : TagDataType.Double;
                if (AssetOf(point.TagId) is { } asset) Add(asset, new AssetTag(point.TagId, point.Unit, point.Description, type));
            }
        }
        foreach (var device in config.Sources.Sensors?.Devices ?? [])
        {
            foreach (var (quantity, tagId) in device.Tags)
            {
                if (AssetOf(tagId) is { } asset) Add(asset, new AssetTag(tagId, device.Units.GetValueOrDefault(quantity), null, TagDataType.Double));
            }
        }
        return byAsset.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<AssetTag>)kv.Value, StringComparer.Ordinal);
    }
}
