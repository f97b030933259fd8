using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Mqtt.Telemetry;

namespace SmartFactoryEdge.Gateway.Aas;

/// <summary>
/// Builds an Asset Administration Shell environment (metamodel v3.0, JSON serialisation of IDTA-01001 Part 1 v3.0)
/// from the gateway configuration: per asset one shell and the Nameplate (IDTA 02006-2-0), TechnicalData
/// (IDTA 02003-1-2) and TimeSeries (IDTA 02008-1-1) submodels, plus one ConceptDescription (IEC 61360) per tag with its unit.
/// </summary>
public static class AasGenerator
{
    /// <summary>The data specification template IEC 61360 v3.0.</summary>
    public const string Iec61360 = "https://admin-shell.io/DataSpecificationTemplates/DataSpecificationIec61360/3/0";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The environment (assetAdministrationShells, submodels, conceptDescriptions) for every configured asset.</summary>
    public static JsonObject Generate(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var site = config.Gateway.Site;
        var gateway = config.Gateway.Id;
        var topics = new TelemetryTopics(site, gateway);
        var tagsByAsset = AssetTags.Collect(config);
        var shells = new JsonArray();
        var submodels = new JsonArray();
        var concepts = new JsonArray();
        var conceptIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var asset in config.Assets)
        {
            var tags = tagsByAsset[asset.Id];
            var nameplate = Nameplate(site, gateway, asset);
            var technical = TechnicalData(site, gateway, asset, tags);
            var series = TimeSeries(site, gateway, asset, tags, topics.Telemetry);
            submodels.Add(nameplate);
            submodels.Add(technical);
            submodels.Add(series);
            shells.Add(Shell(site, gateway, asset, [nameplate, technical, series]));
            foreach (var tag in tags)
            {
                var cd = ConceptDescription(site, gateway, tag);
                if (conceptIds.Add((string)cd["id"]!)) concepts.Add(cd);
            }
        }
        // Lists in the metamodel are either absent or non-empty.
        var environment = new JsonObject();
        if (shells.Count > 0) environment["assetAdministrationShells"] = shells;
        if (submodels.Count > 0) environment["submodels"] = submodels;
        if (concepts.Count > 0) environment["conceptDescriptions"] = concepts;
        return environment;
    }

    /// <summary>The environment as UTF-8 JSON (indented or compact), ready for the retained `aas` topic.</summary>
    public static byte[] GenerateUtf8(GatewayConfig config, bool indented = false) =>
        Encoding.UTF8.GetBytes(Generate(config).ToJsonString(indented ? Indented : new JsonSerializerOptions { Encoder = Indented.Encoder }));

    /// <summary>urn:sfe:{site}:{gateway}:{kind}:{name} (parts percent-encoded); every identifiable's id is one of these.</summary>
    public static string Urn(string site, string gateway, string kind, string name) =>
        $"urn:sfe:{Uri.EscapeDataString(site)}:{Uri.EscapeDataString(gateway)}:{kind}:{Uri.EscapeDataString(name)}";

    /// <summary>The shell id of an asset.</summary>
    public static string ShellId(string site, string gateway, string assetId) => Urn(site, gateway, "aas", assetId);

    /// <summary>The globalAssetId of an asset.</summary>
    public static string GlobalAssetId(string site, string gateway, string assetId) => Urn(site, gateway, "asset", assetId);

    /// <summary>The id of one of an asset's submodels (nameplate, technical-data, time-series).</summary>
    public static string SubmodelId(string site, string gateway, string assetId, string submodel) => Urn(site, gateway, "sm", assetId) + ":" + submodel;

    /// <summary>The ConceptDescription id of a tag (its semantic id within the gateway).</summary>
    public static string TagConceptId(string site, string gateway, string tagId) => Urn(site, gateway, "cd", tagId);

    /// <summary>A valid idShort from free text: [A-Za-z][A-Za-z0-9_]*, other characters become '_'.</summary>
    public static string IdShort(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        foreach (var c in text) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || !char.IsAsciiLetter(sb[0])) sb.Insert(0, "T_");
        if (sb.Length > 128) sb.Length = 128;
        return sb.ToString();
    }

    private static JsonObject Shell(string site, string gateway, AssetDefinition asset, JsonObject[] submodels)
    {
        var refs = new JsonArray();
        foreach (var sm in submodels) refs.Add(ModelReference("Submodel", (string)sm["id"]!));
        var info = new JsonObject
        {
            ["assetKind"] = "Instance",
            ["globalAssetId"] = GlobalAssetId(site, gateway, asset.Id),
            ["specificAssetIds"] = new JsonArray(SpecificAssetId("assetId", asset.Id, site, gateway)),
            ["assetType"] = asset.Kind,
        };
        if (asset.SerialNumber is { Length: > 0 } serial)
        {
            ((JsonArray)info["specificAssetIds"]!).Add(SpecificAssetId("serialNumber", serial, site, gateway));
        }
        return new JsonObject
        {
            ["modelType"] = "AssetAdministrationShell",
            ["id"] = ShellId(site, gateway, asset.Id),
            ["idShort"] = IdShort(asset.Id),
            ["displayName"] = LangStrings(asset.Name ?? asset.Id),
            ["description"] = LangStrings($"{asset.Name ?? asset.Id} ({asset.Kind}) on gateway {gateway}, site {site}"),
            ["assetInformation"] = info,
            ["submodels"] = refs,
        };
    }

    private static JsonObject SpecificAssetId(string name, string value, string site, string gateway) => new()
    {
        ["name"] = name,
        ["value"] = value,
        ["externalSubjectId"] = ExternalReference(Urn(site, gateway, "subject", "gateway")),
    };

    private static JsonObject Nameplate(string site, string gateway, AssetDefinition asset)
    {
        var elements = new List<JsonNode?>
        {
            Property("URIOfTheProduct", "0173-1#02-AAY811#001", "xs:anyURI", GlobalAssetId(site, gateway, asset.Id)),
            Mlp("ManufacturerName", "0173-1#02-AAO677#002", asset.Manufacturer ?? "unknown"),
            Mlp("ManufacturerProductDesignation", "0173-1#02-AAW338#001", asset.Name ?? asset.Id),
            Mlp("ManufacturerProductFamily", "0173-1#02-AAU731#001", asset.Kind),
            Property("ManufacturerProductType", "0173-1#02-AAO057#002", "xs:string", asset.Kind),
        };
        if (asset.SerialNumber is { Length: > 0 } serial) elements.Add(Property("SerialNumber", "0173-1#02-AAM556#002", "xs:string", serial));
        return Submodel(SubmodelId(site, gateway, asset.Id, "nameplate"), "Nameplate", "https://admin-shell.io/idta/nameplate/2/0/Nameplate", elements);
    }

    private static JsonObject TechnicalData(string site, string gateway, AssetDefinition asset, IReadOnlyList<AssetTag> tags)
    {
        const string td = "https://admin-shell.io/ZVEI/TechnicalData/";
        var general = Collection("GeneralInformation", td + "GeneralInformation/1/1",
        [
            Property("ManufacturerName", "0173-1#02-AAO677#002", "xs:string", asset.Manufacturer ?? "unknown"),
            Mlp("ManufacturerProductDesignation", "0173-1#02-AAW338#001", asset.Name ?? asset.Id),
            Property("ManufacturerArticleNumber", "0173-1#02-AAO676#003", "xs:string", asset.Kind),
            Property("ManufacturerOrderCode", "0173-1#02-AAO227#002", "xs:string", asset.Id),
        ]);
        var properties = new List<JsonObject>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var p = new JsonObject
            {
                ["modelType"] = "Property",
                ["idShort"] = UniqueIdShort(SignalIdShort(asset.Id, tag.Id), used),
                ["description"] = LangStrings(Describe(tag)),
                ["semanticId"] = ModelReference("ConceptDescription", TagConceptId(site, gateway, tag.Id)),
                ["valueType"] = XsdType(tag.DataType),
            };
            properties.Add(p);
        }
        var technical = Collection("TechnicalProperties", td + "TechnicalProperties/1/1", properties);
        var classifications = Collection("ProductClassifications", td + "ProductClassifications/1/1", []);
        var further = Collection("FurtherInformation", td + "FurtherInformation/1/1",
        [
            Property("ValidDate", td + "ValidDate/1/1", "xs:date", "2026-01-01"),
        ]);
        return Submodel(SubmodelId(site, gateway, asset.Id, "technical-data"), "TechnicalData", td + "Submodel/1/2",
            [general, technical, classifications, further]);
    }

    private static JsonObject TimeSeries(string site, string gateway, AssetDefinition asset, IReadOnlyList<AssetTag> tags, string telemetryTopic)
    {
        const string ts = "https://admin-shell.io/idta/TimeSeries/";
        var record = new List<JsonObject> { Property("Time", ts + "UtcTime/1/1", "xs:dateTime", null) };
        var used = new HashSet<string>(StringComparer.Ordinal) { "Time" };
        foreach (var tag in tags)
        {
            record.Add(new JsonObject
            {
                ["modelType"] = "Property",
                ["idShort"] = UniqueIdShort(SignalIdShort(asset.Id, tag.Id), used),
                ["semanticId"] = ModelReference("ConceptDescription", TagConceptId(site, gateway, tag.Id)),
                ["valueType"] = XsdType(tag.DataType),
            });
        }
        var metadata = Collection("Metadata", ts + "Metadata/1/1",
        [
            Mlp("Name", ts + "Metadata/Name/1/1", $"{asset.Name ?? asset.Id} telemetry"),
            Mlp("Description", ts + "Metadata/Description/1/1", $"Samples of {tags.Count} signal(s) of {asset.Id}, wire contract v1 JSON batches"),
            Collection("Record", ts + "Record/1/1", record),
        ]);
        var query = "$.samples[?(" + string.Join(" || ", tags.Select(t => $"@.tag == '{t.Id}'")) + ")]";
        var linked = Collection("LinkedSegment", ts + "Segments/LinkedSegment/1/1",
        [
            Mlp("Name", ts + "Segments/Name/1/1", "MQTT telemetry"),
            Mlp("Description", ts + "Segments/Description/1/1", "Live samples on the gateway's MQTT telemetry topic; Query selects this asset's tags (JSONPath over a batch)"),
            Property("State", ts + "Segments/State/1/1", "xs:string", "InProgress"),
            Property("Endpoint", ts + "Endpoint/1/1", "xs:string", "mqtt:" + telemetryTopic),
            Property("Query", ts + "Query/1/1", "xs:string", tags.Count == 0 ? "$.samples[0:0]" : query),
        ]);
        var segments = Collection("Segments", ts + "Segments/1/1", [linked]);
        return Submodel(SubmodelId(site, gateway, asset.Id, "time-series"), "TimeSeries", ts + "1/1", [metadata, segments]);
    }

    private static JsonObject ConceptDescription(string site, string gateway, AssetTag tag)
    {
        var content = new JsonObject
        {
            ["modelType"] = "DataSpecificationIec61360",
            ["preferredName"] = LangStrings(tag.Id),
            ["dataType"] = tag.DataType switch
            {
                TagDataType.Boolean => "BOOLEAN",
                TagDataType.Int64 => "INTEGER_COUNT",
                TagDataType.String => "STRING",
                _ => tag.Unit is { Length: > 0 } ? "REAL_MEASURE" : "REAL_COUNT", // AASc-3a-009: a measure needs a unit
            },
        };
        if (tag.Unit is { Length: > 0 } unit) content["unit"] = unit;
        // AASc-3a-008: an IEC 61360 concept description needs a definition, at least in English.
        content["definition"] = LangStrings(tag.Description is { Length: > 0 } d ? d : $"Signal {tag.Id}" + (tag.Unit is { Length: > 0 } u ? $" in {u}" : ""));
        return new JsonObject
        {
            ["modelType"] = "ConceptDescription",
            ["id"] = TagConceptId(site, gateway, tag.Id),
            ["idShort"] = IdShort(tag.Id),
            ["embeddedDataSpecifications"] = new JsonArray(new JsonObject
            {
                ["dataSpecification"] = ExternalReference(Iec61360),
                ["dataSpecificationContent"] = content,
            }),
        };
    }

    private static string Describe(AssetTag tag) =>
        tag.Id + (tag.Unit is { Length: > 0 } u ? $" [{u}]" : "") + (tag.Description is { Length: > 0 } d ? $": {d}" : "");

    private static string SignalIdShort(string assetId, string tagId) =>
        IdShort(tagId.StartsWith(assetId + ".", StringComparison.Ordinal) ? tagId[(assetId.Length + 1)..] : tagId);

    private static string UniqueIdShort(string idShort, HashSet<string> used)
    {
        var candidate = idShort;
        for (var n = 2; !used.Add(candidate); n++) candidate = $"{idShort}_{n}";
        return candidate;
    }

    /// <summary>The xs: value type of a tag's data type.</summary>
    public static string XsdType(TagDataType type) => type switch
    {
        TagDataType.Boolean => "xs:boolean",
        TagDataType.Int64 => "xs:long",
        TagDataType.String => "xs:string",
        _ => "xs:double",
    };

    private static JsonObject Submodel(string id, string idShort, string semanticId, IEnumerable<JsonNode?> elements) => new()
    {
        ["modelType"] = "Submodel",
        ["id"] = id,
        ["idShort"] = idShort,
        ["kind"] = "Instance",
        ["semanticId"] = ExternalReference(semanticId),
        ["submodelElements"] = new JsonArray([.. elements]),
    };

    private static JsonObject Collection(string idShort, string semanticId, IEnumerable<JsonNode?> elements)
    {
        var collection = new JsonObject
        {
            ["modelType"] = "SubmodelElementCollection",
            ["idShort"] = idShort,
            ["semanticId"] = ExternalReference(semanticId),
        };
        // Lists in the metamodel are either absent or non-empty.
        var value = new JsonArray([.. elements]);
        if (value.Count > 0) collection["value"] = value;
        return collection;
    }

    private static JsonObject Property(string idShort, string semanticId, string valueType, string? value)
    {
        var p = new JsonObject
        {
            ["modelType"] = "Property",
            ["idShort"] = idShort,
            ["semanticId"] = ExternalReference(semanticId),
            ["valueType"] = valueType,
        };
        if (value is not null) p["value"] = value;
        return p;
    }

    private static JsonObject Mlp(string idShort, string semanticId, string text) => new()
    {
        ["modelType"] = "MultiLanguageProperty",
        ["idShort"] = idShort,
        ["semanticId"] = ExternalReference(semanticId),
        ["value"] = LangStrings(text),
    };

    private static JsonArray LangStrings(string text) => new(new JsonObject { ["language"] = "en", ["text"] = text });

    /// <summary>An ExternalReference with one GlobalReference key.</summary>
    public static JsonObject ExternalReference(string value) => new()
    {
        ["type"] = "ExternalReference",
        ["keys"] = new JsonArray(new JsonObject { ["type"] = "GlobalReference", ["value"] = value }),
    };

    /// <summary>A ModelReference to an identifiable (Submodel, ConceptDescription, AssetAdministrationShell).</summary>
    public static JsonObject ModelReference(string keyType, string value) => new()
    {
        ["type"] = "ModelReference",
        ["keys"] = new JsonArray(new JsonObject { ["type"] = keyType, ["value"] = value }),
    };
}
