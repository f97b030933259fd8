using System.Diagnostics;
using System.Net;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

/// <summary>A session ends after web.sessionLifetime (five seconds in this fixture), without sliding renewal.</summary>
public sealed class SessionExpiryTests(ShortSessionGatewayFixture gateway) : IClassFixture<ShortSessionGatewayFixture>
{
    [Fact]
    public async Task TheApiRefusesTheSessionOnceItsLifetimeIsOver()
    {
        var clock = Stopwatch.StartNew();
        using var client = await gateway.LoggedInAsync();
        using (var first = await client.GetAsync("/api/status"))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // keep using it: requests do not extend the session
        await WebGatewayFixture.EventuallyAsync(async () =>
        {
            using var r = await client.GetAsync("/api/status");
            return r.StatusCode == HttpStatusCode.Unauthorized;
        }, "the session's expiry", TimeSpan.FromSeconds(30));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(30));
        using var again = await gateway.LoggedInAsync();
        using var ok = await again.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
