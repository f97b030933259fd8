using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Anomaly.Tests;

/// <summary>
/// The stage's alarms: one event per onset, cleared after clearAfter normal samples. A CUSUM with a known mean and sigma
/// (no training) alerts exactly on the samples set to <see cref="High"/> and on no other, so each test spells out the
/// detector's alert pattern.
/// </summary>
public sealed class AnomalyStageAlarmTests
{
    private const double High = 100;
    private static readonly DateTime T0 = new(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);

    private static DetectorOptions Cusum(int? clearAfter = null) =>
        new() { Kind = "cusum", ClearAfter = clearAfter, Parameters = new(StringComparer.OrdinalIgnoreCase) { ["mean"] = 0, ["sigma"] = 1 } };

    private static AnomalyOptions Options(int clearAfter = 20, AnomalyEventMode mode = AnomalyEventMode.Onset, int? detectorClearAfter = null, bool scores = false) => new()
    {
        ClearAfter = clearAfter, EventMode = mode, PublishScores = scores,
        Tags = [new TagAnomalyOptions { Tag = "t", Detectors = [Cusum(detectorClearAfter)] }],
    };

    private static Sample[] Series(int length, params int[] alerts)
    {
        var x = new Sample[length];
        for (var i = 0; i < length; i++) x[i] = Sample.Good("t", T0.AddMilliseconds(100 * i), alerts.Contains(i) ? High : 0);
        return x;
    }

    private static int[] EventIndices(AnomalyStage stage, Sample[] series)
    {
        var events = new List<AnomalyEvent>();
        foreach (var s in series) stage.Process(s, events);
        return events.Select(e => (int)((e.Timestamp - T0).Ticks / TimeSpan.TicksPerMillisecond / 100)).ToArray();
    }

    private static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

    [Fact]
    public void TwoSeparatedAnomaliesGiveExactlyTwoEvents()
    {
        var series = Series(500, [.. Range(100, 6), .. Range(300, 11)]);
        Assert.Equal([100, 300], EventIndices(new AnomalyStage(Options()), series));
        Assert.Equal(17, EventIndices(new AnomalyStage(Options(mode: AnomalyEventMode.Every)), series).Length); // the old behaviour
    }

    [Fact]
    public void FlappingAlertInsideTheClearWindowGivesOneEvent()
    {
        var series = Series(400, 100, 105, 110, 129, 148, 160);
        Assert.Equal([100], EventIndices(new AnomalyStage(Options()), series));
    }

    [Theory]
    [InlineData(20, 120, new[] { 100 })]       // 19 normal samples (101..119): still the same alarm
    [InlineData(20, 121, new[] { 100, 121 })]  // 20 normal samples (101..120): cleared, a new onset
    [InlineData(1, 101, new[] { 100 })]        // clearAfter 1: consecutive alerts are one alarm
    [InlineData(1, 102, new[] { 100, 102 })]   // one normal sample clears it
    public void AnAlarmClearsAfterExactlyClearAfterNormalSamples(int clearAfter, int second, int[] expected)
    {
        Assert.Equal(expected, EventIndices(new AnomalyStage(Options(clearAfter)), Series(300, 100, second)));
    }

    [Fact]
    public void ADetectorsOwnClearAfterOverridesTheSections()
    {
        var series = Series(300, 100, 106);
        Assert.Equal([100], EventIndices(new AnomalyStage(Options(clearAfter: 5, detectorClearAfter: 10)), series));
        Assert.Equal([100, 106], EventIndices(new AnomalyStage(Options(clearAfter: 10, detectorClearAfter: 5)), series));
    }

    [Fact]
    public void ScoresArePublishedForEverySampleWhileAnAlarmIsActive()
    {
        var stage = new AnomalyStage(Options(scores: true));
        var events = new List<AnomalyEvent>();
        var scores = new List<Sample>();
        foreach (var s in Series(200, [.. Range(50, 10)])) stage.Process(s, events, scores);
        Assert.Single(events);
        Assert.Equal(200, scores.Count);
        Assert.Equal(10, scores.Count(s => s.Value.AsDouble > 5));
    }

