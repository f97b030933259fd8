using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Spc;

namespace SmartFactoryEdge.Anomaly.Tests;

public sealed class StuckSignalDetectorTests
{
    [Fact]
    public void AlertsOnTheNthUnchangedSampleAndStopsWhenTheSignalMovesAgain()
    {
        var d = new StuckSignalDetector(new StuckSignalOptions { Samples = 5 });
        var x = DetectorCatalog.Noise(100, seed: 3);
        for (var i = 50; i < 70; i++) x[i] = x[49];
        var alerts = Enumerable.Range(0, x.Length).Where(i => d.Update(x[i]).Alert).ToArray();
        Assert.Equal(Enumerable.Range(54, 16), alerts); // 50..54 are the 5 repeats of x[49]; 70 moves again
    }

    [Fact]
    public void EpsilonToleratesASmallJitter()
    {
        var x = Enumerable.Range(0, 40).Select(i => 10 + (i % 2 == 0 ? 0.001 : -0.001)).ToArray();
        var strict = new StuckSignalDetector(new StuckSignalOptions { Samples = 10 });
        var tolerant = new StuckSignalDetector(new StuckSignalOptions { Samples = 10, Epsilon = 0.01 });
        Assert.DoesNotContain(x, v => strict.Update(v).Alert);
        var outputs = x.Select(tolerant.Update).ToArray();
        Assert.False(outputs[9].Alert);
        Assert.True(outputs[10].Alert);
        Assert.Equal(10, outputs[10].Score);
    }

    [Fact]
    public void NaNIsIgnoredAndResetForgetsTheRun()
    {
        var d = new StuckSignalDetector(new StuckSignalOptions { Samples = 3 });
        Assert.False(d.Update(1).IsReady);
        Assert.False(d.Update(1).Alert);
        Assert.False(d.Update(double.NaN).IsReady);
        Assert.False(d.Update(1).Alert);
        Assert.True(d.Update(1).Alert);
        d.Reset();
        Assert.False(d.Update(1).IsReady);
        Assert.False(d.Update(1).Alert);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, -1)]
    [InlineData(5, double.NaN)]
    public void InvalidParametersAreRefused(double samples, double epsilon)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => DetectorFactory.Create(DetectorCatalog.Uni("stuck", ("samples", samples), ("epsilon", epsilon))));
        Assert.Contains("stuck", e.Message, StringComparison.Ordinal);
    }
}
