using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmartFactoryEdge.Gateway.Web;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.OpcUa;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

/// <summary>
/// A real `sfe run` on 127.0.0.1 with the simulated line and a node-opcua server as sources and the web UI on a free
/// port (the "Web UI listening on" log line names it). One per test class.
/// </summary>
public class WebGatewayFixture : IAsyncLifetime
{
    public const string Password = "line-watch-42";
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    public static readonly string Hash = PasswordHasher.Hash(Password, 1000);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sfe-web-").FullName;
    public OpcUaTestServer OpcUa { get; private set; } = null!;
    public PeerProcess Sfe { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public string ConfigPath => Path.Combine(Directory, "gateway.yaml");

    /// <summary>Login attempts per minute; the rate-limit test lowers it.</summary>
    protected virtual int LoginAttemptsPerMinute => 1000;

    /// <summary>How long a login lasts; the expiry test shortens it.</summary>
    protected virtual string SessionLifetime => "30m";

    public string InitialYaml => string.Join("\n",
        "gateway:",
        "  id: gw-web",
        "  site: lab",
        "  shutdownTimeout: 10s",
        "sources:",
        "  simulator:",
        "    - name: line1",
        "      seed: 7",
        "      rateHz: 5",
        "      machines:",
        "        - { kind: pump, asset: p1 }",
        "      anomalies:",
        "        - { tag: p1.flow, kind: spike, at: 4s, magnitude: 40 }",
        "  opcua:",
        "    - name: press01",
        $"      endpointUrl: {OpcUa.EndpointUrl}",
        "      securityPolicy: None",
        "      securityMode: None",
        "      publishingIntervalMs: 200",
        "      tags:",
        "        - { id: press01.temperature, nodeId: \"ns=1;s=Line1.Press01.Temperature\" }",
        "anomaly:",
        "  tags:",
        "    - tag: p1.flow",
        "      detectors: [{ kind: iid-spike, parameters: { confidence: 99 } }]",
        "sinks:",
        "  file:",
        "    path: out",
        "web:",
        "  port: 0",
        $"  passwordHash: \"{Hash}\"",
        $"  loginAttemptsPerMinute: {LoginAttemptsPerMinute}",
        $"  sessionLifetime: {SessionLifetime}") + "\n";

    public virtual async Task InitializeAsync()
    {
        OpcUa = await OpcUaTestServer.StartAsync("--load", "10");
        await File.WriteAllTextAsync(ConfigPath, InitialYaml);
        Sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["run", "--config", ConfigPath], Directory, name: "sfe");
        var match = await Sfe.WaitForLineAsync(@"Web UI listening on (http://[0-9.:]+)", Guard);
        BaseUrl = new Uri(match.Groups[1].Value);
    }

    public virtual async Task DisposeAsync()
    {
        Sfe.Signal(15);
        await Sfe.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await Sfe.DisposeAsync();
        await OpcUa.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A client without a session.</summary>
    public HttpClient Anonymous() => new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = BaseUrl };

    /// <summary>A client logged in with the right password.</summary>
    public async Task<HttpClient> LoggedInAsync()
    {
        var client = Anonymous();
        using var response = await client.PostAsJsonAsync("/api/login", new { password = Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    /// <summary>Polls <paramref name="read"/> until it returns true; the guard only stops a hang.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> read, string what, TimeSpan? guard = null)
    {
        var deadline = DateTime.UtcNow + (guard ?? Guard);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (!await read())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {(guard ?? Guard).TotalSeconds} s");
            await tick.WaitForNextTickAsync();
        }
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }
}

/// <summary>The same gateway with five-second sessions.</summary>
public sealed class ShortSessionGatewayFixture : WebGatewayFixture
{
    protected override string SessionLifetime => "5s";
}

/// <summary>The same gateway with three login attempts a minute.</summary>
public sealed class RateLimitedGatewayFixture : WebGatewayFixture
{
    protected override int LoginAttemptsPerMinute => 3;
}
