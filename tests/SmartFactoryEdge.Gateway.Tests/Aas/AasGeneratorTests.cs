using System.Text.Json.Nodes;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Gateway.Aas;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests.Aas;

public class AasGeneratorTests
{
    private static GatewayConfig Demo()
    {
        var (config, errors) = ConfigLoader.Load(Path.Combine(RepoPaths.Root, "config", "demo.yaml"));
        Assert.Empty(errors);
        return config!;
    }

    private static JsonObject Submodel(JsonObject env, string id) =>
        (JsonObject)((JsonArray)env["submodels"]!).Single(s => (string)s!["id"]! == id)!;

    private static JsonObject Child(JsonNode container, string idShort, string list = "value") =>
        (JsonObject)((JsonArray)container[list]!).Single(e => (string)e!["idShort"]! == idShort)!;

    [Fact]
    public void OneShellAndThreeSubmodelsPerAsset()
    {
        var env = AasGenerator.Generate(Demo());
        var shells = (JsonArray)env["assetAdministrationShells"]!;
        Assert.Equal(5, shells.Count);
        Assert.Equal(15, ((JsonArray)env["submodels"]!).Count);
        var furnace = shells[0]!;
        Assert.Equal("urn:sfe:demo-plant:demo-gw01:aas:furnace1", (string)furnace["id"]!);
        Assert.Equal("Instance", (string)furnace["assetInformation"]!["assetKind"]!);
        Assert.Equal("urn:sfe:demo-plant:demo-gw01:asset:furnace1", (string)furnace["assetInformation"]!["globalAssetId"]!);
        var refs = ((JsonArray)furnace["submodels"]!).Select(r => (string)r!["keys"]![0]!["value"]!).ToList();
        Assert.Equal(
            ["urn:sfe:demo-plant:demo-gw01:sm:furnace1:nameplate", "urn:sfe:demo-plant:demo-gw01:sm:furnace1:technical-data", "urn:sfe:demo-plant:demo-gw01:sm:furnace1:time-series"],
            refs);
    }

    [Fact]
    public void SubmodelsCarryTheirTemplateSemanticIds()
    {
        var env = AasGenerator.Generate(Demo());
        string Semantic(string suffix) => (string)Submodel(env, $"urn:sfe:demo-plant:demo-gw01:sm:pump1:{suffix}")["semanticId"]!["keys"]![0]!["value"]!;
        Assert.Equal("https://admin-shell.io/idta/nameplate/2/0/Nameplate", Semantic("nameplate"));
        Assert.Equal("https://admin-shell.io/ZVEI/TechnicalData/Submodel/1/2", Semantic("technical-data"));
        Assert.Equal("https://admin-shell.io/idta/TimeSeries/1/1", Semantic("time-series"));
    }

