using System.Diagnostics.Metrics;
using System.Text;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Gateway.Web;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void CountersHistogramsAndGaugesAreRenderedWithEscapedLabels()
    {
        using var exporter = new PrometheusExporter();
        using var meter = new Meter("SmartFactoryEdge.WebTest." + Guid.NewGuid().ToString("N"));
        var counter = meter.CreateCounter<long>("webtest.frames", description: "Frames");
        var histogram = meter.CreateHistogram<double>("webtest.latency", unit: "ms");
        meter.CreateObservableGauge("webtest.depth", () => 7);
        counter.Add(2, new KeyValuePair<string, object?>("peer", "a\"b\\c\nd"));
        counter.Add(3, new KeyValuePair<string, object?>("peer", "a\"b\\c\nd"));
        histogram.Record(1.5);
        histogram.Record(2.5);
        var sb = new StringBuilder();
        exporter.Render(sb);
        var text = sb.ToString();
        Assert.Contains("# TYPE sfe_webtest_frames_total counter", text, StringComparison.Ordinal);
        Assert.Contains("sfe_webtest_frames_total{peer=\"a\\\"b\\\\c\\nd\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("sfe_webtest_latency_ms_count 2\n", text, StringComparison.Ordinal);
        Assert.Contains("sfe_webtest_latency_ms_sum 4\n", text, StringComparison.Ordinal);
        Assert.Contains("sfe_webtest_depth 7\n", text, StringComparison.Ordinal);
    }
}
