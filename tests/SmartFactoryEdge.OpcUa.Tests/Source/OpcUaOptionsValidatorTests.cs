using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.OpcUa.Tools;

namespace SmartFactoryEdge.OpcUa.Tests.Source;

public class OpcUaOptionsValidatorTests
{
    [Fact]
    public void ValidConfigurationHasNoErrors()
    {
        var ok = new OpcUaEndpointOptions
        {
            Name = "press", EndpointUrl = "opc.tcp://10.0.0.5:4840",
            Tags = [new() { Id = "press.t", NodeId = "ns=1;s=T" }, new() { Id = "press.p", BrowsePath = "Objects/Line1/P" }],
        };
        Assert.Empty(OpcUaOptionsValidator.Validate([ok]));
    }

    [Fact]
    public void UnknownSecurityPolicyOrModeIsNamed()
    {
        var ep = new OpcUaEndpointOptions
        {
            Name = "press", EndpointUrl = "opc.tcp://10.0.0.5:4840", SecurityPolicy = "Basic128Rsa15", SecurityMode = "Encrypt",
            Tags = [new() { Id = "press.t", NodeId = "ns=1;s=T" }],
        };
        var errors = OpcUaOptionsValidator.Validate([ep]);
        Assert.Contains(errors, e => e.Contains("sources:opcua[0].securityPolicy 'Basic128Rsa15'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("sources:opcua[0].securityMode 'Encrypt'", StringComparison.Ordinal));
        Assert.Empty(OpcUaOptionsValidator.Validate([ep with { SecurityPolicy = "aes256_sha256_rsapss", SecurityMode = "SignAndEncrypt" }]));
    }

    [Fact]
    public void UserCertificateKeysAreCheckedAtStartUp()
    {
        var dir = Directory.CreateTempSubdirectory("sfe-validator-").FullName;
        try
        {
            using var cert = Security.UserCertificateFile.Create("gw", DateTimeOffset.UtcNow);
            using var key = cert.GetRSAPrivateKey()!;
            var certPath = Path.Combine(dir, "gw.pem");
            var keyPath = Path.Combine(dir, "gw.key");
            File.WriteAllText(certPath, cert.ExportCertificatePem());
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
            var ep = new OpcUaEndpointOptions
            {
                Name = "press", EndpointUrl = "opc.tcp://10.0.0.5:4840", UserCertificate = certPath, UserPrivateKey = keyPath,
                Tags = [new() { Id = "press.t", NodeId = "ns=1;s=T" }],
            };
            Assert.Empty(OpcUaOptionsValidator.Validate([ep]));
            using (var loaded = OpcUaOptionsValidator.LoadUserCertificate(ep)) Assert.Equal(cert.Thumbprint, loaded!.Thumbprint);

            Assert.Contains(OpcUaOptionsValidator.Validate([ep with { UserName = "operator" }]), e => e.Contains("both userName and userCertificate", StringComparison.Ordinal));
            Assert.Contains(OpcUaOptionsValidator.Validate([ep with { UserPrivateKey = Path.Combine(dir, "nope.key") }]),
                e => e.StartsWith("sources:opcua[0].userCertificate", StringComparison.Ordinal) && e.Contains("nope.key", StringComparison.Ordinal));
            Assert.Contains(OpcUaOptionsValidator.Validate([ep with { UserCertificate = null }]), e => e.Contains("userPrivateKey is set without userCertificate", StringComparison.Ordinal));
            Assert.Contains(OpcUaOptionsValidator.Validate([ep with { UserCertificatePasswordEnvironmentVariable = "SFE_TEST_UNSET_VARIABLE_42" }]),
                e => e.Contains("SFE_TEST_UNSET_VARIABLE_42", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ErrorsNameTheEndpointAndTheTag()
    {
        var bad = new OpcUaEndpointOptions
        {
            Name = "press", EndpointUrl = "http://x",
            Tags =
            [
                new() { Id = "a", NodeId = "ns=x;s=T" },
                new() { Id = "a", NodeId = "i=1", BrowsePath = "Objects/X" },
                new() { Id = "bad id!", BrowsePath = "Objects/X", Deadband = new() { Type = DeadbandType.Percent, Value = 150 } },
            ],
        };
        var errors = OpcUaOptionsValidator.Validate([bad, bad with { EndpointUrl = "opc.tcp://ok:1", Tags = [] }]);
        Assert.Contains(errors, e => e.Contains("sources:opcua[0].endpointUrl 'http://x'"));
        Assert.Contains(errors, e => e.Contains("sources:opcua[0].tags[0].nodeId 'ns=x;s=T'"));
        Assert.Contains(errors, e => e.Contains("tags[1].id 'a' is used twice"));
        Assert.Contains(errors, e => e.Contains("tags[1] needs exactly one of nodeId and browsePath"));
        Assert.Contains(errors, e => e.Contains("tags[2].id 'bad id!'"));
        Assert.Contains(errors, e => e.Contains("above 100 percent"));
        Assert.Contains(errors, e => e.Contains("sources:opcua[1].name 'press' is used twice"));
        Assert.Contains(errors, e => e.Contains("sources:opcua[1].tags is empty"));
        Assert.Throws<ArgumentException>(() => OpcUaSourceFactory.Create([bad], null, null));
    }

    [Fact]
    public void UnitSymbolComesFromTheDisplayNameOrTheUneceCode()
    {
        Assert.Equal("°C", OpcUaSource.UnitSymbol(new EUInformation("http://www.opcfoundation.org/UA/units/un/cefact", 4408652, new LocalizedText("°C"), LocalizedText.Empty)));
        Assert.Equal("CEL", OpcUaSource.UnitSymbol(new EUInformation(null, 4408652, LocalizedText.Empty, LocalizedText.Empty)));
        Assert.Null(OpcUaSource.UnitSymbol(new EUInformation(null, -1, LocalizedText.Empty, LocalizedText.Empty)));
    }

    [Fact]
    public void VariantsMapToSampleValuesWithoutLosingIntegers()
    {
        Assert.Equal(SampleValue.FromInt64(long.MaxValue), OpcUaSource.ToSampleValue(new Variant(long.MaxValue)));
        Assert.Equal(SampleValue.FromDouble(1.5), OpcUaSource.ToSampleValue(new Variant(1.5f)));
        Assert.Equal(SampleValue.FromBoolean(true), OpcUaSource.ToSampleValue(new Variant(true)));
        Assert.Equal(SampleValue.FromString("Idle"), OpcUaSource.ToSampleValue(new Variant("Idle")));
        Assert.Equal(SampleValue.FromString("Druck"), OpcUaSource.ToSampleValue(new Variant(new LocalizedText("de", "Druck"))));
        Assert.Equal(SampleValue.None, OpcUaSource.ToSampleValue(Variant.Null));
        Assert.Equal(SampleValueKind.String, OpcUaSource.ToSampleValue(Variant.FromArray(BuiltInType.Double, new[] { 1.0 })).Kind);
        Assert.Equal(SampleValue.FromInt64(StatusCodes.BadTimeout), OpcUaSource.ToSampleValue(new Variant(new StatusCode(StatusCodes.BadTimeout))));
    }

    [Fact]
    public void EmittedYamlHasUniqueValidTagIds()
    {
        var node = (string path) => new Session.BrowsedNode(new NodeId(path, 1), null, new QualifiedName(1, path), path, NodeClass.Variable, 1, path);
        var yaml = OpcUaProbe.BuildConfigYaml("opc.tcp://h:1/x", "Press", 500,
        [
            new(node("Press01/Temp"), new NodeId(11u), default, "°C"),
            new(node("Press01/Temp"), new NodeId(11u), default, null),
            new(node("Press01/Flow rate"), new NodeId(6u), default, null),
        ]);
        Assert.Contains("- id: press.press01.temp\n", yaml);
        Assert.Contains("- id: press.press01.temp-2\n", yaml);
        Assert.Contains("- id: press.press01.flow_rate\n", yaml);
        Assert.Contains("unit: \"°C\"", yaml);
        Assert.Contains("publishingIntervalMs: 500", yaml);
        Assert.Contains("# Double, browse path Press01/Temp", yaml);
    }

    [Fact]
    public void AddOpcUaSourcesRegistersOneSourcePerEndpointOrRefusesBadConfiguration()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        OpcUaEndpointOptions Endpoint(string name) => new()
        {
            Name = name, EndpointUrl = "opc.tcp://127.0.0.1:4840",
            Tags = [new() { Id = name + ".t", NodeId = "ns=1;s=T" }],
        };
        services.AddOpcUaSources([Endpoint("a"), Endpoint("b")]);
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(SmartFactoryEdge.Core.Pipeline.ISampleSource)));
        var ex = Assert.Throws<ArgumentException>(() => services.AddOpcUaSources([Endpoint("a") with { EndpointUrl = "x" }]));
        Assert.Contains("sources:opcua[0].endpointUrl", ex.Message);
    }
}
