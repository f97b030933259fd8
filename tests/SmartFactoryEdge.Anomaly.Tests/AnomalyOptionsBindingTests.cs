using Microsoft.Extensions.Configuration;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Stage;

namespace SmartFactoryEdge.Anomaly.Tests;

public class AnomalyOptionsBindingTests
{
    [Fact]
    public void SectionBindsToOptionsAndBuildsAStage()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["anomaly:publishScores"] = "true",
            ["anomaly:tags:0:tag"] = "furnace1/zone1/temperature",
            ["anomaly:tags:0:detectors:0:kind"] = "sr",
            ["anomaly:tags:0:detectors:0:parameters:windowSize"] = "32",
            ["anomaly:tags:0:detectors:0:parameters:threshold"] = "0.35",
            ["anomaly:tags:0:detectors:1:kind"] = "iid-changepoint",
            ["anomaly:assets:0:asset"] = "pump1",
            ["anomaly:assets:0:tags:0"] = "pump1/current",
            ["anomaly:assets:0:tags:1"] = "pump1/flow",
            ["anomaly:assets:0:detectors:0:kind"] = "sfe-adaptive",
        }).Build();
        var options = config.GetSection(AnomalyOptions.SectionName).Get<AnomalyOptions>()!;
        Assert.True(options.PublishScores);
        Assert.Equal("furnace1/zone1/temperature", options.Tags[0].Tag);
        Assert.Equal(32, options.Tags[0].Detectors[0].Parameters["windowSize"]);
        Assert.Equal("iid-changepoint", options.Tags[0].Detectors[1].Kind);
        Assert.Equal(["pump1/current", "pump1/flow"], options.Assets[0].Tags);
        var sr = (SpectralResidual.SrStreamingDetector)DetectorFactory.Create(options.Tags[0].Detectors[0]);
        Assert.Equal(32, sr.Options.WindowSize);
        Assert.NotNull(new AnomalyStage(options));
    }
}
