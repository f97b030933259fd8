using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.Benchmarks.OpcUa;

/// <summary>Decoding a PublishResponse of 1000 double data changes (what node-opcua sends per message at 10k items).</summary>
[MemoryDiagnoser]
public class PublishResponseDecodeBenchmark
{
    private byte[] _message = [];

    [Params(1000)]
    public int Values { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var e = new BinaryEncoder();
        new ResponseHeader { Timestamp = DateTime.UtcNow, RequestHandle = 1 }.Encode(e);
        e.WriteUInt32(1);
        e.WriteUInt32Array([5u]);
        e.WriteBoolean(false);
        var now = DateTime.UtcNow;
        var items = Enumerable.Range(0, Values).Select(i => new MonitoredItemNotification((uint)i, new DataValue(new Variant(i + 0.5), StatusCode.Good, now, now))).ToArray();
        new NotificationMessage(5, now) { DataChanges = items }.Encode(e);
        e.WriteInt32(0);
        e.WriteInt32(-1);
        _message = e.ToArray();
    }

    [Benchmark]
    public double DecodePublishResponse()
    {
        var d = new BinaryDecoder(_message);
        var r = PublishResponse.Decode(ref d);
        double sum = 0;
        foreach (var n in r.NotificationMessage.DataChanges) sum += n.Value.Value.ToDouble();
        return sum;
    }
}
