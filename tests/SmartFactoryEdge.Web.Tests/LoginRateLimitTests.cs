using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

/// <summary>Login is rate-limited per client address (three a minute in this fixture).</summary>
public sealed class LoginRateLimitTests(RateLimitedGatewayFixture gateway) : IClassFixture<RateLimitedGatewayFixture>
{
    [Fact]
    public async Task TheFourthLoginAttemptInAMinuteIs429()
    {
        using var client = gateway.Anonymous();
        for (int i = 0; i < 3; i++)
        {
            using var wrong = await client.PostAsJsonAsync("/api/login", new { password = "guess" + i });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var limited = await client.PostAsJsonAsync("/api/login", new { password = WebGatewayFixture.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("60", limited.Headers.GetValues("Retry-After").Single());
        Assert.Contains("too many", (await WebGatewayFixture.JsonAsync(limited)).GetProperty("error").GetString(), StringComparison.Ordinal);
        using var status = await client.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        Assert.Contains("Web login failed from 127.0.0.1", gateway.Sfe.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("guess0", gateway.Sfe.Output, StringComparison.Ordinal);
    }
}
