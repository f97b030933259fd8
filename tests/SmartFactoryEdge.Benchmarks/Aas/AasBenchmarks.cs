using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Gateway.Aas;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Benchmarks.Aas;

/// <summary>
/// AAS generation and validation for a large line: 50 assets x 20 tags (150 submodels, 1000 concept descriptions).
/// Runs once per start and per configuration change, so the target is only "well under a second".
/// Run: --filter *AasBenchmarks* --job short.
/// </summary>
[MemoryDiagnoser]
public class AasBenchmarks
{
    private GatewayConfig _config = null!;
    private JsonObject _environment = null!;
    private byte[] _utf8 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var assets = new List<AssetDefinition>();
        var tags = new List<TagDefinition>();
        for (var a = 0; a < 50; a++)
        {
            var id = $"machine{a:00}";
            var signals = Enumerable.Range(0, 20).Select(t => $"{id}.signal{t:00}").ToList();
            assets.Add(new AssetDefinition { Id = id, Kind = "press", Name = $"Press {a}", Manufacturer = "ACME", SerialNumber = $"SN{a:0000}", Signals = signals });
            tags.AddRange(signals.Select(s => new TagDefinition { Id = s, Unit = "bar", AssetId = id, Description = "pressure" }));
        }
        _config = new GatewayConfig { Gateway = new GatewayOptions { Id = "gw-01", Site = "plant" }, Assets = assets, Tags = tags };
        _environment = AasGenerator.Generate(_config);
        _utf8 = AasGenerator.GenerateUtf8(_config);
    }

    [Benchmark]
    public int GenerateUtf8() => AasGenerator.GenerateUtf8(_config).Length;

    [Benchmark]
    public int ValidateTree() => AasValidator.Validate(_environment).Count;

    [Benchmark]
    public int ParseAndValidateUtf8() => AasValidator.Validate(_utf8).Count;
}
