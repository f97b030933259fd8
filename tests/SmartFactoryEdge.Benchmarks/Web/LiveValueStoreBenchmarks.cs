using System.Text;
using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Web;

namespace SmartFactoryEdge.Benchmarks.Web;

/// <summary>
/// What the web UI costs the pipeline: the live-value sink takes every batch (latest value and trend per tag).
/// Target: well under the pipeline's ~0.3 µs/sample (3M samples/s), no allocation per sample at steady state.
/// Also one `/api/values`-sized snapshot read and one Prometheus render.
/// Run: dotnet run -c Release --project tests/SmartFactoryEdge.Benchmarks -- --filter '*LiveValueStoreBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class LiveValueStoreBenchmarks
{
    private const int Tags = 200;
    private LiveValueStore _store = null!;
    private Sample[] _batch = null!;
    private PrometheusExporter _exporter = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _store = new LiveValueStore(300);
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        _batch = Enumerable.Range(0, 1000).Select(i => Sample.Good($"line1.tag{i % Tags:000}", t0.AddMilliseconds(i), i * 0.5, "°C")).ToArray();
        await _store.WriteAsync(_batch, CancellationToken.None);
        _exporter = new PrometheusExporter();
    }

    [GlobalCleanup]
    public void Cleanup() => _exporter.Dispose();

    /// <summary>One 1000-sample batch into the store (divide by 1000 for the per-sample cost).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public ValueTask WriteBatch() => _store.WriteAsync(_batch, CancellationToken.None);

    /// <summary>Latest value of every tag with 60 trend points each (what the Live values page asks for every second).</summary>
    [Benchmark]
    public int SnapshotAllWithTrend()
    {
        int n = 0;
        foreach (var tag in _store.Tags) n += tag.Snapshot(60).Trend.Length;
        return n;
    }

    [Benchmark]
    public int RenderMetrics()
    {
        var sb = new StringBuilder(4096);
        _exporter.Render(sb);
        return sb.Length;
    }
}
