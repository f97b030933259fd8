using System.Buffers.Binary;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Tests.Support;

namespace SmartFactoryEdge.Storage.Tests.Codec;

public class SampleBatchCodecTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 17)]
    [InlineData(3, 1000)]
    public void RoundTripKeepsEverySampleField(int seed, int count)
    {
        var samples = TestData.Mixed(seed, count);
        var blob = new SampleBatchCodec().Encode(samples);
        var decoded = SampleBatchCodec.Decode(blob);
        Assert.Equal(samples.Length, decoded.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i].TagId, decoded[i].TagId);
            Assert.Equal(samples[i].SourceTimestamp, decoded[i].SourceTimestamp);
            Assert.Equal(DateTimeKind.Utc, decoded[i].SourceTimestamp.Kind);
            Assert.Equal(samples[i].ReceivedTimestamp, decoded[i].ReceivedTimestamp);
            Assert.Equal(samples[i].Value, decoded[i].Value);
            Assert.Equal(samples[i].Quality, decoded[i].Quality);
            Assert.Equal(samples[i].Unit, decoded[i].Unit);
        }
        Assert.Equal(count, SampleBatchCodec.PeekCount(blob));
    }

    [Fact]
    public void EmptyBatchRoundTrips()
    {
        var blob = new SampleBatchCodec().Encode([]);
        Assert.Empty(SampleBatchCodec.Decode(blob));
    }

    [Fact]
    public void RegularNumericSamplesAreCompact()
    {
        var samples = new Sample[1000];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = Sample.Good("furnace.zone" + (i % 10) + ".temp", TestData.T0.AddMilliseconds(100 * i), 800 + i * 0.25, "°C");
        var blob = new SampleBatchCodec().Encode(samples);
        // 8-byte double + tag/unit indexes + timestamp delta + quality + kind; the dictionaries are paid once per batch
        Assert.True(blob.Length < 15 * samples.Length, $"{blob.Length} bytes for {samples.Length} samples");
    }

    [Fact]
    public void EncoderInstanceIsReusable()
    {
        var codec = new SampleBatchCodec();
        var a = TestData.Mixed(5, 50);
        var b = TestData.Numbered(0, 30);
        codec.Encode(a);
        var blob = codec.Encode(b);
        Assert.Equal(TestData.Ids(b), TestData.Ids(SampleBatchCodec.Decode(blob)));
    }

    [Fact]
    public void EveryTruncationIsRejectedWithOffset()
    {
        var blob = new SampleBatchCodec().Encode(TestData.Mixed(7, 40));
        for (int cut = 0; cut < blob.Length; cut++)
        {
            var ex = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(blob.AsSpan(0, cut)));
            Assert.InRange(ex.Offset, 0, cut);
            Assert.Contains("sample batch", ex.Message);
        }
    }

    [Fact]
    public void EveryTruncationWithValidChecksumIsRejected()
    {
        // re-seal each cut with a correct checksum so that the structural checks, not the CRC, must catch it
        var blob = new SampleBatchCodec().Encode(TestData.Mixed(8, 40));
        for (int cut = 2; cut < blob.Length - 4; cut++)
        {
            var sealedCut = Reseal(blob.AsSpan(0, cut));
            Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(sealedCut));
        }
    }

    [Fact]
    public void FlippedBitFailsTheChecksum()
    {
        var blob = new SampleBatchCodec().Encode(TestData.Numbered(0, 10));
        blob[blob.Length / 2] ^= 0x10;
        var ex = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(blob));
        Assert.Contains("checksum", ex.Message);
    }

    [Fact]
    public void UnknownVersionIsRejected()
    {
        var blob = new SampleBatchCodec().Encode(TestData.Numbered(0, 3));
        blob[0] = 9;
        var ex = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(blob));
        Assert.Contains("version 9", ex.Message);
    }

    [Fact]
    public void AnomalyEventBlobIsNotASampleBatch()
    {
        var blob = new AnomalyEventCodec().Encode(new Core.Telemetry.AnomalyEvent { Detector = "sr", Timestamp = TestData.T0, Score = 1, Threshold = 0.5 });
        var ex = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(blob));
        Assert.Equal(1, ex.Offset);
    }

    [Fact]
    public void HugeCountIsRejectedBeforeAllocating()
    {
        // version, kind, count = 2^40 as a varint, then nothing: must fail on the count, not try to allocate
        var body = new byte[] { 1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0, 0, 0, 0 };
        var ex = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(Reseal(body)));
        Assert.Contains("sample count", ex.Message);
    }

    [Fact]
    public void TagIndexOutOfRangeIsRejected()
    {
        var blob = new SampleBatchCodec().Encode(TestData.Numbered(0, 1, "a"));
        // layout: ver kind count=1 tagCount=1 len=1 'a' unitCount=1 len=1 '1' base(8) | tagIndex ...
        int tagIndexAt = 2 + 1 + 1 + 2 + 1 + 2 + 8;
        var body = blob.AsSpan(0, blob.Length - 4).ToArray();
        body[tagIndexAt] = 5;
        var ex = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(Reseal(body)));
        Assert.Contains("tag index", ex.Message);
        Assert.Equal(tagIndexAt, ex.Offset);
    }

    [Fact]
    public void RandomMutationsNeverCrashOrHang()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 100_000;
        var rnd = new Random(20261122);
        var seeds = Enumerable.Range(0, 8).Select(i => new SampleBatchCodec().Encode(TestData.Mixed(100 + i, 1 + i * 7))).ToArray();
        int decoded = 0, rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            var blob = Mutate(seeds[rnd.Next(seeds.Length)], rnd);
            bool verify = (i & 1) == 0;
            try
            {
                var samples = SampleBatchCodec.Decode(blob, verify);
                Assert.True(samples.Length <= blob.Length);
                decoded++;
            }
            catch (OutboxRecordCorruptException ex)
            {
                Assert.InRange(ex.Offset, 0, blob.Length);
                rejected++;
            }
        }
        Assert.Equal(iterations, decoded + rejected);
        Assert.True(rejected > 0);
    }

    internal static byte[] Mutate(byte[] seed, Random rnd)
    {
        var blob = seed.ToList();
        int edits = rnd.Next(1, 4);
        for (int e = 0; e < edits && blob.Count > 0; e++)
        {
            int at = rnd.Next(blob.Count);
            switch (rnd.Next(5))
            {
                case 0: blob[at] ^= (byte)(1 << rnd.Next(8)); break;
                case 1: blob[at] = (byte)rnd.Next(256); break;
                case 2: blob.RemoveAt(at); break;
                case 3: blob.Insert(at, (byte)rnd.Next(256)); break;
                default: blob.RemoveRange(at, blob.Count - at); break;
            }
        }
        return blob.ToArray();
    }

    internal static byte[] Reseal(ReadOnlySpan<byte> body)
    {
        var sealedBlob = new byte[body.Length + 4];
        body.CopyTo(sealedBlob);
        BinaryPrimitives.WriteUInt32LittleEndian(sealedBlob.AsSpan(body.Length), Crc32C.Compute(body));
        return sealedBlob;
    }
}
