using System.Text.Json.Nodes;
using SmartFactoryEdge.Gateway.Aas;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests.Aas;

/// <summary>The metamodel rules as tests: the generated environment passes, and each hand-broken document gives its error.</summary>
public class AasValidatorTests
{
    private static GatewayConfig Demo()
    {
        var (config, errors) = ConfigLoader.Load(Path.Combine(RepoPaths.Root, "config", "demo.yaml"));
        Assert.Empty(errors);
        return config!;
    }

    private static JsonObject Valid() => AasGenerator.Generate(Demo());

    private static JsonObject FirstSubmodel(JsonObject env) => (JsonObject)env["submodels"]![0]!;

    private static JsonArray Elements(JsonObject env) => (JsonArray)FirstSubmodel(env)["submodelElements"]!;

    private static AasValidationError Single(JsonObject env, string code)
    {
        var errors = AasValidator.Validate(env);
        var error = Assert.Single(errors);
        Assert.Equal(code, error.Code);
        return error;
    }

    [Fact]
    public void GeneratedDemoEnvironmentValidatesWithZeroErrors()
    {
        var errors = AasValidator.Validate(Valid());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void GeneratedDemoEnvironmentValidatesAfterSerialisationRoundTrip()
    {
        var bytes = AasGenerator.GenerateUtf8(Demo());
        var errors = AasValidator.Validate(bytes);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("1Nameplate")]
    [InlineData("Name plate")]
    [InlineData("Nameplate-")]
    [InlineData("Name-plate")]
    [InlineData("_x")]
    [InlineData("Näme")]
    [InlineData("")]
    public void BadIdShortIsReported(string idShort)
    {
        var env = Valid();
        FirstSubmodel(env)["idShort"] = idShort;
        var error = Single(env, AasErrorCodes.IdShortPattern);
        Assert.Equal("$.submodels[0].idShort", error.Path);
    }

    [Fact]
    public void TooLongIdShortIsReported()
    {
        var env = Valid();
        Elements(env)[0]!["idShort"] = "A" + new string('b', 128);
        Single(env, AasErrorCodes.IdShortPattern);
    }

    [Fact]
    public void MissingIdShortOnASubmodelElementIsReported()
    {
        var env = Valid();
        ((JsonObject)Elements(env)[0]!).Remove("idShort");
        Single(env, AasErrorCodes.IdShortMissing);
    }

    [Fact]
    public void DuplicateIdShortAmongSiblingsIsReported()
    {
        var env = Valid();
        var elements = Elements(env);
        elements[1]!["idShort"] = (string)elements[0]!["idShort"]!;
        var error = Single(env, AasErrorCodes.IdShortDuplicate);
        Assert.Equal("$.submodels[0].submodelElements[1].idShort", error.Path);
    }

    [Fact]
    public void SameIdShortInDifferentCollectionsIsAllowed()
    {
        // TechnicalData and TimeSeries both hold one Property per signal with the same idShorts; that is fine.
        var env = Valid();
        var idShorts = ((JsonArray)env["submodels"]!).Select(s => (string)s!["idShort"]!).ToList();
        Assert.Equal(5, idShorts.Count(s => s == "Nameplate"));
        Assert.Empty(AasValidator.Validate(env));
    }

    [Fact]
    public void DuplicateIdIsReported()
    {
        var env = Valid();
        var submodels = (JsonArray)env["submodels"]!;
        submodels[1]!["id"] = (string)submodels[0]!["id"]!;
        var errors = AasValidator.Validate(env);
        Assert.Contains(errors, e => e.Code == AasErrorCodes.IdDuplicate && e.Path == "$.submodels[1].id");
        // The shell's reference to the renamed submodel now dangles, which is reported too.
        Assert.Contains(errors, e => e.Code == AasErrorCodes.ReferenceTarget);
    }

    [Fact]
    public void DuplicateIdAcrossKindsIsReported()
    {
        var env = Valid();
        env["conceptDescriptions"]![0]!["id"] = (string)env["assetAdministrationShells"]![0]!["id"]!;
        var error = Single(env, AasErrorCodes.IdDuplicate);
        Assert.Equal("$.conceptDescriptions[0].id", error.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(null)]
    public void EmptyIdIsReported(string? id)
    {
        var env = Valid();
        env["conceptDescriptions"]![0]!["id"] = id;
        Single(env, AasErrorCodes.IdEmpty);
    }

    [Fact]
    public void ReferenceWithoutKeysIsReported()
    {
        var env = Valid();
        FirstSubmodel(env)["semanticId"]!["keys"] = new JsonArray();
        var error = Single(env, AasErrorCodes.ReferenceKeys);
        Assert.Equal("$.submodels[0].semanticId.keys", error.Path);
    }

    [Fact]
    public void ReferenceWithMissingKeysPropertyIsReported()
    {
        var env = Valid();
        ((JsonObject)Elements(env)[0]!["semanticId"]!).Remove("keys");
        Single(env, AasErrorCodes.ReferenceKeys);
    }

    [Fact]
    public void ReferenceWithUnknownTypeIsReported()
    {
        var env = Valid();
        FirstSubmodel(env)["semanticId"]!["type"] = "GlobalReference";
        Single(env, AasErrorCodes.ReferenceType);
    }

    [Fact]
    public void KeyWithUnknownTypeIsReported()
    {
        var env = Valid();
        FirstSubmodel(env)["semanticId"]!["keys"]![0]!["type"] = "Url";
        var error = Single(env, AasErrorCodes.KeyType);
        Assert.Equal("$.submodels[0].semanticId.keys[0].type", error.Path);
    }

    [Fact]
    public void KeyWithoutValueIsReported()
    {
        var env = Valid();
        FirstSubmodel(env)["semanticId"]!["keys"]![0]!["value"] = "";
        Single(env, AasErrorCodes.KeyValue);
    }

    [Fact]
    public void ModelReferenceStartingWithGlobalReferenceIsReported()
    {
        var env = Valid();
        FirstSubmodel(env)["semanticId"]!["type"] = "ModelReference";
        Single(env, AasErrorCodes.ReferenceFirstKey);
    }

    [Fact]
    public void ShellReferenceToMissingSubmodelIsReported()
    {
        var env = Valid();
        env["assetAdministrationShells"]![0]!["submodels"]![0]!["keys"]![0]!["value"] = "urn:sfe:nowhere";
        var error = Single(env, AasErrorCodes.ReferenceTarget);
        Assert.Contains("urn:sfe:nowhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmodelWithoutSemanticIdIsReported()
    {
        var env = Valid();
        FirstSubmodel(env).Remove("semanticId");
        Single(env, AasErrorCodes.SemanticIdMissing);
    }

    [Theory]
    [InlineData("xs:float64")]
    [InlineData("double")]
    [InlineData("xsd:string")]
    public void WrongValueTypeIsReported(string valueType)
    {
        var env = Valid();
        var property = Elements(env).First(e => (string?)e!["modelType"] == "Property")!;
        property["valueType"] = valueType;
        var error = Single(env, AasErrorCodes.ValueTypeUnknown);
        Assert.EndsWith(".valueType", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingValueTypeIsReported()
    {
        var env = Valid();
        ((JsonObject)Elements(env).First(e => (string?)e!["modelType"] == "Property")!).Remove("valueType");
        Single(env, AasErrorCodes.ValueTypeUnknown);
    }

    [Theory]
    [InlineData("xs:double", "12,5")]
    [InlineData("xs:double", "1e400")]
    [InlineData("xs:int", "2147483648")]
    [InlineData("xs:unsignedByte", "-1")]
    [InlineData("xs:boolean", "yes")]
    [InlineData("xs:dateTime", "2026-11-22 02:00:00")]
    [InlineData("xs:date", "2026-02-30")]
    [InlineData("xs:anyURI", "has space")]
    [InlineData("xs:decimal", "1e3")]
    [InlineData("xs:long", "12.0")]
    public void ValueNotParsingAsItsTypeIsReported(string valueType, string value)
    {
        var env = Valid();
        var property = Elements(env).First(e => (string?)e!["modelType"] == "Property")!;
        property["valueType"] = valueType;
        property["value"] = value;
        var error = Single(env, AasErrorCodes.ValueParse);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonStringPropertyValueIsReported()
    {
        var env = Valid();
        var property = Elements(env).First(e => (string?)e!["modelType"] == "Property")!;
        property["valueType"] = "xs:double";
        property["value"] = 12.5;
        Single(env, AasErrorCodes.ValueParse);
    }

    [Theory]
    [InlineData("xs:double", "-1.5E3")]
    [InlineData("xs:double", "INF")]
    [InlineData("xs:float", "NaN")]
    [InlineData("xs:int", "-2147483648")]
    [InlineData("xs:unsignedLong", "18446744073709551615")]
    [InlineData("xs:integer", "123456789012345678901234567890")]
    [InlineData("xs:boolean", "1")]
    [InlineData("xs:dateTime", "2026-11-22T02:00:00.125Z")]
    [InlineData("xs:date", "2024-02-29")]
    [InlineData("xs:time", "23:59:59+09:00")]
    [InlineData("xs:duration", "P1DT2H30M")]
    [InlineData("xs:gYearMonth", "2026-11")]
    [InlineData("xs:hexBinary", "0aFF")]
    [InlineData("xs:base64Binary", "AQID")]
    [InlineData("xs:decimal", "-.5")]
    [InlineData("xs:string", "anything at all")]
    public void ValidLexicalFormsAreAccepted(string valueType, string value)
    {
        Assert.True(AasValidator.IsValidValue(valueType, value));
    }

    [Theory]
    [InlineData("xs:duration", "P")]
    [InlineData("xs:duration", "P1DT")]
    [InlineData("xs:time", "24:00:01")]
    [InlineData("xs:hexBinary", "abc")]
    [InlineData("xs:base64Binary", "A")]
    [InlineData("xs:gMonth", "11")]
    public void InvalidLexicalFormsAreRejected(string valueType, string value)
    {
        Assert.False(AasValidator.IsValidValue(valueType, value));
    }

    [Fact]
    public void MultiLanguagePropertyWithoutTextIsReported()
    {
        var env = Valid();
        var mlp = Elements(env).First(e => (string?)e!["modelType"] == "MultiLanguageProperty")!;
        ((JsonObject)mlp["value"]![0]!).Remove("text");
        var error = Single(env, AasErrorCodes.LangString);
        Assert.EndsWith(".value[0].text", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiLanguagePropertyWithoutLanguageIsReported()
    {
        var env = Valid();
        var mlp = Elements(env).First(e => (string?)e!["modelType"] == "MultiLanguageProperty")!;
        mlp["value"]![0]!["language"] = "";
        Single(env, AasErrorCodes.LangString);
    }

    [Fact]
    public void ModelTypeMissingOnANestedElementIsReported()
    {
        var env = Valid();
        var technical = (JsonObject)env["submodels"]![1]!;
        var general = (JsonObject)technical["submodelElements"]![0]!;
        ((JsonObject)general["value"]![0]!).Remove("modelType");
        var error = Single(env, AasErrorCodes.ModelTypeMissing);
        Assert.Equal("$.submodels[1].submodelElements[0].value[0]", error.Path);
    }

    [Fact]
    public void ModelTypeMissingOnAShellIsReported()
    {
        var env = Valid();
        ((JsonObject)env["assetAdministrationShells"]![0]!).Remove("modelType");
        var errors = AasValidator.Validate(env);
        Assert.Contains(errors, e => e.Code == AasErrorCodes.ModelTypeMissing && e.Path == "$.assetAdministrationShells[0]");
    }

    [Fact]
    public void BadAssetKindIsReported()
    {
        var env = Valid();
        env["assetAdministrationShells"]![0]!["assetInformation"]!["assetKind"] = "instance";
        Single(env, AasErrorCodes.AssetInformation);
    }

    [Fact]
    public void EmptyListIsReported()
    {
        var env = Valid();
        Elements(env).Add(new JsonObject
        {
            ["modelType"] = "SubmodelElementCollection",
            ["idShort"] = "Empty",
            ["value"] = new JsonArray(),
        });
        var error = Single(env, AasErrorCodes.ListEmpty);
        Assert.EndsWith(".value", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Iec61360ConceptDescriptionWithoutEnglishDefinitionIsReported()
    {
        var env = Valid();
        var content = env["conceptDescriptions"]![0]!["embeddedDataSpecifications"]![0]!["dataSpecificationContent"]!;
        content["definition"] = new JsonArray(new JsonObject { ["language"] = "de", ["text"] = "Temperatur" });
        var error = Single(env, AasErrorCodes.DefinitionMissing);
        Assert.Equal("$.conceptDescriptions[0].embeddedDataSpecifications[0].dataSpecificationContent", error.Path);
    }

    [Fact]
    public void MeasureWithoutUnitIsReported()
    {
        var env = Valid();
        var content = (JsonObject)env["conceptDescriptions"]![0]!["embeddedDataSpecifications"]![0]!["dataSpecificationContent"]!;
        Assert.Equal("REAL_MEASURE", (string)content["dataType"]!);
        content.Remove("unit");
        Single(env, AasErrorCodes.UnitMissing);
    }

    [Fact]
    public void ConfigurationWithoutAssetsGivesAnEmptyValidEnvironment()
    {
        var env = AasGenerator.Generate(Demo() with { Assets = [] });
        Assert.Empty(env);
        Assert.Empty(AasValidator.Validate(env));
    }

    [Theory]
    [InlineData("demo.yaml")]
    [InlineData("gateway.example.yaml")]
    public void EveryShippedConfigGivesAValidEnvironment(string name)
    {
        var (config, errors) = ConfigLoader.Load(Path.Combine(RepoPaths.Root, "config", name));
        Assert.Empty(errors);
        var problems = AasValidator.Validate(AasGenerator.Generate(config!));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void RandomlyMutatedDocumentsNeverCrashTheValidator()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 300;
        var random = new Random(11);
        var original = AasGenerator.GenerateUtf8(Demo());
        JsonNode?[] replacements = [null, 0, -1.5, true, "", "x", "1Bad id", new JsonArray(), new JsonObject(), new JsonArray(1, "a", null)];
        var broken = 0;
        for (var i = 0; i < iterations; i++)
        {
            // structural mutations: replace a few random nodes of the tree with values of the wrong shape
            var env = JsonNode.Parse(original)!;
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var nodes = Descendants(env).Where(d => d.Parent is not null).ToList();
                var victim = nodes[random.Next(nodes.Count)];
                var replacement = replacements[random.Next(replacements.Length)]?.DeepClone();
                switch (victim.Parent)
                {
                    case JsonObject o: o[victim.GetPropertyName()] = replacement; break;
                    case JsonArray a: a[victim.GetElementIndex()] = replacement; break;
                }
            }
            if (AasValidator.Validate(env).Count > 0) broken++;

            // byte mutations: the UTF-8 form with flipped bytes or cut short
            var bytes = (byte[])original.Clone();
            for (var m = random.Next(1, 8); m > 0; m--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            _ = AasValidator.Validate(bytes.AsSpan(0, random.Next(bytes.Length + 1)));
        }
        Assert.True(broken > iterations / 2, $"only {broken} of {iterations} mutated documents were reported invalid");
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(kv => kv.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is null) continue;
            foreach (var d in Descendants(child)) yield return d;
        }
    }

    [Fact]
    public void NotJsonGivesOneStructureError()
    {
        var errors = AasValidator.Validate("{\"submodels\": ["u8);
        Assert.Equal(AasErrorCodes.Structure, Assert.Single(errors).Code);
    }
}
