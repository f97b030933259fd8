using System.Diagnostics.Metrics;
using System.Text;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Gateway.Web;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

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
