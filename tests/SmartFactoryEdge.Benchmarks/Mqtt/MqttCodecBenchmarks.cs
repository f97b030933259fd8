using System.Buffers;
using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Formatter;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.Mqtt.Telemetry;

namespace SmartFactoryEdge.Benchmarks.Mqtt;

/// <summary>MQTT packet encode/decode and telemetry payload encoding (run: --filter *MqttCodecBenchmarks* --job short).</summary>
[MemoryDiagnoser]
public class MqttCodecBenchmarks
{
    private MqttPublishPacket _publish = null!;
    private byte[] _publishFrame = null!;
    private byte[] _pubAckFrame = null!;
    private ReadOnlySequence<byte> _publishSequence;
    private ArrayBufferWriter<byte> _buffer = null!;
    private TelemetryBatch _batch = null!;
    private SparkplugEncoder _sparkplug = null!;

    [GlobalSetup]
    public void Setup()
    {
        _publish = new MqttPublishPacket { Topic = "sfe/v1/site/gw-01/telemetry", QoS = MqttQualityOfService.AtLeastOnce, PacketIdentifier = 42, Payload = new byte[100] };
        _publishFrame = MqttPacketFormatter.Encode(_publish, MqttProtocolVersion.V500);
        _publishSequence = new ReadOnlySequence<byte>(_publishFrame);
        _pubAckFrame = MqttPacketFormatter.Encode(new MqttPubAckPacket { PacketIdentifier = 42 }, MqttProtocolVersion.V500);
        _buffer = new ArrayBufferWriter<byte>(1 << 20);
        var t0 = new DateTime(2026, 11, 22, 2, 0, 0, DateTimeKind.Utc);
        var samples = Enumerable.Range(0, 100).Select(i => new Sample($"line1.press01.tag{i:000}", t0.AddMilliseconds(i), t0, 20.0 + i * 0.1, StatusCode.Good, "°C")).ToArray();
        _batch = new TelemetryBatch("gw-01", 1, false, t0, samples);
        _sparkplug = new SparkplugEncoder(1);
        _sparkplug.Register(_batch);
        _sparkplug.EncodeBirth(t0, "gw-01", new ArrayBufferWriter<byte>());
    }

    [Benchmark(Description = "PUBLISH 100 B encode (v5)")]
    public int EncodePublish()
    {
        _buffer.ResetWrittenCount();
        return MqttPacketFormatter.Encode(_publish, MqttProtocolVersion.V500, _buffer);
    }

    [Benchmark(Description = "PUBLISH 100 B decode (v5, sequence)")]
    public MqttPacket? DecodePublish()
    {
        MqttPacketFormatter.TryDecode(_publishSequence, MqttProtocolVersion.V500, MqttPacketFormatter.DefaultMaximumPacketSize, out var p, out _);
        return p;
    }

    [Benchmark(Description = "PUBACK decode (v5, span)")]
    public MqttPacket? DecodePubAck()
    {
        MqttPacketFormatter.TryDecode(_pubAckFrame, MqttProtocolVersion.V500, MqttPacketFormatter.DefaultMaximumPacketSize, out var p, out _);
        return p;
    }

    [Benchmark(Description = "JSON batch of 100 samples")]
    public int EncodeJsonBatch()
    {
        _buffer.ResetWrittenCount();
        TelemetryJsonEncoder.Encode(_batch, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "Sparkplug NDATA of 100 samples")]
    public int EncodeSparkplugBatch()
    {
        _buffer.ResetWrittenCount();
        _sparkplug.EncodeData(_batch, _buffer);
        return _buffer.WrittenCount;
    }
}
