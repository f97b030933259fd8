namespace SmartFactoryEdge.Anomaly.Tests;

public class AllocationTests
{
    [Theory]
    [MemberData(nameof(DetectorCatalog.UnivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void UpdateAllocatesNothingInSteadyState(string kind)
    {
        var d = DetectorCatalog.Create(kind);
        var x = DetectorCatalog.Noise(8000, seed: 5);
        for (var i = 0; i < 2000; i++) d.Update(x[i]);
        // three passes: a per-sample allocation shows in every pass, a one-off runtime allocation (tiered JIT) in one at most
        var least = long.MaxValue;
        for (var pass = 1; pass < 4; pass++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 2000 * pass; i < 2000 * (pass + 1); i++) d.Update(x[i]);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Theory]
    [MemberData(nameof(DetectorCatalog.MultivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void MultivariateUpdateAllocatesNothingInSteadyState(string kind)
    {
        var d = DetectorCatalog.CreateMulti(kind, 8);
        var rows = DetectorCatalog.Rows(2800, 8, seed: 5);
        for (var i = 0; i < 400; i++) d.Update(rows[i]);
        var least = long.MaxValue;
        for (var pass = 0; pass < 3; pass++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 400 + 800 * pass; i < 400 + 800 * (pass + 1); i++) d.Update(rows[i]);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }
}
