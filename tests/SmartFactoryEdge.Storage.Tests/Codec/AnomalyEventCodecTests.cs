using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Tests.Support;

namespace SmartFactoryEdge.Storage.Tests.Codec;

public class AnomalyEventCodecTests
{
    private static AnomalyEvent Full() => new()
    {
        TagId = "ferm.ph",
        AssetId = "fermenter-2",
        Detector = "sr",
        Timestamp = TestData.T0,
        Score = 3.25,
        Threshold = 2.5,
        ModelVersion = "sha256:abc",
        Value = 6.91,
        Window = new Dictionary<string, double> { ["mean"] = 7.0, ["std"] = 0.05 },
    };

    [Fact]
    public void RoundTripKeepsEveryField()
    {
        var e = Full();
        var d = AnomalyEventCodec.Decode(new AnomalyEventCodec().Encode(e));
        Assert.Equal(e.TagId, d.TagId);
        Assert.Equal(e.AssetId, d.AssetId);
        Assert.Equal(e.Detector, d.Detector);
        Assert.Equal(e.Timestamp, d.Timestamp);
        Assert.Equal(e.Score, d.Score);
        Assert.Equal(e.Threshold, d.Threshold);
        Assert.Equal(e.ModelVersion, d.ModelVersion);
        Assert.Equal(e.Value, d.Value);
        Assert.Equal(e.Window, d.Window);
    }

    [Fact]
    public void OptionalFieldsStayAbsent()
    {
        var e = new AnomalyEvent { AssetId = "press-1", Detector = "pca-t2", Timestamp = TestData.T0, Score = 1, Threshold = 2 };
        var d = AnomalyEventCodec.Decode(new AnomalyEventCodec().Encode(e));
        Assert.Null(d.TagId);
        Assert.Null(d.Window);
        Assert.Equal("press-1", d.AssetId);
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        var blob = new AnomalyEventCodec().Encode(Full());
        for (int cut = 0; cut < blob.Length; cut++)
            Assert.Throws<OutboxRecordCorruptException>(() => AnomalyEventCodec.Decode(blob.AsSpan(0, cut)));
        for (int cut = 2; cut < blob.Length - 4; cut++)
            Assert.Throws<OutboxRecordCorruptException>(() => AnomalyEventCodec.Decode(SampleBatchCodecTests.Reseal(blob.AsSpan(0, cut))));
    }

    [Fact]
    public void RandomMutationsNeverCrashOrHang()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 100_000;
        var rnd = new Random(4242);
        var seed = new AnomalyEventCodec().Encode(Full());
        int rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            var blob = SampleBatchCodecTests.Mutate(seed, rnd);
            try
            {
                AnomalyEventCodec.Decode(blob, verifyChecksum: (i & 1) == 0);
            }
            catch (OutboxRecordCorruptException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > iterations / 2, $"{rejected} of {iterations} rejected");
    }
}
