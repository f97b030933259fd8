using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Tests.Support;

namespace SmartFactoryEdge.Storage.Tests.Codec;

public class SampleBatchDecoderTests
{
    [Theory]
    [InlineData(11, 1)]
    [InlineData(12, 40)]
    [InlineData(13, 1000)]
    public void PooledDecodeGivesTheSameSamplesAsTheAllocatingOne(int seed, int count)
    {
        var blob = new SampleBatchCodec().Encode(TestData.Mixed(seed, count));
        var expected = SampleBatchCodec.Decode(blob);
        var decoder = new SampleBatchDecoder();
        for (int round = 0; round < 3; round++)
        {
            var rented = decoder.Decode(blob, out var n);
            Assert.Equal(expected.Length, n);
            Assert.True(rented.Length >= n);
            Assert.Equal(expected, rented.AsSpan(0, n).ToArray());
            SampleBatchDecoder.Return(rented, n);
        }
    }

    [Fact]
    public void TagIdsAndUnitsAreTheSameInstancesBatchAfterBatch()
    {
        var codec = new SampleBatchCodec();
        var decoder = new SampleBatchDecoder();
        var first = decoder.Decode(codec.Encode(Batch("line1.temp", "line1.speed")), out var n1);
        var second = decoder.Decode(codec.Encode(Batch("line1.speed", "line1.temp")), out var n2);
        Assert.Equal(2, n1);
        Assert.Equal(2, n2);
        Assert.Equal("line1.temp", first[0].TagId);
        Assert.Same(first[0].TagId, second[1].TagId);
        Assert.Same(first[1].TagId, second[0].TagId);
        Assert.Same(first[0].Unit, second[0].Unit);
        SampleBatchDecoder.Return(first, n1);
        SampleBatchDecoder.Return(second, n2);

        static Sample[] Batch(string a, string b) =>
            [Sample.Good(a, TestData.T0, 1.5, "°C"), Sample.Good(b, TestData.T0.AddSeconds(1), 2.5, "°C")];
    }

    [Fact]
    public void AFullCacheStartsOverAndStillDecodesCorrectly()
    {
        var decoder = new SampleBatchDecoder(maxCachedStrings: 4);
        var codec = new SampleBatchCodec();
        for (int round = 0; round < 5; round++)
        {
            var samples = Enumerable.Range(0, 9).Select(i => Sample.Good($"tag{(i + round) % 9}", TestData.T0.AddSeconds(i), i, "bar")).ToArray();
            var rented = decoder.Decode(codec.Encode(samples), out var n);
            Assert.Equal(samples.Select(s => s.TagId), rented.Take(n).Select(s => s.TagId));
            SampleBatchDecoder.Return(rented, n);
        }
    }

    [Fact]
    public void InvalidUtf8InATagIdIsRejectedWithItsOffset()
    {
        var blob = new SampleBatchCodec().Encode(TestData.Numbered(0, 1, "ab"));
        // layout: ver kind count=1 tagCount=1 len=2 'a' 'b' ...: make 'a' a lone continuation byte
        var body = blob.AsSpan(0, blob.Length - 4).ToArray();
        int tagLengthAt = 4;
        Assert.Equal((byte)'a', body[tagLengthAt + 1]);
        body[tagLengthAt + 1] = 0x80;
        var ex = Assert.Throws<OutboxRecordCorruptException>(() => new SampleBatchDecoder().Decode(SampleBatchCodecTests.Reseal(body), out _));
        Assert.Contains("tag id is not valid UTF-8", ex.Message);
        Assert.Equal(tagLengthAt, ex.Offset);
        // the allocating decoder says the same
        var ex2 = Assert.Throws<OutboxRecordCorruptException>(() => SampleBatchCodec.Decode(SampleBatchCodecTests.Reseal(body)));
        Assert.Equal(ex.Message, ex2.Message);
    }

    [Fact]
    public void EveryTruncationIsRejectedAndTheDecoderStaysUsable()
    {
        var decoder = new SampleBatchDecoder();
        var samples = TestData.Mixed(21, 30);
        var blob = new SampleBatchCodec().Encode(samples);
        for (int cut = 2; cut < blob.Length - 4; cut++)
        {
            var sealedCut = SampleBatchCodecTests.Reseal(blob.AsSpan(0, cut));
            Assert.Throws<OutboxRecordCorruptException>(() => decoder.Decode(sealedCut, out _));
        }
        var rented = decoder.Decode(blob, out var n);
        Assert.Equal(samples, rented.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void RandomMutationsNeverCrashOrHang()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var it) ? it / 4 : 25_000;
        var rnd = new Random(20261123);
        var decoder = new SampleBatchDecoder(maxCachedStrings: 64);
        var seeds = Enumerable.Range(0, 6).Select(i => new SampleBatchCodec().Encode(TestData.Mixed(300 + i, 1 + i * 9))).ToArray();
        int decoded = 0, rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            var seed = seeds[rnd.Next(seeds.Length)];
            var body = seed.AsSpan(0, seed.Length - 4).ToArray();
            for (int k = rnd.Next(1, 4); k > 0; k--) body[rnd.Next(body.Length)] = (byte)rnd.Next(256);
            try
            {
                var rented = decoder.Decode(SampleBatchCodecTests.Reseal(body), out var n);
                SampleBatchDecoder.Return(rented, n);
                decoded++;
            }
            catch (OutboxRecordCorruptException)
            {
                rejected++;
            }
        }
        Assert.Equal(iterations, decoded + rejected);
        Assert.True(rejected > 0, "no mutation was rejected");
    }
}
