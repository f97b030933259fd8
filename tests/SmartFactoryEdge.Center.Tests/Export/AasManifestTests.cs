using System.Text;
using System.Text.Json;
using SmartFactoryEdge.Center.Export;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;

namespace SmartFactoryEdge.Center.Tests.Export;

/// <summary>The center keeps each gateway's AAS environment (from the retained aas topic) and puts asset metadata into dataset manifests.</summary>
public sealed class AasManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-aas-manifest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Environment(string asset, string name) => $$"""
        { "assetAdministrationShells": [ {
            "modelType": "AssetAdministrationShell", "id": "urn:sfe:plant1:gw-1:aas:{{asset}}", "idShort": "{{asset}}",
            "displayName": [ { "language": "ko", "text": "프레스" }, { "language": "en", "text": "{{name}}" } ],
            "description": [ { "language": "en", "text": "{{name}} (press) on gateway gw-1, site plant1" } ],
            "assetInformation": { "assetKind": "Instance", "globalAssetId": "urn:sfe:plant1:gw-1:asset:{{asset}}", "assetType": "press",
              "specificAssetIds": [ { "name": "assetId", "value": "{{asset}}" } ] },
            "submodels": [ { "type": "ModelReference", "keys": [ { "type": "Submodel", "value": "urn:sfe:plant1:gw-1:sm:{{asset}}:nameplate" } ] } ] } ],
          "submodels": [], "conceptDescriptions": [] }
        """;

    [Fact]
    public void TheDecoderKeepsAnEnvironmentAndDeadLettersAnythingElse()
    {
        var decoder = new TelemetryDecoder();
        var m = decoder.Decode("sfe/v1/plant1/gw-1/aas", Encoding.UTF8.GetBytes(Environment("press01", "Press 1")), 7);
        Assert.Equal(("plant1", "gw-1", 7L), (m.Aas!.Site, m.Aas.Gateway, m.Aas.ReceivedMicros));
        Assert.Null(m.DeadLetter);
        var bad = decoder.Decode("sfe/v1/plant1/gw-1/aas", "{\"shells\":[]}"u8.ToArray(), 7);
        Assert.Contains("assetAdministrationShells", bad.DeadLetter!.Reason);
        Assert.NotNull(decoder.Decode("sfe/v1/plant1/gw-1/aas", "{\"assetAdministrationShells\":"u8.ToArray(), 7).DeadLetter);
        Assert.Contains("sfe/v1/+/+/aas", new SmartFactoryEdge.Center.CenterOptions().TopicFilters());
    }

    [Fact]
    public async Task TheManifestCarriesTheMetadataOfTheExportedAssetsFromTheLatestEnvironment()
    {
        await using var store = new SqliteCenterStore(Path.Combine(_dir, "c.db"));
        await store.InitializeAsync(default);
        await store.StoreAasAsync(new AasRecord("plant1", "gw-1", 1, Environment("press01", "Old name")), default);
        await store.StoreAasAsync(new AasRecord("plant1", "gw-1", 2, Environment("press01", "Isostatic press 1")), default); // replaces it
        Assert.Single(await store.ReadAasAsync(default));
        var t0 = UnixMicros.From(new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc));
        await store.StoreBatchesAsync([new DecodedBatch("plant1", "gw-1", 1, false, t0, t0, "json",
            [new SampleRow("plant1", "gw-1", "press01", "press01.pressure", t0, t0, 0, "bar", 1.5), new SampleRow("plant1", "gw-1", "pump9", "pump9.flow", t0, t0, 0, null, 3.0)])], default);

        var result = await DatasetExporter.ExportAsync(store, new DatasetExportOptions
        {
            FromUtc = new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc), ToUtc = new DateTime(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc),
            OutputDirectory = Path.Combine(_dir, "out"), Format = DatasetFormat.Csv,
        }, default);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(result.ManifestPath));
        var asset = Assert.Single(manifest.RootElement.GetProperty("assets").EnumerateArray()); // pump9 has no AAS
        Assert.Equal("press01", asset.GetProperty("asset").GetString());
        Assert.Equal("urn:sfe:plant1:gw-1:aas:press01", asset.GetProperty("aasId").GetString());
        Assert.Equal("urn:sfe:plant1:gw-1:asset:press01", asset.GetProperty("globalAssetId").GetString());
        Assert.Equal("press", asset.GetProperty("assetType").GetString());
        Assert.Equal("Isostatic press 1", asset.GetProperty("name").GetString());
        Assert.Equal("urn:sfe:plant1:gw-1:sm:press01:nameplate", Assert.Single(asset.GetProperty("submodels").EnumerateArray()).GetString());
    }

    [Fact]
    public void ExtractionSkipsWhatIsNotAnEnvironment()
    {
        Assert.Empty(AasMetadata.Extract(new AasRecord("s", "g", 0, "[]")));
        Assert.Empty(AasMetadata.Extract(new AasRecord("s", "g", 0, "{\"assetAdministrationShells\":[{\"idShort\":\"x\"}]}")));
        Assert.Empty(AasMetadata.Extract(new AasRecord("s", "g", 0, "not json")));
    }
}