    [Fact]
    public void TechnicalPropertiesHoldOnePropertyPerSimulatedSignalWithItsUnit()
    {
        var env = AasGenerator.Generate(Demo());
        var technical = Submodel(env, "urn:sfe:demo-plant:demo-gw01:sm:furnace1:technical-data");
        var props = (JsonArray)Child(technical, "TechnicalProperties", "submodelElements")["value"]!;
        Assert.Equal(["zone1_temperature", "zone2_temperature", "zone3_temperature", "vacuum", "heaterPower"], props.Select(p => (string)p!["idShort"]!));
        Assert.All(props, p => Assert.Equal("xs:double", (string)p!["valueType"]!));
        var zone1 = props[0]!;
        Assert.Equal("ConceptDescription", (string)zone1["semanticId"]!["keys"]![0]!["type"]!);
        var cdId = (string)zone1["semanticId"]!["keys"]![0]!["value"]!;
        var cd = ((JsonArray)env["conceptDescriptions"]!).Single(c => (string)c!["id"]! == cdId)!;
        Assert.Equal("°C", (string)cd["embeddedDataSpecifications"]![0]!["dataSpecificationContent"]!["unit"]!);
        Assert.Contains("[°C]", (string)zone1["description"]![0]!["text"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeSeriesLinkedSegmentPointsAtTheTelemetryTopicAndNamesTheTags()
    {
        var env = AasGenerator.Generate(Demo());
        var series = Submodel(env, "urn:sfe:demo-plant:demo-gw01:sm:pump1:time-series");
        var linked = Child(Child(series, "Segments", "submodelElements"), "LinkedSegment");
        Assert.Equal("mqtt:sfe/v1/demo-plant/demo-gw01/telemetry", (string)Child(linked, "Endpoint")["value"]!);
        var query = (string)Child(linked, "Query")["value"]!;
        foreach (var tag in new[] { "pump1.vibrationRms", "pump1.motorCurrent", "pump1.pressure", "pump1.flow" })
            Assert.Contains($"'{tag}'", query, StringComparison.Ordinal);
        Assert.DoesNotContain("furnace1", query, StringComparison.Ordinal);
        var record = Child(Child(series, "Metadata", "submodelElements"), "Record");
        Assert.Equal(5, ((JsonArray)record["value"]!).Count); // Time + 4 signals
    }

    [Fact]
    public void NameplateTakesManufacturerAndSerialFromTheAsset()
    {
        var config = Demo() with
        {
            Assets = [new AssetDefinition { Id = "press01", Kind = "press", Name = "Servo press", Manufacturer = "ACME Presses", SerialNumber = "SN-0042" }],
            Sources = new SourcesOptions(),
        };
        var env = AasGenerator.Generate(config);
        var nameplate = Submodel(env, "urn:sfe:demo-plant:demo-gw01:sm:press01:nameplate");
        var manufacturer = Child(nameplate, "ManufacturerName", "submodelElements");
        Assert.Equal("MultiLanguageProperty", (string)manufacturer["modelType"]!);
        Assert.Equal("ACME Presses", (string)manufacturer["value"]![0]!["text"]!);
        Assert.Equal("0173-1#02-AAO677#002", (string)manufacturer["semanticId"]!["keys"]![0]!["value"]!);
        var serial = Child(nameplate, "SerialNumber", "submodelElements");
        Assert.Equal("SN-0042", (string)serial["value"]!);
        Assert.Equal("xs:string", (string)serial["valueType"]!);
        Assert.Empty(AasValidator.Validate(env));
    }

    [Fact]
    public void TagsComeFromSimulatorTagDefinitionsAndAssetSignals()
    {
        var config = Demo() with
        {
            Tags =
            [
                new TagDefinition { Id = "pump1.running", AssetId = "pump1", DataType = TagDataType.Boolean, Description = "motor on" },
                new TagDefinition { Id = "pump1.pressure", Unit = "psi", Description = "outlet pressure" },
                new TagDefinition { Id = "other.x", AssetId = "nope" },
            ],
        };
        var tags = AssetTags.Collect(config)["pump1"];
        Assert.Equal(["pump1.vibrationRms", "pump1.motorCurrent", "pump1.pressure", "pump1.flow", "pump1.running"], tags.Select(t => t.Id));
        var pressure = tags.Single(t => t.Id == "pump1.pressure");
        Assert.Equal("bar", pressure.Unit); // the process model's unit wins; the definition only fills the gap
        Assert.Equal("outlet pressure", pressure.Description);
        Assert.Equal(TagDataType.Boolean, tags.Single(t => t.Id == "pump1.running").DataType);
        var env = AasGenerator.Generate(config);
        Assert.Empty(AasValidator.Validate(env));
        var technical = Submodel(env, "urn:sfe:demo-plant:demo-gw01:sm:pump1:technical-data");
        var running = Child(Child(technical, "TechnicalProperties", "submodelElements"), "running");
        Assert.Equal("xs:boolean", (string)running["valueType"]!);
    }

    [Fact]
    public void ModbusPointsAndOpcUaTagsJoinTheAssetTheirIdNames()
    {
        var config = Demo() with
        {
            Assets = [new AssetDefinition { Id = "meter1", Kind = "power-meter" }, new AssetDefinition { Id = "meter1.sub", Kind = "power-meter" }],
            Sources = new SourcesOptions
            {
                Modbus = new ModbusSourceOptions
                {
                    Devices =
                    [
                        new ModbusDeviceOptions
                        {
                            Name = "meter",
                            PollGroups =
                            [
                                new ModbusPollGroupOptions
                                {
                                    Points =
                                    [
                                        new ModbusPointOptions { TagId = "meter1.power", Unit = "kW", Type = ModbusDataType.Float32, Description = "active power" },
                                        new ModbusPointOptions { TagId = "meter1.alarm", Area = ModbusArea.Coil },
                                        new ModbusPointOptions { TagId = "meter1.sub.voltage", Unit = "V" },
                                        new ModbusPointOptions { TagId = "other.x" },
                                    ],
                                },
                            ],
                        },
                    ],
                },
                Opcua = [new OpcUaEndpointOptions { Name = "plc", EndpointUrl = "opc.tcp://127.0.0.1:4840", Tags = [new OpcUaTagOptions { Id = "meter1.frequency", Unit = "Hz" }] }],
            },
        };
        var tags = AssetTags.Collect(config);
        Assert.Equal(["meter1.frequency", "meter1.power", "meter1.alarm"], tags["meter1"].Select(t => t.Id));
        Assert.Equal(["meter1.sub.voltage"], tags["meter1.sub"].Select(t => t.Id));
        Assert.Equal(TagDataType.Boolean, tags["meter1"].Single(t => t.Id == "meter1.alarm").DataType);
        Assert.Equal("kW", tags["meter1"].Single(t => t.Id == "meter1.power").Unit);
        var errors = AasValidator.Validate(AasGenerator.Generate(config));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void AssetWithoutTagsStillValidates()
    {
        var config = Demo() with
        {
            Assets = [new AssetDefinition { Id = "9-odd id", Kind = "gas-detector" }],
            Sources = new SourcesOptions(),
        };
        var env = AasGenerator.Generate(config);
        Assert.Equal("T_9_odd_id", (string)env["assetAdministrationShells"]![0]!["idShort"]!);
        var errors = AasValidator.Validate(env);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("zone1.temperature", "zone1_temperature")]
    [InlineData("3phase", "T_3phase")]
    [InlineData("", "T_")]
    [InlineData("a-b c", "a_b_c")]
    public void IdShortMakesValidNames(string text, string expected)
    {
        Assert.Equal(expected, AasGenerator.IdShort(text));
    }

    [Fact]
    public void GenerationIsDeterministic()
    {
        Assert.Equal(AasGenerator.GenerateUtf8(Demo()), AasGenerator.GenerateUtf8(Demo()));
    }
}
