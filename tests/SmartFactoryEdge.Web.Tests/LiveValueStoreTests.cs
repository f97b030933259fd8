using System.Diagnostics.Metrics;
using System.Text;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Gateway.Web;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

public sealed class LiveValueStoreTests
{
    [Fact]
    public async Task LiveValuesKeepTheLatestSampleAndABoundedTrend()
    {
        var store = new LiveValueStore(4);
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var batch = Enumerable.Range(0, 10).Select(i => Sample.Good("t", t0.AddSeconds(i), i, "°C")).ToArray();
        await store.WriteAsync(batch, CancellationToken.None);
        var (last, count, trend) = store.Find("t")!.Snapshot(100);
        Assert.Equal(9, last.Value.AsDouble);
        Assert.Equal(10, count);
        Assert.Equal([6.0, 7, 8, 9], trend.Select(p => p.Value));
        Assert.Equal([8.0, 9], store.Find("t")!.Snapshot(2).Trend.Select(p => p.Value));
    }
}
