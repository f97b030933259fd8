namespace SmartFactoryEdge.Anomaly.Tests;

public class CheckpointTests
{
    private static double[] Series() => DetectorCatalog.Noise(900, seed: 3).Select((v, i) => v + (i > 600 ? 4 : 0) + (i == 450 ? 9 : 0)).ToArray();

    [Theory]
    [MemberData(nameof(DetectorCatalog.UnivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void RestoreThenContinueEqualsAnUninterruptedRun(string kind)
    {
        var x = Series();
        foreach (var cut in new[] { 5, 150, 500 })
        {
            var reference = DetectorCatalog.Create(kind);
            var expected = x.Select(reference.Update).ToArray();
            var first = DetectorCatalog.Create(kind);
            for (var i = 0; i < cut; i++) first.Update(x[i]);
            var state = Checkpoint.Save(first);
            var second = DetectorCatalog.Create(kind);
            Checkpoint.Restore(second, state);
            for (var i = cut; i < x.Length; i++)
            {
                var o = second.Update(x[i]);
                Assert.True(expected[i].Alert == o.Alert, $"{kind} cut {cut}: alert differs at {i}");
                Assert.True(Same(expected[i].Score, o.Score) && Same(expected[i].Level, o.Level) && Same(expected[i].Statistic, o.Statistic),
                    $"{kind} cut {cut}: output differs at {i}: {expected[i]} vs {o}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(DetectorCatalog.MultivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void MultivariateRestoreThenContinueEqualsAnUninterruptedRun(string kind)
    {
        var rows = DetectorCatalog.Rows(500, 4, seed: 11);
        foreach (var cut in new[] { 50, 300 })
        {
            var reference = DetectorCatalog.CreateMulti(kind, 4);
            var expected = rows.Select(r => reference.Update(r)).ToArray();
            var first = DetectorCatalog.CreateMulti(kind, 4);
            for (var i = 0; i < cut; i++) first.Update(rows[i]);
            var second = DetectorCatalog.CreateMulti(kind, 4);
            Checkpoint.Restore(second, Checkpoint.Save(first));
            for (var i = cut; i < rows.Length; i++)
            {
                var o = second.Update(rows[i]);
                Assert.True(expected[i].Alert == o.Alert && Same(expected[i].Score, o.Score), $"{kind} cut {cut}: differs at {i}: {expected[i]} vs {o}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(DetectorCatalog.UnivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void TruncatedCheckpointIsRejectedAtEveryCut(string kind)
    {
        var d = DetectorCatalog.Create(kind);
        foreach (var v in Series().Take(300)) d.Update(v);
        var state = Checkpoint.Save(d);
        for (var cut = 0; cut < state.Length; cut += Math.Max(1, state.Length / 400))
        {
            var fresh = DetectorCatalog.Create(kind);
            Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(fresh, state.AsSpan(0, cut)));
        }
    }

    [Fact]
    public void CheckpointOfAnotherKindIsRejected()
    {
        var state = Checkpoint.Save(DetectorCatalog.Create("ewma"));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(DetectorCatalog.Create("cusum"), state));
        Assert.Contains("ewma", e.Message);
    }

    [Fact]
    public void MutatedCheckpointsNeverCrashOrHang()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 300;
        var rng = new Random(1234);
        foreach (var kind in new[] { "iid-spike", "sr", "cusum", "ewma", "western-electric", "sfe-ensemble" })
        {
            var d = DetectorCatalog.Create(kind);
            foreach (var v in Series().Take(200)) d.Update(v);
            var state = Checkpoint.Save(d);
            for (var it = 0; it < iterations; it++)
            {
                var m = (byte[])state.Clone();
                for (var k = 0; k < 1 + rng.Next(4); k++) m[rng.Next(m.Length)] = (byte)rng.Next(256);
                var fresh = DetectorCatalog.Create(kind);
                try
                {
                    Checkpoint.Restore(fresh, m);
                }
                catch (InvalidDataException)
                {
                    continue;
                }

                for (var i = 0; i < 20; i++) fresh.Update(10 + i % 3); // must not throw
            }
        }
    }

    private static bool Same(double a, double b) => (double.IsNaN(a) && double.IsNaN(b)) || a == b || Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));
}
