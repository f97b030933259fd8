using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SmartFactoryEdge.TestKit.Modbus;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

/// <summary>A gateway plus one headless Debian Chromium (never a downloaded browser) shared by the class's tests.</summary>
public sealed class BrowserGatewayFixture : WebGatewayFixture
{
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots go here: $SFE_ARTIFACTS/screenshots, or TestResults/screenshots beside the test assembly.</summary>
    public static string Screenshots { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("SFE_ARTIFACTS") is { Length: > 0 } a ? a : Path.Combine(AppContext.BaseDirectory, "TestResults"), "screenshots");

    public override async Task InitializeAsync()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian chromium is not installed (scripts/install.d/60-web.sh)");
        await base.InitializeAsync();
        System.IO.Directory.CreateDirectory(Screenshots);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A fresh browser context (own cookies) at tablet size, with a page.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> NewPageAsync(string lang = "en")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1024, Height = 1366 }, // a 12.9" tablet in portrait
            Locale = lang == "ko" ? "ko-KR" : "en-GB",
        });
        context.SetDefaultTimeout(30_000);
        return (context, await context.NewPageAsync());
    }

    public async Task LogInAsync(IPage page)
    {
        await page.GotoAsync("/");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal); // redirected: no session yet
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#login-button");
        // the page script navigates to / after the login call: wait for the app's header, not for a navigation event
        await Assertions.Expect(page.Locator("#logout")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/#status$"));
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
}

/// <summary>End-to-end in headless Chromium against `sfe run` with the simulated line and a node-opcua server.</summary>
public sealed class WebUiBrowserTests(BrowserGatewayFixture gateway) : IClassFixture<BrowserGatewayFixture>
{
    private static readonly Regex Count = new(@"n=(\d+)");

