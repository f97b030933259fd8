using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SmartFactoryEdge.Gateway.Cli;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Web;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Modbus;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

/// <summary>Every endpoint of the JSON API against a running gateway, including refused and malformed calls.</summary>
public sealed class ApiEndpointsTests(WebGatewayFixture gateway) : IClassFixture<WebGatewayFixture>
{
    private static HttpContent JsonBody(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static string Concrete(string path) => path.Replace("{tag}", "p1.flow", StringComparison.Ordinal).Replace("{name}", "furnace", StringComparison.Ordinal);

    [Fact]
    public async Task EveryProtectedRouteRefusesAnUnauthenticatedCallWith401Json()
    {
        using var client = gateway.Anonymous();
        var protectedRoutes = ApiEndpoints.Routes.Where(r => !r.Anonymous).ToArray();
        Assert.True(protectedRoutes.Length >= 14);
        foreach (var route in protectedRoutes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), Concrete(route.Path));
            if (route.Method is "POST" or "PUT") request.Content = JsonBody("{}");
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route.Method} {route.Path} answered {response.StatusCode}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("login required", (await WebGatewayFixture.JsonAsync(response)).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task ThePageRedirectsToTheLoginPageWithoutASession()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };
        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        var login = await client.GetStringAsync("/login");
        Assert.Contains("id=\"password\"", login, StringComparison.Ordinal);
        Assert.DoesNotContain("pbkdf2", login, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginRefusesAWrongPasswordAndMalformedBodies()
    {
        using var client = gateway.Anonymous();
        using (var wrong = await client.PostAsJsonAsync("/api/login", new { password = "nope" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Null(wrong.Headers.Contains("Set-Cookie") ? "cookie set" : null);
        }
        using (var malformed = await client.PostAsync("/api/login", JsonBody("{\"password\":")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("malformed JSON", (await WebGatewayFixture.JsonAsync(malformed)).GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        using (var notObject = await client.PostAsync("/api/login", JsonBody("null")))
            Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        using (var wrongType = await client.PostAsync("/api/login", JsonBody("{\"password\": 42}")))
            Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        using (var form = await client.PostAsync("/api/login", new FormUrlEncodedContent([new("password", WebGatewayFixture.Password)])))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        using var status = await client.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
    }

    [Fact]
    public async Task LoginSetsAnHttpOnlyStrictSessionCookieThatExpiresAndLogoutEndsIt()
    {
        using var client = gateway.Anonymous();
        using var login = await client.PostAsJsonAsync("/api/login", new { password = WebGatewayFixture.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith(WebApp.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var expires = DateTimeOffset.Parse(cookie.Split(';').Select(p => p.Trim()).Single(p => p.StartsWith("expires=", StringComparison.OrdinalIgnoreCase))[8..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(28), TimeSpan.FromMinutes(31)); // sessionLifetime: 30m
        var session = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/session"));
        Assert.Equal("operator", session.GetProperty("user").GetString());
        using (var logout = await client.PostAsync("/api/logout", JsonBody("{}")))
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        using var after = await client.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task StatusReportsTheGatewayPipelineSourcesAndEndpointHealth()
    {
        using var client = await gateway.LoggedInAsync();
        await WebGatewayFixture.EventuallyAsync(async () =>
        {
            var s = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/status"));
            return s.GetProperty("endpoints").EnumerateArray().Any(e => e.GetProperty("state").GetString() == "Connected")
                && s.GetProperty("pipeline").GetProperty("delivered").GetInt64() > 0;
        }, "an OPC UA endpoint Connected and samples delivered");
        using var response = await client.GetAsync("/api/status");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var status = await WebGatewayFixture.JsonAsync(response);
        Assert.Equal("gw-web", status.GetProperty("gatewayId").GetString());
        Assert.Equal("lab", status.GetProperty("site").GetString());
        var sources = status.GetProperty("sources").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s);
        Assert.True(sources["simulator:line1"].GetProperty("running").GetBoolean());
        Assert.True(sources["opcua:press01"].GetProperty("running").GetBoolean());
        Assert.Equal("Connected", sources["opcua:press01"].GetProperty("state").GetString());
        Assert.True(status.GetProperty("anomaly").GetProperty("enabled").GetBoolean());
        Assert.False(status.TryGetProperty("broker", out _)); // no mqtt section: no broker link
    }

    [Fact]
    public async Task ValuesMoveAndCarryUnitQualityAndTrend()
    {
        using var client = await gateway.LoggedInAsync();
        long first = 0;
        await WebGatewayFixture.EventuallyAsync(async () =>
        {
            using var r = await client.GetAsync("/api/values/p1.flow?points=10");
            if (r.StatusCode != HttpStatusCode.OK) return false;
            first = (await WebGatewayFixture.JsonAsync(r)).GetProperty("count").GetInt64();
            return first > 0;
        }, "p1.flow values");
        JsonElement tag = default;
        await WebGatewayFixture.EventuallyAsync(async () =>
        {
            tag = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/values/p1.flow?points=10"));
            return tag.GetProperty("count").GetInt64() > first + 2;
        }, "p1.flow count growing");
        Assert.Equal("m³/h", tag.GetProperty("unit").GetString());
        Assert.Equal("Good", tag.GetProperty("quality").GetString());
        var trend = tag.GetProperty("trend").EnumerateArray().ToArray();
        Assert.InRange(trend.Length, 3, 10);
        Assert.True(trend[^1][0].GetDateTime() > trend[0][0].GetDateTime());
        var all = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/values?prefix=p1."));
        Assert.Equal(4, all.GetArrayLength());
        Assert.All(all.EnumerateArray(), v => Assert.False(v.TryGetProperty("trend", out _)));
        await WebGatewayFixture.EventuallyAsync(async () =>
            (await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/values?prefix=press01."))).GetArrayLength() == 1, "OPC UA values");
    }

    [Theory]
    [InlineData("/api/values/no.such.tag", HttpStatusCode.NotFound)]
    [InlineData("/api/values/p1.flow?points=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/values/p1.flow?points=abc", HttpStatusCode.BadRequest)]
    [InlineData("/api/values?points=601", HttpStatusCode.BadRequest)]
    [InlineData("/api/values?points=-1", HttpStatusCode.BadRequest)]
    [InlineData("/api/anomalies?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/anomalies?limit=1001", HttpStatusCode.BadRequest)]
    [InlineData("/api/anomalies?limit=x", HttpStatusCode.BadRequest)]
    [InlineData("/api/templates/nope", HttpStatusCode.NotFound)]
    [InlineData("/api/templates/..%2Fsecret", HttpStatusCode.NotFound)]
    [InlineData("/assets/..%2Fgateway.yaml", HttpStatusCode.NotFound)]
    public async Task BadQueriesGetAJsonErrorOrNotFound(string path, HttpStatusCode expected)
    {
        using var client = await gateway.LoggedInAsync();
        using var response = await client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        if (path.StartsWith("/api", StringComparison.Ordinal))
            Assert.False(string.IsNullOrEmpty((await WebGatewayFixture.JsonAsync(response)).GetProperty("error").GetString()));
    }

    [Fact]
    public async Task AnomaliesListTheInjectedSpikeWithScoreThresholdAndModelVersion()
    {
        using var client = await gateway.LoggedInAsync();
        JsonElement anomalies = default;
        await WebGatewayFixture.EventuallyAsync(async () =>
        {
            anomalies = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/anomalies?limit=5"));
            return anomalies.GetProperty("total").GetInt64() > 0;
        }, "an anomaly event for the injected spike");
        var e = anomalies.GetProperty("events")[0];
        Assert.Equal("p1.flow", e.GetProperty("tag").GetString());
        Assert.Equal("iid-spike", e.GetProperty("detector").GetString());
        Assert.True(e.GetProperty("score").GetDouble() > e.GetProperty("threshold").GetDouble() || e.GetProperty("score").GetDouble() >= 0);
        Assert.False(string.IsNullOrEmpty(e.GetProperty("modelVersion").GetString()));
    }

    [Fact]
    public async Task ConfigReturnsTheFileAndItsOpcUaEndpoints()
    {
        using var client = await gateway.LoggedInAsync();
        var config = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/config"));
        Assert.Equal(gateway.ConfigPath, config.GetProperty("path").GetString());
        Assert.Contains("name: press01", config.GetProperty("yaml").GetString(), StringComparison.Ordinal);
        Assert.Equal("press01", config.GetProperty("opcua")[0].GetProperty("name").GetString());
        Assert.Contains("iid-spike", config.GetProperty("detectors").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task ValidateGivesTheSameMessagesAsSfeValidate()
    {
        var broken = gateway.InitialYaml.Replace("rateHz: 5", "rateHz: fast", StringComparison.Ordinal).Replace("kind: iid-spike", "kind: iid-spik", StringComparison.Ordinal);
        var file = Path.Combine(gateway.Directory, "broken", "gateway.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, broken);
        await using var cli = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), ["validate", "--config", "gateway.yaml"], Path.GetDirectoryName(file), name: "sfe-validate");
        Assert.Equal(ExitCodes.InvalidConfiguration, await cli.WaitForExitAsync(WebGatewayFixture.Guard));
        var expected = cli.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("gateway.yaml:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, expected.Length);

        using var client = await gateway.LoggedInAsync();
        var result = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/validate", new { yaml = broken }));
        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal(expected, result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("text").GetString()).ToArray());
        var first = result.GetProperty("errors")[0];
        Assert.True(first.GetProperty("line").GetInt32() > 0);
        Assert.Contains("rateHz", first.GetProperty("key").GetString(), StringComparison.Ordinal);

        var ok = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/validate", new { yaml = gateway.InitialYaml }));
        Assert.True(ok.GetProperty("valid").GetBoolean());
        Assert.Equal(0, ok.GetProperty("errors").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/config/validate", "POST", "{\"yaml\": ")]
    [InlineData("/api/config/validate", "POST", "{}")]
    [InlineData("/api/config/validate", "POST", "{\"yaml\": 5}")]
    [InlineData("/api/config/validate", "POST", "[1,2]")]
    [InlineData("/api/config", "PUT", "{}")]
    [InlineData("/api/config", "PUT", "\"text\"")]
    [InlineData("/api/config/opcua-tags", "POST", "{\"source\": \"press01\"}")]
    [InlineData("/api/config/opcua-tags", "POST", "{\"tags\": [{\"id\": \"a\", \"nodeId\": \"i=1\"}]}")]
    [InlineData("/api/config/opcua-tags", "POST", "{\"source\": \"press01\", \"tags\": {}}")]
    [InlineData("/api/config/modbus-points", "POST", "{\"points\": [{\"tagId\": \"a\", \"address\": 1}]}")]
    [InlineData("/api/config/modbus-points", "POST", "{\"device\": \"m1\"}")]
    [InlineData("/api/config/modbus-points", "POST", "{\"device\": \"m1\", \"target\": \"h:99999\", \"points\": [{\"tagId\": \"a\", \"address\": 1}]}")]
    [InlineData("/api/config/modbus-points", "POST", "{\"device\": \"m1\", \"interval\": \"soon\", \"points\": [{\"tagId\": \"a\", \"address\": 1}]}")]
    [InlineData("/api/config/modbus-points", "POST", "{\"device\": \"m1\", \"points\": [{\"tagId\": \"a\", \"address\": \"x\"}]}")]
    [InlineData("/api/opcua/browse", "POST", "{}")]
    [InlineData("/api/opcua/browse", "POST", "{\"endpointUrl\": \"http://127.0.0.1:80\"}")]
    [InlineData("/api/opcua/browse", "POST", "{\"endpointUrl\": \"opc.tcp://127.0.0.1:4840\", \"depth\": 9}")]
    [InlineData("/api/modbus/probe", "POST", "{}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"/dev/ttyS0\"}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"127.0.0.1:1\", \"functionCode\": 16}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"127.0.0.1:1\", \"count\": 0}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"127.0.0.1:1\", \"unit\": 300}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"127.0.0.1:1\", \"address\": 70000}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"127.0.0.1:1\", \"type\": \"float128\"}")]
    [InlineData("/api/modbus/probe", "POST", "{\"target\": \"127.0.0.1:1\", \"order\": \"XYZW\"}")]
    public async Task MalformedBodiesAre400WithAReason(string path, string method, string body)
    {
        using var client = await gateway.LoggedInAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonBody(body) };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace((await WebGatewayFixture.JsonAsync(response)).GetProperty("error").GetString()));
    }

    [Fact]
    public async Task StateChangingCallsMustBeJson()
    {
        using var client = await gateway.LoggedInAsync();
        using var response = await client.PutAsync("/api/config", new StringContent("yaml=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var noBody = await client.PostAsync("/api/config/apply", null);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noBody.StatusCode);
    }

    [Fact]
    public async Task ThePasswordHashIsHiddenFromTheEditorAndKeptOnSave()
    {
        using var client = await gateway.LoggedInAsync();
        var yaml = (await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/config"))).GetProperty("yaml").GetString()!;
        Assert.DoesNotContain("pbkdf2", yaml, StringComparison.Ordinal);
        Assert.Contains($"passwordHash: \"{ConfigEditor.HiddenSecret}\"", yaml, StringComparison.Ordinal);
        var validated = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/validate", new { yaml }));
        Assert.True(validated.GetProperty("valid").GetBoolean(), validated.ToString());
        using var saved = await client.PutAsJsonAsync("/api/config", new { yaml });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(gateway.InitialYaml, await File.ReadAllTextAsync(gateway.ConfigPath));
        Assert.Equal(gateway.InitialYaml, await File.ReadAllTextAsync(gateway.ConfigPath + ".bak"));
        var draft = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/opcua-tags", new
        {
            yaml = gateway.InitialYaml, source = "press01", tags = new[] { new { id = "press01.alarm", nodeId = "ns=1;s=Line1.Press01.Alarm" } },
        }));
        Assert.DoesNotContain("pbkdf2", draft.GetProperty("yaml").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SavingAnInvalidConfigurationIs422AndLeavesTheFileAlone()
    {
        using var client = await gateway.LoggedInAsync();
        var before = await File.ReadAllTextAsync(gateway.ConfigPath);
        using var response = await client.PutAsJsonAsync("/api/config", new { yaml = "gateway: { id: gw-web }\n" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await WebGatewayFixture.JsonAsync(response);
        Assert.False(body.GetProperty("saved").GetBoolean());
        Assert.Contains(body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("key").GetString() == "gateway.site");
        Assert.Equal(before, await File.ReadAllTextAsync(gateway.ConfigPath));
    }

    [Fact]
    public async Task OpcUaTagsAreAddedToADraftWithoutSaving()
    {
        using var client = await gateway.LoggedInAsync();
        var before = await File.ReadAllTextAsync(gateway.ConfigPath);
        var result = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/opcua-tags", new
        {
            source = "press01",
            tags = new[] { new { id = "press01.pressure", nodeId = "ns=1;s=Line1.Press01.Pressure", unit = "bar", samplingIntervalMs = 100, detectors = new[] { "ewma" } } },
        }));
        var yaml = result.GetProperty("yaml").GetString()!;
        var validated = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/validate", new { yaml }));
        Assert.True(validated.GetProperty("valid").GetBoolean(), validated.ToString());
        var (config, errors) = ConfigEditor.Validate(ConfigEditor.Restore(yaml, WebGatewayFixture.Hash), "gateway.yaml", gateway.Directory);
        Assert.Empty(errors);
        Assert.Contains(config!.Sources.Opcua[0].Tags, t => t.Id == "press01.pressure" && t.Unit == "bar" && t.SamplingIntervalMs == 100);
        Assert.Contains(config.Anomaly!.Tags, t => t.Tag == "press01.pressure" && t.Detectors[0].Kind == "ewma");
        Assert.Equal(before, await File.ReadAllTextAsync(gateway.ConfigPath));

        using var unknown = await client.PostAsJsonAsync("/api/config/opcua-tags", new { source = "nope", tags = new[] { new { id = "a", nodeId = "i=1" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("no endpoint named 'nope'", (await WebGatewayFixture.JsonAsync(unknown)).GetProperty("error").GetString(), StringComparison.Ordinal);
        using var badYaml = await client.PostAsJsonAsync("/api/config/opcua-tags", new { yaml = "a: [", source = "press01", tags = new[] { new { id = "a", nodeId = "i=1" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badYaml.StatusCode);
    }

    [Fact]
    public async Task ProbedModbusPointsAreAddedToADraftAsANewDevice()
    {
        using var client = await gateway.LoggedInAsync();
        var before = await File.ReadAllTextAsync(gateway.ConfigPath);
        using var response = await client.PostAsJsonAsync("/api/config/modbus-points", new
        {
            device = "meter1", target = "10.0.0.5:1502", unit = 3, interval = "500ms",
            points = new object[]
            {
                new { tagId = "meter1.voltage", area = "InputRegister", address = 0, type = "Float32", unit = "V", detectors = new[] { "cusum" } },
                new { tagId = "meter1.hr10", area = "HoldingRegister", address = 10, type = "UInt16" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var yaml = (await WebGatewayFixture.JsonAsync(response)).GetProperty("yaml").GetString()!;
        var (config, errors) = ConfigEditor.Validate(ConfigEditor.Restore(yaml, WebGatewayFixture.Hash), "gateway.yaml", gateway.Directory);
        Assert.Empty(errors);
        var device = Assert.Single(config!.Sources.Modbus!.Devices);
        Assert.Equal(("meter1", "10.0.0.5", 1502, 3), (device.Name, device.Host, device.Port, device.UnitId));
        var group = Assert.Single(device.PollGroups);
        Assert.Equal(TimeSpan.FromMilliseconds(500), group.Interval);
        Assert.Equal(["meter1.voltage", "meter1.hr10"], group.Points.Select(p => p.TagId));
        Assert.Contains(config.Anomaly!.Tags, t => t.Tag == "meter1.voltage" && t.Detectors[0].Kind == "cusum");
        Assert.Equal(before, await File.ReadAllTextAsync(gateway.ConfigPath));
        // a second add goes into the same device and poll group; a wrong area is caught by validation
        var again = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/modbus-points", new
        {
            yaml, device = "meter1", points = new[] { new { tagId = "meter1.x", area = "Registers", address = 2 } },
        }));
        var validated = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/validate", new { yaml = again.GetProperty("yaml").GetString() }));
        Assert.False(validated.GetProperty("valid").GetBoolean());
        Assert.Contains(validated.GetProperty("errors").EnumerateArray(), e => e.GetProperty("key").GetString()!.EndsWith("points[2].area", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TemplatesCoverTheFiveIndustriesAndEachOneValidates()
    {
        using var client = await gateway.LoggedInAsync();
        var list = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/templates"));
        var names = list.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["fermenter", "furnace", "power-meter", "press", "pump"], names);
        foreach (var name in names)
        {
            var template = await WebGatewayFixture.JsonAsync(await client.GetAsync("/api/templates/" + name));
            var result = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/config/validate", new { yaml = template.GetProperty("yaml").GetString() }));
            Assert.True(result.GetProperty("valid").GetBoolean(), name + ": " + result);
        }
    }

    [Fact]
    public async Task BrowseListsTheChildrenOfANodeWithDataTypeAndValue()
    {
        using var client = await gateway.LoggedInAsync();
        using var response = await client.PostAsJsonAsync("/api/opcua/browse", new { endpointUrl = gateway.OpcUa.EndpointUrl, node = "ns=1;s=Line1.Press01", depth = 1 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var nodes = (await WebGatewayFixture.JsonAsync(response)).GetProperty("nodes").EnumerateArray().ToArray();
        var pressure = Assert.Single(nodes, n => n.GetProperty("nodeId").GetString() == "ns=1;s=Line1.Press01.Pressure");
        Assert.Equal("Variable", pressure.GetProperty("nodeClass").GetString());
        Assert.Equal("Double", pressure.GetProperty("dataType").GetString());
        var root = await WebGatewayFixture.JsonAsync(await client.PostAsJsonAsync("/api/opcua/browse", new { endpointUrl = gateway.OpcUa.EndpointUrl }));
        Assert.Contains(root.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("browseName").GetString() == "Line1");
    }

    [Fact]
    public async Task BrowseAndProbeOfAnUnreachablePeerAre502()
    {
        using var client = await gateway.LoggedInAsync();
        var port = FreePort.Next();
        using var browse = await client.PostAsJsonAsync("/api/opcua/browse", new { endpointUrl = $"opc.tcp://127.0.0.1:{port}" });
        Assert.Equal(HttpStatusCode.BadGateway, browse.StatusCode);
        Assert.Contains($"127.0.0.1:{port}", (await WebGatewayFixture.JsonAsync(browse)).GetProperty("error").GetString(), StringComparison.Ordinal);
        using var probe = await client.PostAsJsonAsync("/api/modbus/probe", new { target = $"127.0.0.1:{port}" });
        Assert.Equal(HttpStatusCode.BadGateway, probe.StatusCode);
    }

    [Fact]
    public async Task ProbeReadsHoldingRegistersFromAModbusDevice()
    {
        Assert.True(PymodbusServer.IsAvailable, "pymodbus is not installed (scripts/install.d/10-peers.sh)");
        await using var device = await PymodbusServer.StartTcpAsync();
        using var client = await gateway.LoggedInAsync();
        using var response = await client.PostAsJsonAsync("/api/modbus/probe", new { target = $"{device.Host}:{device.Port}", unit = 1, functionCode = 3, address = 10, count = 3 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var values = (await WebGatewayFixture.JsonAsync(response)).GetProperty("values").EnumerateArray().ToArray();
        Assert.Equal([10, 11, 12], values.Select(v => v.GetProperty("address").GetInt32()));
        Assert.All(values, v => Assert.InRange(v.GetProperty("raw")[0].GetInt32(), 999, 1010));
    }

    [Fact]
    public async Task HealthzAndMetricsAnswerWithoutLogin()
    {
        using var client = gateway.Anonymous();
        var health = await WebGatewayFixture.JsonAsync(await client.GetAsync("/healthz"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        using var metrics = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE sfe_pipeline_accepted_total counter", text, StringComparison.Ordinal);
        Assert.Matches(@"sfe_pipeline_accepted_total\{gateway=""gw-web""\} [1-9]\d*", text);
        Assert.Contains("sfe_opcua", text, StringComparison.Ordinal); // the OPC UA source's meter
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.Matches(@"^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*\})? (NaN|[+-]Inf|-?[0-9.eE+-]+))$", line);
    }

    [Fact]
    public async Task OpenApiDocumentListsEveryMappedRoute()
    {
        using var client = gateway.Anonymous();
        var doc = await WebGatewayFixture.JsonAsync(await client.GetAsync("/openapi/v1.json"));
        Assert.Equal("3.0.3", doc.GetProperty("openapi").GetString());
        var documented = doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => o.Name.ToUpperInvariant() + " " + p.Name)).ToHashSet();
        var mapped = InProcessWebApp.MappedRoutes();
        Assert.NotEmpty(mapped);
        Assert.Empty(mapped.Except(documented));
        Assert.Empty(documented.Except(mapped));
        foreach (var route in ApiEndpoints.Routes.Where(r => r.Request is not null))
        {
            var schema = doc.GetProperty("paths").GetProperty(route.Path).GetProperty(route.Method.ToLowerInvariant())
                .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
            Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty(schema.Split('/')[^1], out _), schema);
        }
    }

    [Fact]
    public async Task ResponsesCarrySecurityHeadersAndPagesHoldNoSecrets()
    {
        using var client = await gateway.LoggedInAsync();
        using var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        foreach (var asset in new[] { "/", "/assets/app.js", "/assets/i18n.js", "/api/status", "/api/config" })
            Assert.DoesNotContain("pbkdf2-sha256$", await client.GetStringAsync(asset), StringComparison.Ordinal);
        Assert.DoesNotContain(WebGatewayFixture.Password, gateway.Sfe.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("pbkdf2-sha256$", gateway.Sfe.Output, StringComparison.Ordinal);
    }
}
