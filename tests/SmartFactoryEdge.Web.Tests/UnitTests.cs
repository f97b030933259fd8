using System.Diagnostics.Metrics;
using System.Text;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Gateway.Web;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

public sealed class PasswordHasherTests
{
    [Fact]
    public void AHashVerifiesItsPasswordAndNothingElse()
    {
        var hash = PasswordHasher.Hash("correct horse", 1000);
        Assert.StartsWith("pbkdf2-sha256$1000$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("correct hors", hash));
        Assert.False(PasswordHasher.Verify("", hash));
        Assert.NotEqual(hash, PasswordHasher.Hash("correct horse", 1000)); // salted
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-password")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=")]
    [InlineData("pbkdf2-sha1$1000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$-5$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$not base64!$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=$c2hvcnQ=")]
    [InlineData("pbkdf2-sha256$1000$$$")]
    public void MalformedHashesAreRefusedWithoutThrowing(string encoded)
    {
        Assert.False(PasswordHasher.TryParse(encoded, out _, out _, out _));
        Assert.False(PasswordHasher.Verify("anything", encoded));
    }

    [Fact]
    public void TheWebSectionRejectsAMalformedHashAndAMissingLogin()
    {
        Assert.Contains(new WebOptions { PasswordHash = "secret" }.Validate(), e => e.Key == "passwordHash");
        Assert.Contains(new WebOptions { PasswordHashEnvironmentVariable = null }.Validate(), e => e.Key == "passwordHash");
        Assert.Contains(new WebOptions { Address = "localhost:80" }.Validate(), e => e.Key == "address");
        Assert.Empty(new WebOptions { PasswordHash = PasswordHasher.Hash("x", 1000) }.Validate());
    }

    [Fact]
    public async Task HashPasswordVerbReadsStdinAndPrintsAVerifiableHash()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "sfe"), ["web", "hash-password", "--iterations", "2000"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        await process.StandardInput.WriteLineAsync("plant-pw");
        process.StandardInput.Close();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await process.StandardOutput.ReadToEndAsync(guard.Token);
        await process.WaitForExitAsync(guard.Token);
        Assert.Equal(0, process.ExitCode);
        var line = output.Trim();
        Assert.StartsWith("pbkdf2-sha256$2000$", line, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("plant-pw", line));
        Assert.DoesNotContain("plant-pw", output, StringComparison.Ordinal);
    }
}

public sealed class SourceSwitchboardTests
{
    /// <summary>Counts its runs and runs until cancelled.</summary>
    private sealed class BlockingSource(string name) : ISampleSource
    {
        public string Name { get; } = name;
        public int Runs;
        public int Cancelled;
        public TaskCompletionSource Running { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            Running.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Interlocked.Increment(ref Cancelled);
            }
        }
    }

    private static Task Supervise(ISampleSource s, CancellationToken ct) =>
        s.RunAsync(null!, ct).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    [Fact]
    public async Task ReplacingTheOnlySourceDoesNotEndTheRun()
    {
        var board = new SourceSwitchboard();
        var a = new BlockingSource("a");
        using var stop = new CancellationTokenSource();
        var run = board.RunAsync([a], Supervise, stop.Token);
        await a.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 20; i++)
        {
            var next = new BlockingSource("a");
            Assert.True(await board.ReplaceAsync("a", next, CancellationToken.None));
            await next.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(run.IsCompleted);
        }
        Assert.Equal(["a"], board.Names);
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(21, board.Starts);
    }

    [Fact]
    public async Task ReplacingOneSourceLeavesTheOthersRunning()
    {
        var board = new SourceSwitchboard();
        var a = new BlockingSource("a");
        var b = new BlockingSource("b");
        using var stop = new CancellationTokenSource();
        var run = board.RunAsync([a, b], Supervise, stop.Token);
        await Task.WhenAll(a.Running.Task, b.Running.Task).WaitAsync(TimeSpan.FromSeconds(10));
        var a2 = new BlockingSource("a");
        Assert.True(await board.ReplaceAsync("a", a2, CancellationToken.None));
        await a2.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, a.Cancelled);
        Assert.Equal(0, b.Cancelled);
        Assert.Equal(1, b.Runs);
        Assert.Equal(["a", "b"], board.Names);
        var c = new BlockingSource("c");
        Assert.True(await board.ReplaceAsync("c", c, CancellationToken.None));
        await c.Running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await board.ReplaceAsync("b", null, CancellationToken.None));
        Assert.Equal(1, b.Cancelled);
        Assert.Equal(["a", "c"], board.Names);
        Assert.False(run.IsCompleted);
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, a2.Cancelled);
        Assert.Equal(1, c.Cancelled);
        Assert.False(await board.ReplaceAsync("a", new BlockingSource("a"), CancellationToken.None));
        Assert.Equal(4, board.Starts);
    }
}

