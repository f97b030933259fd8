using System.Buffers;
using System.Text;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Telemetry;

namespace SmartFactoryEdge.Center.Tests.Ingest;

public sealed class TelemetryDecoderTests
{
    internal static readonly DateTime T0 = new(2026, 11, 22, 2, 0, 0, 125, DateTimeKind.Utc);
    private const string Topic = "sfe/v1/plant1/gw-01/telemetry";

    internal static TelemetryBatch SampleBatch(long seq = 42, bool replayed = false, string gateway = "gw-01") => new(gateway, seq, replayed, T0.AddSeconds(1),
    new Sample[]
    {
        new("press01.temp", T0, T0, 21.5, StatusCode.Good, "°C"),
        new("press01.running", T0.AddMilliseconds(10), T0, true, StatusCode.Good),
        new("press01.count", T0.AddMilliseconds(20), T0, 123456789012L, StatusCode.Good),
        new("press01.state", T0.AddMilliseconds(30), T0, "Running", StatusCode.Good),
        Sample.Faulted("press01.pressure", T0.AddMilliseconds(40), new StatusCode(StatusCodes.BadTimeout), "bar"),
    });

    internal static byte[] Json(TelemetryBatch batch)
    {
        var w = new ArrayBufferWriter<byte>();
        TelemetryJsonEncoder.Encode(batch, w);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void DecodesWhatTheSinkEncodesAsJson()
    {
        var m = new TelemetryDecoder().Decode(Topic, Json(SampleBatch()), 1000);
        Assert.Null(m.DeadLetter);
        var b = Assert.IsType<DecodedBatch>(m.Batch);
        Assert.Equal(("plant1", "gw-01", 42L, false), (b.Site, b.Gateway, b.Sequence, b.Replayed));
        Assert.Equal(5, b.Rows.Count);
        var temp = b.Rows[0];
        Assert.Equal(("press01", "press01.temp", UnixMicros.From(T0), 1000L, 0u, "°C"), (temp.Asset, temp.Tag, temp.SourceMicros, temp.ReceivedMicros, temp.Quality, temp.Unit));
        Assert.Equal(21.5, temp.Value.AsDouble);
        Assert.True(b.Rows[1].Value.AsBoolean);
        Assert.Equal(123456789012d, b.Rows[2].Value.AsDouble);
        Assert.Equal("Running", b.Rows[3].Value.AsString);
        Assert.False(b.Rows[4].Value.HasValue);
        Assert.Equal(StatusCodes.BadTimeout, b.Rows[4].Quality);
    }

    [Fact]
    public void DecodesWhatTheSinkEncodesAsSparkplug()
    {
        var decoder = new TelemetryDecoder();
        var enc = new SparkplugEncoder(3);
        var batch = SampleBatch(7, replayed: true);
        Assert.True(enc.Register(batch));
        var birth = new ArrayBufferWriter<byte>();
        enc.EncodeBirth(T0, "gw-01", birth);
        var data = new ArrayBufferWriter<byte>();
        enc.EncodeData(batch, data);

        var before = decoder.Decode("spBv1.0/plant1/NDATA/gw-01", data.WrittenMemory.ToArray(), 5);
        Assert.Contains("before any NBIRTH", before.DeadLetter!.Reason);

        var born = decoder.Decode("spBv1.0/plant1/NBIRTH/gw-01", birth.WrittenMemory.ToArray(), 5);
        Assert.True(born.State!.Online);
        var m = decoder.Decode("spBv1.0/plant1/NDATA/gw-01", data.WrittenMemory.ToArray(), 5);
        Assert.Null(m.DeadLetter?.Reason);
        var b = m.Batch!;
        Assert.Equal((7L, true, "sparkplug-b", 5), (b.Sequence, b.Replayed, b.Encoding, b.Rows.Count));
        Assert.Equal(("press01.temp", "°C", 21.5, UnixMicros.From(T0)), (b.Rows[0].Tag, b.Rows[0].Unit, b.Rows[0].Value.AsDouble, b.Rows[0].SourceMicros));
        Assert.True(b.Rows[1].Value.AsBoolean);
        Assert.Equal(123456789012L, b.Rows[2].Value.AsInt64);
        Assert.Equal("Running", b.Rows[3].Value.AsString);
        Assert.Equal(StatusCodes.BadTimeout, b.Rows[4].Quality);
        Assert.False(b.Rows[4].Value.HasValue);

        var death = decoder.Decode("spBv1.0/plant1/NDEATH/gw-01", SparkplugEncoder.EncodeDeath(3, T0), 9);
        Assert.False(death.State!.Online);
    }

    [Fact]
    public void DecodesAnomalyAndState()
    {
        var w = new ArrayBufferWriter<byte>();
        TelemetryJsonEncoder.Encode(new AnomalyEvent { TagId = "press01.temp", Detector = "sr", Timestamp = T0, Score = 0.9, Threshold = 0.8, Value = 88, ModelVersion = "sha256:ab" }, "gw-01", w);
        var a = new TelemetryDecoder().Decode("sfe/v1/plant1/gw-01/anomaly", w.WrittenMemory.ToArray(), 1).Anomaly!;
        Assert.Equal(("press01", "press01.temp", "sr", 0.9, "sha256:ab"), (a.Asset, a.Tag, a.Detector, a.Score, a.ModelVersion));
        w.Clear();
        TelemetryJsonEncoder.EncodeState(false, "gw-01", T0, "json", w);
        var s = new TelemetryDecoder().Decode("sfe/v1/plant1/gw-01/state", w.WrittenMemory.ToArray(), 1).State!;
        Assert.False(s.Online);
        Assert.Equal(UnixMicros.From(T0), s.TimestampMicros);
    }

    [Theory]
    [InlineData("", "empty payload")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"v\":2,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[]}", "unsupported 'v' 2")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-02\",\"seq\":1,\"samples\":[]}", "does not match the topic's gateway")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"samples\":[]}", "missing 'seq'")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":-1,\"samples\":[]}", "'seq' is not a non-negative")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1}", "missing 'samples'")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[{\"tag\":\"a\",\"value\":1,\"q\":0}]}", "samples[0]: tag a: missing 'ts'")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[{\"tag\":\"a\",\"ts\":\"yesterday\",\"value\":1,\"q\":0}]}", "'ts' is not an ISO-8601")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[{\"tag\":\"a\",\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"q\":-5}]}", "'q' is not a 32-bit StatusCode")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[{\"tag\":\"a\",\"ts\":\"2026-01-01T00:00:00Z\",\"value\":{},\"q\":0}]}", "'value' is not a number")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[]} x", "malformed JSON")]
    [InlineData("{\"v\":1,\"gatewayId\":\"gw-01\",\"seq\":1,\"samples\":[", "malformed JSON")]
    public void RejectsMalformedJsonWithAReason(string json, string reason)
    {
        var m = new TelemetryDecoder().Decode(Topic, Encoding.UTF8.GetBytes(json), 1);
        Assert.Null(m.Batch);
        Assert.Contains(reason, m.DeadLetter!.Reason);
    }

    [Theory]
    [InlineData("sfe/v2/plant1/gw-01/telemetry", "unsupported contract version")]
    [InlineData("sfe/v1/plant1/telemetry", "topic is not")]
    [InlineData("spBv1.0/plant1/NDATA", "topic is not")]
    public void RejectsUnknownTopics(string topic, string reason) =>
        Assert.Contains(reason, new TelemetryDecoder().Decode(topic, Json(SampleBatch()), 1).DeadLetter!.Reason);

    [Fact]
    public void EveryTruncationOfAJsonBatchIsRejectedWithoutThrowing()
    {
        var payload = Json(SampleBatch());
        var decoder = new TelemetryDecoder();
        for (var cut = 0; cut < payload.Length; cut++)
        {
            var m = decoder.Decode(Topic, payload.AsMemory(0, cut), 1);
            Assert.True(m.DeadLetter is not null, $"cut at {cut} was accepted");
        }
    }

    [Fact]
    public void EveryTruncationOfASparkplugBatchIsRejectedOrDecodesAPrefix()
    {
        var (decoder, data) = BornSparkplug();
        var full = decoder.Decode("spBv1.0/plant1/NDATA/gw-01", data, 1).Batch!;
        for (var cut = 0; cut < data.Length; cut++)
        {
            var m = decoder.Decode("spBv1.0/plant1/NDATA/gw-01", data.AsMemory(0, cut), 1);
            // a protobuf message cut at a field boundary is a valid shorter message: then it must hold fewer rows
            if (m.Batch is { } b)
            {
                Assert.True(b.Rows.Count < 5 || cut >= data.Length - 3, $"cut at {cut} of {data.Length} decoded every row");
                for (var i = 0; i < b.Rows.Count; i++) Assert.Equal(full.Rows[i], b.Rows[i]);
            }
            else Assert.NotNull(m.DeadLetter);
        }
    }

    internal static (TelemetryDecoder Decoder, byte[] Data) BornSparkplug()
    {
        var decoder = new TelemetryDecoder();
        var enc = new SparkplugEncoder(1);
        var batch = SampleBatch();
        enc.Register(batch);
        var birth = new ArrayBufferWriter<byte>();
        enc.EncodeBirth(T0, "gw-01", birth);
        decoder.Decode("spBv1.0/plant1/NBIRTH/gw-01", birth.WrittenMemory.ToArray(), 1);
        var data = new ArrayBufferWriter<byte>();
        enc.EncodeData(batch, data);
        return (decoder, data.WrittenSpan.ToArray());
    }

    [Fact]
    public void RandomMutationsNeverCrashOrHang()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 100_000;
        var rng = new Random(20261122);
        var json = Json(SampleBatch());
        var (decoder, sparkplug) = BornSparkplug();
        string[] topics = [Topic, "spBv1.0/plant1/NDATA/gw-01", "spBv1.0/plant1/NBIRTH/gw-02", "sfe/v1/plant1/gw-01/anomaly", "sfe/v1/plant1/gw-01/state"];
        var accepted = 0;
        var buffer = new byte[json.Length + 64];
        for (var i = 0; i < iterations; i++)
        {
            var source = (i & 1) == 0 ? json : sparkplug;
            var length = source.Length;
            source.CopyTo(buffer, 0);
            var edits = 1 + rng.Next(4);
            for (var e = 0; e < edits; e++)
            {
                switch (rng.Next(4))
                {
                    case 0: buffer[rng.Next(length)] = (byte)rng.Next(256); break;
                    case 1: buffer[rng.Next(length)] ^= (byte)(1 << rng.Next(8)); break;
                    case 2: length = rng.Next(length + 1); break;
                    default: if (length < buffer.Length) { buffer[length] = (byte)rng.Next(256); length++; } break;
                }
            }
            var topic = (i & 1) == 0 ? topics[(i >> 1) % 2 == 0 ? 0 : 3 + ((i >> 2) & 1)] : topics[1 + ((i >> 1) % 3 == 0 ? 1 : 0)];
            var m = decoder.Decode(topic, buffer.AsMemory(0, length), 1);
            Assert.True(m.Batch is not null || m.DeadLetter is not null || m.State is not null || m.Anomaly is not null || m.Ignored);
            if (m.DeadLetter is not null) Assert.False(string.IsNullOrWhiteSpace(m.DeadLetter.Reason));
            else accepted++;
        }
        Assert.True(accepted > 0);
    }
}