    [Fact]
    public void RestoreMidAlarmRaisesTheSameEventsAsAnUninterruptedRun()
    {
        var series = Series(300, 100, 105, 118, 150, 170, 171, 200);
        var expected = EventIndices(new AnomalyStage(Options()), series);
        Assert.Equal([100, 150, 200], expected);
        for (var cut = 0; cut <= series.Length; cut++)
        {
            var first = new AnomalyStage(Options());
            var events = new List<AnomalyEvent>();
            foreach (var s in series.Take(cut)) first.Process(s, events);
            var restored = AnomalyStage.TryRestore(Options(), first.SaveCheckpoint(), out var reason);
            Assert.True(restored is not null, reason);
            foreach (var s in series.Skip(cut)) restored.Process(s, events);
            Assert.Equal(expected, events.Select(e => (int)((e.Timestamp - T0).Ticks / TimeSpan.TicksPerMillisecond / 100)));
        }
    }

    [Fact]
    public void ALoweredClearAfterStillRestoresAnActiveAlarm()
    {
        var first = new AnomalyStage(Options(clearAfter: 50));
        foreach (var s in Series(140, 100)) first.Process(s, new List<AnomalyEvent>()); // active, 39 normal samples so far
        var restored = AnomalyStage.TryRestore(Options(clearAfter: 10), first.SaveCheckpoint(), out var reason);
        Assert.True(restored is not null, reason);
        var events = new List<AnomalyEvent>();
        restored.Process(Sample.Good("t", T0.AddSeconds(14), High), events); // still the same alarm until one more normal sample
        Assert.Empty(events);
    }

    [Theory]
    [InlineData(0, null, "anomaly.clearAfter")]
    [InlineData(20, 0, "clearAfter must be at least 1")]
    public void AClearAfterBelowOneIsRefusedByName(int clearAfter, int? detectorClearAfter, string message)
    {
        var options = Options(clearAfter, detectorClearAfter: detectorClearAfter);
        Assert.Contains(options.ValidateAlarms(), p => p.Contains(message, StringComparison.Ordinal));
        var e = Assert.Throws<ArgumentException>(() => new AnomalyStage(options));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Empty(Options().ValidateAlarms());
    }

    [Fact]
    public void AssetAlarmsRaiseOneEventPerOnset()
    {
        var options = new AnomalyOptions
        {
            Assets = [new AssetAnomalyOptions { Asset = "p", Tags = ["p.a", "p.b"], Detectors = [new DetectorOptions { Kind = "pca-t2spe", Parameters = new(StringComparer.OrdinalIgnoreCase) { ["trainingRows"] = 200 } }] }],
        };
        var rnd = new Random(11);
        var samples = new List<Sample>();
        for (var k = 0; k < 600; k++)
        {
            var a = rnd.NextDouble();
            var broken = k is >= 400 and < 450 ? 5 : 0; // the relation between a and b breaks for 50 rows
            samples.Add(Sample.Good("p.a", T0.AddMilliseconds(100 * k), a));
            samples.Add(Sample.Good("p.b", T0.AddMilliseconds(100 * k), 2 * a + 0.05 * rnd.NextDouble() + broken));
        }
        int Count(AnomalyEventMode mode)
        {
            var stage = new AnomalyStage(options with { EventMode = mode });
            var events = new List<AnomalyEvent>();
            foreach (var s in samples) stage.Process(s, events);
            return events.Count(e => e.Timestamp >= T0.AddMilliseconds(100 * 400) && e.Timestamp < T0.AddMilliseconds(100 * 450));
        }
        Assert.True(Count(AnomalyEventMode.Every) >= 40, $"{Count(AnomalyEventMode.Every)} alerting rows of 50 broken ones");
        Assert.Equal(1, Count(AnomalyEventMode.Onset));
    }

    [Fact]
    public void AnActiveAlarmAllocatesNothingPerSample()
    {
        var stage = new AnomalyStage(Options(clearAfter: 1_000_000));
        var events = new List<AnomalyEvent>(16);
        var high = Sample.Good("t", T0, High);
        var low = Sample.Good("t", T0, 0);
        stage.Process(high, events); // the onset: one event (allocated, once per alarm)
        Assert.Single(events);
        for (var i = 0; i < 1000; i++) stage.Process((i & 1) == 0 ? high : low, events);
        // three passes: a per-sample allocation shows in every pass, a one-off runtime allocation (tiered JIT) in one at most
        var least = long.MaxValue;
        for (var pass = 0; pass < 3; pass++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 2000; i++) stage.Process((i & 1) == 0 ? high : low, events);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
        Assert.Single(events); // alerts inside the active alarm raised nothing
    }
}
