using System.Buffers;
using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Telemetry;

namespace SmartFactoryEdge.Benchmarks.Center;

/// <summary>
/// The center's per-batch work without a broker: JSON decode of a 1000-sample batch, and decode + SQLite store
/// (synchronous=NORMAL, one transaction per batch). Run: --filter *CenterIngestBenchmarks* --job short.
/// The broker-fed sustained rate is bench/center/run.sh.
/// </summary>
[MemoryDiagnoser]
public class CenterIngestBenchmarks
{
    private const int Samples = 1000;
    private byte[] _payload = null!;
    private TelemetryDecoder _decoder = null!;
    private SqliteCenterStore _store = null!;
    private string _dir = null!;
    private long _seq;
    private readonly List<DecodedBatch> _one = [null!];

    [GlobalSetup]
    public void Setup()
    {
        var t0 = new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
        var samples = new Sample[Samples];
        for (var i = 0; i < Samples; i++)
            samples[i] = new Sample($"line{i % 10}.tag{i % 100:000}", t0.AddTicks(i * 100), t0, 20 + i * 0.01, StatusCode.Good, i % 3 == 0 ? "°C" : "bar");
        var w = new ArrayBufferWriter<byte>();
        TelemetryJsonEncoder.Encode(new TelemetryBatch("gw-01", 1, false, t0, samples), w);
        _payload = w.WrittenSpan.ToArray();
        _decoder = new TelemetryDecoder();
        _dir = Directory.CreateTempSubdirectory("sfe-center-bdn-").FullName;
        _store = new SqliteCenterStore(Path.Combine(_dir, "c.db"), durable: false);
        _store.InitializeAsync(default).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public int DecodeJsonPerSample() => _decoder.Decode("sfe/v1/plant1/gw-01/telemetry", _payload, 0).Batch!.Rows.Count;

    [Benchmark(OperationsPerInvoke = Samples)]
    public int DecodeAndStoreSqlitePerSample()
    {
        var batch = _decoder.Decode("sfe/v1/plant1/gw-01/telemetry", _payload, 0).Batch!;
        _one[0] = batch with { Sequence = ++_seq };
        return _store.StoreBatchesAsync(_one, default).GetAwaiter().GetResult();
    }
}
