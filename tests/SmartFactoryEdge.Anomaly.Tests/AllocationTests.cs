namespace SmartFactoryEdge.Anomaly.Tests;

public class AllocationTests
{
    [Theory]
    [MemberData(nameof(DetectorCatalog.UnivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void UpdateAllocatesNothingInSteadyState(string kind)
    {
        var d = DetectorCatalog.Create(kind);
        var x = DetectorCatalog.Noise(4000, seed: 5);
        for (var i = 0; i < 2000; i++) d.Update(x[i]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 2000; i < 4000; i++) d.Update(x[i]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [MemberData(nameof(DetectorCatalog.MultivariateKinds), MemberType = typeof(DetectorCatalog))]
    public void MultivariateUpdateAllocatesNothingInSteadyState(string kind)
    {
        var d = DetectorCatalog.CreateMulti(kind, 8);
        var rows = DetectorCatalog.Rows(1200, 8, seed: 5);
        for (var i = 0; i < 400; i++) d.Update(rows[i]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 400; i < 1200; i++) d.Update(rows[i]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
