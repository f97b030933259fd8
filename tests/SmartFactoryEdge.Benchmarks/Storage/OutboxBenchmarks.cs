using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Benchmarks.Storage;

/// <summary>
/// Sustained append + acknowledge through the SQLite outbox, one batch per operation: encode, commit (WAL), take pending,
/// decode (as the forwarder does before publishing) and delete after the "PUBACK". Samples/s = BatchSize / Mean.
/// Target: at least 200k samples/s on one core with batches of 500-1000.
/// </summary>
[MemoryDiagnoser]
public class OutboxBenchmarks
{
    private string _dir = "";
    private SqliteOutbox _outbox = null!;
    private Sample[] _samples = [];
    private readonly long[] _ids = new long[1];

    [Params(500, 1000)]
    public int BatchSize { get; set; }

    [Params(OutboxSynchronousMode.Normal, OutboxSynchronousMode.Full)]
    public OutboxSynchronousMode Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sfe-outbox-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        _outbox = SqliteOutbox.Open(new OutboxOptions { Path = Path.Combine(_dir, "outbox.db"), BatchSize = BatchSize, Synchronous = Synchronous }, "gw-bench");
        _samples = OutboxBenchmarkData.Realistic(BatchSize, 100);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbox.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public async Task<int> AppendAndAcknowledge()
    {
        await _outbox.AppendAsync(_samples, default);
        var records = _outbox.TakePending(1);
        var decoded = SampleBatchCodec.Decode(records[0].Payload.Span);
        _ids[0] = records[0].Id;
        _outbox.Acknowledge(_ids);
        return decoded.Length;
    }
}

/// <summary>The sample-batch codec alone, per batch of 1000 realistic samples.</summary>
[MemoryDiagnoser]
public class SampleBatchCodecBenchmarks
{
    private readonly SampleBatchCodec _codec = new();
    private Sample[] _samples = [];
    private byte[] _blob = [];

    [GlobalSetup]
    public void Setup()
    {
        _samples = OutboxBenchmarkData.Realistic(1000, 100);
        _blob = _codec.Encode(_samples);
    }

    [Benchmark]
    public int Encode() => _codec.Encode(_samples).Length;

    [Benchmark]
    public int Decode() => SampleBatchCodec.Decode(_blob).Length;
}

internal static class OutboxBenchmarkData
{
    /// <summary>Numeric samples of <paramref name="tags"/> tags at 10 Hz, Good quality, with units.</summary>
    public static Sample[] Realistic(int count, int tags)
    {
        var names = Enumerable.Range(0, tags).Select(i => $"line1.machine{i / 10}.signal{i % 10}").ToArray();
        string[] units = ["°C", "bar", "%", "mA", "rpm"];
        var rnd = new Random(7);
        var samples = new Sample[count];
        var t = new DateTime(2026, 11, 22, 3, 0, 0, DateTimeKind.Utc);
        for (int i = 0; i < count; i++)
        {
            if (i % tags == 0) t = t.AddMilliseconds(100);
            samples[i] = Sample.Good(names[i % tags], t, Math.Round(20 + rnd.NextDouble() * 80, 2), units[i % tags % units.Length]);
        }
        return samples;
    }
}
