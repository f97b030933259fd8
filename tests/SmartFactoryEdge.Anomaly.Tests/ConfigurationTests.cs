using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Anomaly.Tests;

public class DetectorFactoryTests
{
    [Fact]
    public void EveryKindCanBeCreatedWithDefaults()
    {
        foreach (var k in DetectorFactory.Kinds) Assert.Equal(k, DetectorFactory.Create(new DetectorOptions { Kind = k }).Kind);
        foreach (var k in DetectorFactory.MultivariateKinds) Assert.Equal(k, DetectorFactory.CreateMultivariate(new DetectorOptions { Kind = k }, 8).Kind);
    }

    [Fact]
    public void UnknownKindAndMisspeltParameterAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => DetectorFactory.Create(new DetectorOptions { Kind = "srr" }));
        Assert.Contains("srr", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => DetectorFactory.Create(DetectorCatalog.Uni("sr", ("windowSise", 32))));
        Assert.Contains("windowSise", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectorFactory.Create(DetectorCatalog.Uni("sr", ("threshold", 2))));
    }
}

public class AnomalyStageTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void AlertsBecomeAnomalyEventsForTagsAndAssets()
    {
        var stage = new AnomalyStage(new AnomalyOptions
        {
            PublishScores = true,
            Tags = [new TagAnomalyOptions { Tag = "t1", Detectors = [DetectorCatalog.Uni("ewma", ("trainingSamples", 50))] }],
            Assets = [new AssetAnomalyOptions { Asset = "pump", Tags = ["a", "b", "c"], Detectors = [DetectorCatalog.Uni("pca-t2spe", ("trainingRows", 100))] }],
        });
        var events = new List<AnomalyEvent>();
        var scores = new List<Sample>();
        var x = DetectorCatalog.Noise(300, seed: 9);
        var rows = DetectorCatalog.Rows(300, 3, seed: 9);
        for (var i = 0; i < 300; i++)
        {
            var t = T0.AddSeconds(i);
            stage.Process(Sample.Good("t1", t, x[i] + (i >= 200 ? 5 : 0)), events, scores);
            stage.Process(Sample.Good("other", t, 1), events, scores);
            for (var j = 0; j < 3; j++) stage.Process(Sample.Good(((char)('a' + j)).ToString(), t, rows[i][j] + (i >= 200 && j == 1 ? 3 : 0)), events, scores);
        }

        var tagEvents = events.Where(e => e.TagId == "t1").ToArray();
        Assert.NotEmpty(tagEvents);
        Assert.True(tagEvents.Min(e => e.Timestamp) >= T0.AddSeconds(200));
        Assert.All(tagEvents, e => Assert.Equal("ewma", e.Detector));
        var assetEvents = events.Where(e => e.AssetId == "pump").ToArray();
        Assert.NotEmpty(assetEvents);
        Assert.True(assetEvents.Min(e => e.Timestamp) >= T0.AddSeconds(200));
        Assert.Contains(scores, s => s.TagId == "t1/anomaly/ewma");
    }

    [Fact]
    public void BadQualitySamplesAreSkippedAndBadConfigurationNamesTheTag()
    {
        var stage = new AnomalyStage(new AnomalyOptions { Tags = [new TagAnomalyOptions { Tag = "t1", Detectors = [DetectorCatalog.Uni("cusum", ("mean", 0), ("sigma", 1))] }] });
        var events = new List<AnomalyEvent>();
        stage.Process(Sample.Faulted("t1", T0, StatusCodes.BadTimeout), events);
        Assert.Empty(events);
        var e = Assert.Throws<ArgumentException>(() => new AnomalyStage(new AnomalyOptions { Tags = [new TagAnomalyOptions { Tag = "zone1", Detectors = [new DetectorOptions { Kind = "nope" }] }] }));
        Assert.Contains("zone1", e.Message);
    }
}
