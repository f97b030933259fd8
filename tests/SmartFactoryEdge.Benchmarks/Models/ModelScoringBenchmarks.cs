using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Gateway.Anomaly;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Benchmarks.Models;

/// <summary>
/// The cost of a pushed model on the scoring path: the scorer alone (per sample of a 4-tag asset, T²/SPE once per row),
/// and the anomaly sink with and without a model manager (the per-sample pending-swap check and routing).
/// Run: dotnet run -c Release -- --filter '*ModelScoringBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ModelScoringBenchmarks
{
    private const int Steps = 2500;
    private static readonly string[] Tags = ["p1.vibrationRms", "p1.motorCurrent", "p1.pressure", "p1.flow"];
    private readonly List<AnomalyEvent> _events = [];
    private AssetModelScorer _scorer = null!;
    private Sample[] _samples = null!;
    private AnomalySink _withModel = null!, _withoutModel = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(1);
        var rows = new double[1000 * 4];
        for (var i = 0; i < rows.Length; i++) rows[i] = 10 * (i % 4 + 1) + rnd.NextDouble();
        var t0 = new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
        var model = AssetModelTrainer.Train("p1", Tags, rows, new TrainingWindow("s", "gw", t0, t0, 0, 0, 0), t0, "bench");
        _scorer = new AssetModelScorer(model);
        _samples = Enumerable.Range(0, Steps).SelectMany(k => Tags.Select((t, j) => Sample.Good(t, t0.AddMilliseconds(100 * k), 10 * (j + 1) + rnd.NextDouble()))).ToArray();
        var errors = new List<ConfigError>();
        var config = ConfigLoader.Parse("gateway: { id: gw, site: s }\nsources:\n  simulator:\n    - name: l\n      machines: [{ kind: pump, asset: p1 }]\nsinks:\n  console: { enabled: true }\n", "b.yaml", errors)!;
        var manager = new AssetModelManager(config, null, TimeProvider.System, NullLogger<AssetModelManager>.Instance);
        manager.Offer(AssetModelJson.Serialize(new ModelSet { PublishedUtc = t0, PublishedBy = "bench", Models = [model] }), "bench");
        _withModel = new AnomalySink(new AnomalyStage(new AnomalyOptions()), null, NullLogger<AnomalySink>.Instance, manager);
        _withoutModel = new AnomalySink(new AnomalyStage(new AnomalyOptions()), null, NullLogger<AnomalySink>.Instance);
    }

    [Benchmark(OperationsPerInvoke = Steps * 4)]
    public int Scorer()
    {
        var n = 0;
        for (var i = 0; i < _samples.Length; i++) n += _scorer.Process(i & 3, _samples[i].TagId, _samples[i].Value.AsDouble, _samples[i].SourceTimestamp, _events);
        _events.Clear();
        return n;
    }

    [Benchmark(OperationsPerInvoke = Steps * 4)]
    public ValueTask SinkWithModel() => _withModel.WriteAsync(_samples, CancellationToken.None);

    [Benchmark(OperationsPerInvoke = Steps * 4, Baseline = true)]
    public ValueTask SinkWithoutModel() => _withoutModel.WriteAsync(_samples, CancellationToken.None);
}