    private static async Task<long> CountOfAsync(IPage page, string tag)
    {
        var text = await page.Locator($".tag-card[data-tag=\"{tag}\"] .muted").InnerTextAsync();
        return long.Parse(Count.Match(text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task LogInAndSeeValuesMove()
    {
        var (context, page) = await gateway.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync("/login");
        await page.FillAsync("#password", "wrong");
        await page.ClickAsync("#login-button");
        await Assertions.Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong password.");
        await BrowserGatewayFixture.ScreenshotAsync(page, "01-login");

        await gateway.LogInAsync(page);
        await Assertions.Expect(page.Locator("#sources tr[data-source=\"opcua:press01\"] td").Nth(1)).ToHaveTextAsync("Connected");
        await Assertions.Expect(page.Locator("#gateway-id")).ToHaveTextAsync("gw-web @ lab");
        await BrowserGatewayFixture.ScreenshotAsync(page, "02-status");

        await page.ClickAsync("nav button[data-tab=values]");
        var card = page.Locator(".tag-card[data-tag=\"p1.flow\"]");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator(".unit")).ToHaveTextAsync("m³/h");
        await Assertions.Expect(card.Locator("svg polyline")).ToHaveCountAsync(1);
        var first = await CountOfAsync(page, "p1.flow");
        var firstValue = await card.Locator(".value").InnerTextAsync();
        await page.WaitForFunctionAsync("([n, v]) => { const c = document.querySelector('.tag-card[data-tag=\"p1.flow\"]'); const m = /n=(\\d+)/.exec(c.querySelector('.muted').textContent); return +m[1] > n + 3 && c.querySelector('.value').textContent !== v; }",
            new object[] { first, firstValue });
        Assert.True(await CountOfAsync(page, "p1.flow") > first);
        await page.FillAsync("#values-filter", "press01");
        await Assertions.Expect(page.Locator(".tag-card")).ToHaveCountAsync(1);
        await page.FillAsync("#values-filter", "");
        await BrowserGatewayFixture.ScreenshotAsync(page, "03-values");

        await page.ClickAsync("nav button[data-tab=anomalies]");
        await Assertions.Expect(page.Locator("#anomalies tbody tr").First).ToContainTextAsync("iid-spike", new() { Timeout = 60_000 });
        await BrowserGatewayFixture.ScreenshotAsync(page, "04-anomalies");
    }

    [Fact]
    public async Task TheKoreanPageIsTranslatedAndRemembered()
    {
        var (context, page) = await gateway.NewPageAsync("ko");
        await using var _ = context;
        await page.GotoAsync("/login?lang=ko");
        await Assertions.Expect(page.Locator("#login-button")).ToHaveTextAsync("로그인");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ko");
        await BrowserGatewayFixture.ScreenshotAsync(page, "05-login-ko");
        await gateway.LogInAsync(page);
        await Assertions.Expect(page.Locator("nav button[data-tab=values]")).ToHaveTextAsync("실시간 값");
        await Assertions.Expect(page.Locator("nav button[data-tab=config]")).ToHaveTextAsync("설정");
        await Assertions.Expect(page.Locator("#sources tr[data-source=\"simulator:line1\"] td").Nth(1)).ToHaveTextAsync("실행 중");
        await BrowserGatewayFixture.ScreenshotAsync(page, "06-status-ko");
        await page.ClickAsync("nav button[data-tab=values]");
        await Assertions.Expect(page.Locator(".tag-card[data-tag=\"p1.flow\"] .muted")).ToContainTextAsync("품질: 양호");
        await BrowserGatewayFixture.ScreenshotAsync(page, "07-values-ko");
        // the choice is remembered across pages; English is one click away
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("nav button[data-tab=status]")).ToHaveTextAsync("상태");
        await page.ClickAsync("#lang-en");
        await Assertions.Expect(page.Locator("nav button[data-tab=status]")).ToHaveTextAsync("Status");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }

    [Fact]
    public async Task AnUnauthenticatedApiCallIsRefused()
    {
        var (context, page) = await gateway.NewPageAsync();
        await using var _ = context;
        var response = await page.GotoAsync("/api/values");
        Assert.Equal(401, response!.Status);
        Assert.Contains("login required", await response.TextAsync(), StringComparison.Ordinal);
        var fetched = await page.EvaluateAsync<int>("async () => (await fetch('/api/status', { credentials: 'same-origin' })).status");
        Assert.Equal(401, fetched);
        var write = await page.EvaluateAsync<int>("async () => (await fetch('/api/config/apply', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status");
        Assert.Equal(401, write);
    }

    [Fact]
    public async Task BrowseAddATagValidateSaveApplyAndSeeItsValues()
    {
        var (context, page) = await gateway.NewPageAsync();
        await using var _ = context;
        await gateway.LogInAsync(page);
        await page.ClickAsync("nav button[data-tab=config]");
        var editor = page.Locator("#yaml-editor");
        await Assertions.Expect(editor).ToHaveValueAsync(new Regex("name: press01"));
        await Assertions.Expect(page.Locator("#browse-url")).ToHaveValueAsync(gateway.OpcUa.EndpointUrl);

        // browse the node-opcua server: Objects > Line1 > Press01, pick Pressure
        await page.ClickAsync("#browse-button");
        await page.ClickAsync("#browse-tree li[data-node-id=\"ns=1;s=Line1\"] .expand");
        await page.ClickAsync("#browse-tree li[data-node-id=\"ns=1;s=Line1.Press01\"] .expand");
        var pressure = page.Locator("#browse-tree li[data-node-id=\"ns=1;s=Line1.Press01.Pressure\"]");
        await Assertions.Expect(pressure).ToContainTextAsync("Double");
        await pressure.Locator(".pick").CheckAsync();
        var picked = page.Locator("#picked tr[data-node-id=\"ns=1;s=Line1.Press01.Pressure\"]");
        await Assertions.Expect(picked.Locator(".pick-id")).ToHaveValueAsync("line1.press01.pressure");
        await picked.Locator(".pick-id").FillAsync("press01.pressure");
        await picked.Locator(".pick-unit").FillAsync("bar");
        await picked.Locator(".pick-sampling").FillAsync("100");
        await BrowserGatewayFixture.ScreenshotAsync(page, "08-config-browse");
        await page.ClickAsync("#add-tags-button");
        await Assertions.Expect(editor).ToHaveValueAsync(new Regex("press01\\.pressure"));

        // a mistake: the page shows the message of `sfe validate` and refuses to save
        var good = await editor.InputValueAsync();
        await editor.FillAsync(good.Replace("publishingIntervalMs: 200", "publishingIntervalMs: often", StringComparison.Ordinal));
        await page.ClickAsync("#validate-button");
        await Assertions.Expect(page.Locator("#config-messages li.error").First).ToContainTextAsync("sources.opcua[0].publishingIntervalMs");
        await page.ClickAsync("#save-button");
        await Assertions.Expect(page.Locator("#config-messages li.error").First).ToContainTextAsync("publishingIntervalMs");
        Assert.DoesNotContain("press01.pressure", await File.ReadAllTextAsync(gateway.ConfigPath), StringComparison.Ordinal);
        await BrowserGatewayFixture.ScreenshotAsync(page, "09-config-error");

        // fixed: validate, save, apply: only the OPC UA source restarts
        await editor.FillAsync(good);
        await page.ClickAsync("#validate-button");
        await Assertions.Expect(page.Locator("#config-messages li.ok")).ToHaveTextAsync("The configuration is valid.");
        await page.ClickAsync("#save-button");
        await Assertions.Expect(page.Locator("#config-messages li.ok")).ToContainTextAsync("Saved.");
        var saved = await File.ReadAllTextAsync(gateway.ConfigPath);
        Assert.Contains("press01.pressure", saved, StringComparison.Ordinal);
        Assert.Contains(WebGatewayFixture.Hash, saved, StringComparison.Ordinal); // the page only ever saw "********"
        Assert.DoesNotContain("pbkdf2", await editor.InputValueAsync(), StringComparison.Ordinal);
        var simulatorSamplesBefore = await page.EvaluateAsync<long>("async () => (await (await fetch('/api/values/p1.flow')).json()).count");
        await page.ClickAsync("#apply-button");
        await Assertions.Expect(page.Locator("#config-messages")).ToContainTextAsync("Restarted: opcua:press01");
        await Assertions.Expect(page.Locator("#config-messages")).Not.ToContainTextAsync("simulator:line1");
        await BrowserGatewayFixture.ScreenshotAsync(page, "10-config-applied");

        // the new tag's values arrive; the simulator kept counting (it was not restarted)
        await page.ClickAsync("nav button[data-tab=values]");
        var card = page.Locator(".tag-card[data-tag=\"press01.pressure\"]");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator(".unit")).ToHaveTextAsync("bar");
        var first = await CountOfAsync(page, "press01.pressure");
        await page.WaitForFunctionAsync("n => +/n=(\\d+)/.exec(document.querySelector('.tag-card[data-tag=\"press01.pressure\"] .muted').textContent)[1] > n", first);
        Assert.True(await CountOfAsync(page, "p1.flow") > simulatorSamplesBefore);
        Assert.Contains("Applied configuration: source opcua:press01 restarted", gateway.Sfe.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("source simulator:line1 restarted", gateway.Sfe.Output, StringComparison.Ordinal);
        await BrowserGatewayFixture.ScreenshotAsync(page, "11-values-new-tag");
    }

    [Fact]
    public async Task ProbeAModbusDeviceAndAddItsRegistersToTheEditor()
    {
        Assert.True(PymodbusServer.IsAvailable, "pymodbus is not installed (scripts/install.d/10-peers.sh)");
        await using var device = await PymodbusServer.StartTcpAsync();
        var (context, page) = await gateway.NewPageAsync("ko");
        await using var _ = context;
        await gateway.LogInAsync(page);
        await page.ClickAsync("#lang-ko");
        await page.ClickAsync("nav button[data-tab=config]");
        await Assertions.Expect(page.Locator("#probe-button")).ToHaveTextAsync("읽기");
        await page.FillAsync("#probe-target", $"{device.Host}:{device.Port}");
        await page.FillAsync("#probe-address", "10");
        await page.FillAsync("#probe-count", "3");
        await page.FillAsync("#probe-device", "press02");
        await page.ClickAsync("#probe-button");
        var row = page.Locator("#probe-result tr[data-address=\"11\"]");
        await Assertions.Expect(row).ToContainTextAsync("10");
        await Assertions.Expect(row.Locator(".probe-tag")).ToHaveValueAsync("press02.hr11");
        await row.Locator(".probe-pick").CheckAsync();
        await row.Locator(".probe-unit").FillAsync("bar");
        await page.ClickAsync("#probe-add-button");
        var editor = page.Locator("#yaml-editor");
        await Assertions.Expect(editor).ToHaveValueAsync(new Regex(@"tagId: press02\.hr11"));
        Assert.Contains($"port: {device.Port}", await editor.InputValueAsync(), StringComparison.Ordinal);
        await page.ClickAsync("#validate-button");
        await Assertions.Expect(page.Locator("#config-messages li.ok")).ToHaveTextAsync("설정이 올바릅니다.");
        await BrowserGatewayFixture.ScreenshotAsync(page, "12-config-modbus-ko");
    }
}