public sealed class ConfigEditorTests
{
    private const string Yaml = """
        # a comment
        gateway: { id: gw, site: lab }
        sources:
          opcua:
            - name: press01
              endpointUrl: opc.tcp://127.0.0.1:4840
              tags:
                - { id: press01.temperature, nodeId: "ns=1;s=T" }
        sinks:
          console: { enabled: true }
        """;

    [Fact]
    public void AddedTagsAndDetectorsValidate()
    {
        var (yaml, error) = ConfigEditor.AddOpcUaTags(Yaml, "press01",
            [new NewOpcUaTag { Id = "press01.pressure", NodeId = "ns=1;s=P", Unit = "bar", Detectors = ["ewma"] }]);
        Assert.Null(error);
        var (config, errors) = ConfigEditor.Validate(yaml!, "gateway.yaml", Path.GetTempPath());
        Assert.Empty(errors);
        Assert.Equal(["press01.temperature", "press01.pressure"], config!.Sources.Opcua[0].Tags.Select(t => t.Id));
        Assert.Equal("ewma", config.Anomaly!.Tags.Single().Detectors.Single().Kind);
    }

    [Fact]
    public void AnInvalidTagIdIsReportedByValidation()
    {
        var (yaml, _) = ConfigEditor.AddOpcUaTags(Yaml, "press01", [new NewOpcUaTag { Id = "press01.temperature", NodeId = "ns=1;s=P" }]);
        var (_, errors) = ConfigEditor.Validate(yaml!, "gateway.yaml", Path.GetTempPath());
        Assert.Contains(errors, e => e.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("sinks: { console: { enabled: true } }", "no sources.opcua")]
    [InlineData("[1, 2]", "no top-level mapping")]
    [InlineData("a: [", "does not parse")]
    public void EditsOfUnsuitableYamlSayWhy(string yaml, string expected)
    {
        var (text, error) = ConfigEditor.AddOpcUaTags(yaml, "press01", [new NewOpcUaTag { Id = "x", NodeId = "i=1" }]);
        Assert.Null(text);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web:\n  passwordHash: \"HASH\"\n")]
    [InlineData("web:\n  passwordHash: 'HASH'\n")]
    [InlineData("web:\n  passwordHash: HASH\n")]
    [InlineData("web: { port: 8080, passwordHash: HASH }\n")]
    public void TheHashIsRedactedAndRestoredInEveryYamlStyle(string template)
    {
        var hash = PasswordHasher.Hash("pw", 1000);
        var yaml = template.Replace("HASH", hash, StringComparison.Ordinal);
        var redacted = ConfigEditor.Redact(yaml);
        Assert.DoesNotContain("pbkdf2", redacted, StringComparison.Ordinal);
        Assert.Contains(ConfigEditor.HiddenSecret, redacted, StringComparison.Ordinal);
        Assert.Contains(hash, ConfigEditor.Restore(redacted, hash), StringComparison.Ordinal);
        Assert.Equal(redacted, ConfigEditor.Restore(redacted, null));
    }

    [Fact]
    public void OnlyChangedSourcesAndSectionsAreReported()
    {
        var (a, _) = ConfigEditor.Validate(Yaml, "g.yaml", Path.GetTempPath());
        var (b, _) = ConfigEditor.Validate(Yaml.Replace("ns=1;s=T", "ns=1;s=T2", StringComparison.Ordinal).Replace("site: lab", "site: lab2", StringComparison.Ordinal), "g.yaml", Path.GetTempPath());
        Assert.NotEqual(ConfigEditor.SourceFingerprints(a!)["opcua:press01"], ConfigEditor.SourceFingerprints(b!)["opcua:press01"]);
        Assert.Equal(ConfigEditor.SourceFingerprints(a!)["opcua:press01"], ConfigEditor.SourceFingerprints(ConfigEditor.Validate(Yaml, "g.yaml", "/").Config!)["opcua:press01"]);
        Assert.Equal(["gateway"], ConfigEditor.ChangedSections(a!, b!));
    }
}

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
