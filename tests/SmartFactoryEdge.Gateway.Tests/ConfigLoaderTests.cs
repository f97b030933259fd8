using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-config-").FullName;

    private const string ValidHead = """
        gateway:
          id: gw1
          site: plant-a
        """;

    private const string ValidTail = """
        sources:
          simulator:
            - name: line1
              machines:
                - { kind: pump, asset: pump1 }
        sinks:
          file: { path: out }
        """;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors, string Path) Load(string yaml)
    {
        var path = System.IO.Path.Combine(_dir, $"c{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml.Replace("\r\n", "\n"));
        var (config, errors) = ConfigLoader.Load(path);
        return (config, errors, path);
    }

    private static void AssertError(IReadOnlyList<ConfigError> errors, string path, int line, int column, string keyPath, string fragment)
    {
        var match = errors.FirstOrDefault(e => e.KeyPath == keyPath);
        Assert.True(match is not null, $"no error for '{keyPath}'; got:\n{string.Join("\n", errors)}");
        Assert.Equal(path, match!.File);
        Assert.Equal((line, column), (match.Line, match.Column));
        Assert.Contains(fragment, match.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}:{column}: {keyPath}: ", match.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheShippedConfigsAreValid()
    {
        foreach (var name in new[] { "demo.yaml", "gateway.example.yaml" })
        {
            var (config, errors) = ConfigLoader.Load(System.IO.Path.Combine(RepoPaths.Root, "config", name));
            Assert.True(errors.Count == 0, $"{name}:\n{string.Join("\n", errors)}");
            Assert.NotNull(config);
        }
    }

    [Fact]
    public void AValidConfigBindsEveryValue()
    {
        var (config, errors, _) = Load(ValidHead + "\n  timeZone: Asia/Seoul\n  shutdownTimeout: 1500ms\npipeline:\n  capacity: 64KB\n  fullMode: drop-oldest\n" + ValidTail);
        Assert.Empty(errors);
        Assert.Equal("gw1", config!.Gateway.Id);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), config.Gateway.ShutdownTimeout);
        Assert.Equal(65536, config.Pipeline.Capacity);
        Assert.Equal(System.Threading.Channels.BoundedChannelFullMode.DropOldest, config.Pipeline.FullMode);
        Assert.Equal("pump1", config.Sources.Simulator[0].Machines[0].Asset);
    }

    [Fact]
    public void MqttReconnectBackoffIsShortByDefaultAndConfigurable()
    {
        var (config, errors, _) = Load(ValidHead + "\nmqtt:\n  host: 127.0.0.1\n" + ValidTail);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(5), config!.Mqtt!.Retry.MaxDelay);
        Assert.InRange(config.Mqtt.Retry.JitterFactor, 0.05, 0.5);
        (config, errors, _) = Load(ValidHead + "\nmqtt:\n  host: 127.0.0.1\n  retry:\n    initialDelay: 200ms\n    maxDelay: 2s\n    jitterFactor: 0.3\n" + ValidTail);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMilliseconds(200), config!.Mqtt!.Retry.InitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Mqtt.Retry.MaxDelay);
        Assert.Equal(0.3, config.Mqtt.Retry.JitterFactor);
    }

    [Fact]
    public void UnknownKeyIsNamedWithASuggestion()
    {
        var (_, errors, path) = Load("gateway:\n  id: gw1\n  site: a\n  sitee: b\n" + ValidTail);
        AssertError(errors, path, 4, 3, "gateway.sitee", "did you mean 'site'?");
    }

    [Fact]
    public void MissingRequiredKeyPointsAtItsMapping()
    {
        var (_, errors, path) = Load("gateway:\n  id: gw1\n" + ValidTail);
        AssertError(errors, path, 2, 3, "gateway.site", "required key 'site' is missing");
    }

    [Fact]
    public void WrongTypeNamesTheValue()
    {
        var (_, errors, path) = Load(ValidHead + "\npipeline:\n  capacity: lots\n" + ValidTail);
        AssertError(errors, path, 5, 13, "pipeline.capacity", "'lots' is not a whole number");
    }

    [Fact]
    public void OutOfRangeValueSaysTheRangeAndTheValue()
    {
        var (_, errors, path) = Load(ValidHead + "\npipeline:\n  capacity: 3\n" + ValidTail);
        AssertError(errors, path, 5, 13, "pipeline.capacity", "must be between 16 and 16777216 (got 3)");
    }

    [Fact]
    public void BadEnumListsTheChoices()
    {
        var (_, errors, path) = Load(ValidHead + "\npipeline:\n  fullMode: sometimes\n" + ValidTail);
        AssertError(errors, path, 5, 13, "pipeline.fullMode", "not one of: wait, dropNewest, dropOldest, dropWrite");
    }

    [Fact]
    public void DuplicateTagIdsPointAtTheSecond()
    {
        var yaml = ValidHead + "\ntags:\n  - id: a.b\n    unit: bar\n  - id: a.b\n" + ValidTail;
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 7, 9, "tags[1].id", "duplicate tag id 'a.b' (already defined at tags[0])");
    }

    [Fact]
    public void TwoSourcesProducingTheSameTagAreReported()
    {
        var yaml = ValidHead + "\nsources:\n  simulator:\n    - name: l1\n      machines: [{ kind: pump, asset: p1 }]\n    - name: l2\n      machines:\n        - { kind: pump, asset: p1 }\nsinks:\n  file: { path: out }\n";
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 10, 32, "sources.simulator[1].machines[0].asset", "duplicate tag id 'p1.vibrationRms'");
    }

    [Fact]
    public void BadDurationIsExplained()
    {
        var yaml = ValidHead + "\n  shutdownTimeout: soon\n" + ValidTail;
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 4, 20, "gateway.shutdownTimeout", "'soon' is not a duration such as 500ms");
    }

    [Fact]
    public void ListWhereAMappingIsExpected()
    {
        var (_, errors, path) = Load("gateway:\n  - id: gw1\n" + ValidTail);
        AssertError(errors, path, 2, 3, "gateway", "expected a mapping");
    }

    [Fact]
    public void ScalarWhereAListIsExpected()
    {
        var yaml = ValidHead + "\nsources:\n  simulator: line1\nsinks:\n  file: { path: out }\n";
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 5, 14, "sources.simulator", "expected a list");
    }

    [Fact]
    public void UnknownTimeZoneIsRejected()
    {
        var (_, errors, path) = Load(ValidHead + "\n  timeZone: Mars/Olympus\n" + ValidTail);
        AssertError(errors, path, 4, 3, "gateway.timeZone", "'Mars/Olympus' is not a known time zone");
    }

    [Fact]
    public void InvalidGatewayIdIsRejectedBecauseItBecomesATopicLevel()
    {
        var (_, errors, path) = Load("gateway:\n  id: gw/1\n  site: a\n" + ValidTail);
        AssertError(errors, path, 2, 3, "gateway.id", "not a valid gateway id");
    }

    [Fact]
    public void AnomalyOnAnUnknownTagSuggestsTheNearest()
    {
        var yaml = ValidHead + "\nsources:\n  simulator:\n    - name: l1\n      machines: [{ kind: pump, asset: p1 }]\n      anomalies:\n        - { tag: p1.vibration, kind: spike, at: 1s }\nsinks:\n  file: { path: out }\n";
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 9, 18, "sources.simulator[0].anomalies[0].tag", "did you mean 'p1.vibrationRms'?");
    }

    [Fact]
    public void UnknownMachineKindIsRejected()
    {
        var yaml = ValidHead + "\nsources:\n  simulator:\n    - name: l1\n      machines:\n        - kind: boiler\n          asset: b1\nsinks:\n  file: { path: out }\n";
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 8, 11, "sources.simulator[0].machines[0].kind", "'boiler' is not a simulated machine kind");
    }

    [Fact]
    public void AssetSignalThatIsNotATagIsReported()
    {
        var yaml = ValidHead + "\nassets:\n  - id: pump1\n    kind: pump\n    signals: [pump1.flow, pump1.flw]\n" + ValidTail;
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 7, 5, "assets[0].signals[1]", "'pump1.flw' is not a configured tag; did you mean 'pump1.flow'?");
    }

    [Fact]
    public void YamlSyntaxErrorsGiveThePosition()
    {
        var (_, errors, path) = Load("gateway:\n  id: [gw1\n  site: a\n");
        var error = Assert.Single(errors);
        Assert.Equal(path, error.File);
        Assert.Equal(4, error.Line);
        Assert.Contains("YAML syntax", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateYamlKeyIsASyntaxError()
    {
        var (_, errors, path) = Load("gateway:\n  id: a\n  id: b\n");
        var error = Assert.Single(errors);
        Assert.Equal((path, 3, 3), (error.File, error.Line, error.Column));
        Assert.Contains("id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFileAndMissingFileAreReported()
    {
        var (_, errors, path) = Load("");
        Assert.Contains("empty", Assert.Single(errors).Message, StringComparison.Ordinal);
        var (_, missing) = ConfigLoader.Load(path + ".nope");
        Assert.Contains("does not exist", Assert.Single(missing).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredListIsReportedAndDoesNotStopOtherChecks()
    {
        var (_, errors, path) = Load(ValidHead + "\npipeline:\n  capacity: 1\nsources:\n  simulator:\n    - name: l1\nsinks:\n  file: { path: out }\n");
        AssertError(errors, path, 8, 7, "sources.simulator[0].machines", "required key 'machines' is missing");
        AssertError(errors, path, 5, 13, "pipeline.capacity", "must be between");
    }

    [Fact]
    public void SensorSectionBindsAndItsRulesAreReportedWithTheirPosition()
    {
        var yaml = ValidHead + "\nsources:\n  sensors:\n    devices:\n      - { name: cabinet, driver: bme280, bus: 1, address: \"0x76\", rate: 5s, tags: { temperature: cab.temp } }\n      - { name: kiln, driver: max9999, bus: 0, tags: { temperature: cab.temp } }\nsinks:\n  file: { path: out }\n";
        var (_, errors, path) = Load(yaml);
        var driver = Assert.Single(errors, e => e.Message.Contains("driver 'max9999' is unknown", StringComparison.Ordinal));
        Assert.Equal((path, 5, 3), (driver.File, driver.Line, driver.Column));
        Assert.Contains(errors, e => e.Message.Contains("tag 'cab.temp'", StringComparison.Ordinal) || e.Message.Contains("duplicate tag id 'cab.temp'", StringComparison.Ordinal));

        var (config, ok, _) = Load(ValidHead + "\nsources:\n  sensors:\n    devices:\n      - { name: cabinet, driver: bme280, bus: 1, address: \"0x76\", rate: 5s, tags: { temperature: cab.temp } }\nsinks:\n  file: { path: out }\n");
        Assert.Empty(ok);
        var device = Assert.Single(config!.Sources.Sensors!.Devices);
        Assert.Equal(("bme280", "0x76", TimeSpan.FromSeconds(5), "cab.temp"), (device.Driver, device.Address, device.Rate, device.Tags["temperature"]));
    }

    [Fact]
    public void EveryModbusTemplateValidatesInsideAGatewayConfig()
    {
        var templates = Directory.GetFiles(System.IO.Path.Combine(RepoPaths.Root, "config", "templates", "modbus"), "*.yaml");
        Assert.NotEmpty(templates);
        foreach (var template in templates)
        {
            var (config, errors, _) = Load("gateway: { id: g1, site: s1 }\nsinks:\n  file: { path: out }\n" + File.ReadAllText(template));
            Assert.True(errors.Count == 0, $"{System.IO.Path.GetFileName(template)}:\n{string.Join("\n", errors)}");
            Assert.NotEmpty(config!.Sources.Modbus!.Devices[0].PollGroups[0].Points);
        }
    }

    [Fact]
    public void ModbusPointsWithTheSameTagAsTheSimulatorAreReported()
    {
        var yaml = ValidHead + "\nsources:\n  simulator:\n    - name: l1\n      machines: [{ kind: pump, asset: p1 }]\n  modbus:\n    devices:\n      - name: m1\n        host: 127.0.0.1\n        unitId: 1\n        pollGroups:\n          - name: g\n            interval: 1s\n            points:\n              - { tagId: p1.flow, address: 0, type: Float32 }\nsinks:\n  file: { path: out }\n";
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 17, 26, "sources.modbus.devices[0].pollGroups[0].points[0].tagId", "duplicate tag id 'p1.flow'");
    }

    [Fact]
    public void AnomalyDetectorsAreCheckedForKindTagAndParameters()
    {
        var yaml = ValidHead + "\nanomaly:\n  tags:\n    - tag: pump1.flw\n      detectors: [{ kind: magic }]\n    - tag: pump1.flow\n      detectors: [{ kind: sr, parameters: { windowSize: 64, bogus: 1 } }, { kind: pca-t2spe }]\n" + ValidTail;
        var (_, errors, path) = Load(yaml);
        AssertError(errors, path, 6, 12, "anomaly.tags[0].tag", "'pump1.flw' is not a configured tag; did you mean 'pump1.flow'?");
        AssertError(errors, path, 7, 27, "anomaly.tags[0].detectors[0].kind", "'magic' is not a detector");
        Assert.Contains(errors, e => e.KeyPath == "anomaly.tags[1].detectors[0].parameters" && e.Message.Contains("bogus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.KeyPath == "anomaly.tags[1].detectors[1].kind" && e.Message.Contains("under anomaly.assets", StringComparison.Ordinal));
    }

    [Fact]
    public void AnomalyAlarmSettingsBindAndAClearAfterBelowOneIsRefused()
    {
        var good = ValidHead + "\nanomaly:\n  eventMode: every\n  clearAfter: 7\n  tags:\n    - tag: pump1.flow\n      detectors: [{ kind: stuck, clearAfter: 3, parameters: { samples: 10 } }]\n" + ValidTail;
        var (config, errors, _) = Load(good);
        Assert.Empty(errors);
        Assert.Equal(SmartFactoryEdge.Anomaly.Configuration.AnomalyEventMode.Every, config!.Anomaly!.EventMode);
        Assert.Equal(7, config.Anomaly.ClearAfter);
        Assert.Equal(3, config.Anomaly.Tags[0].Detectors[0].ClearAfter);
        var (_, bad, _) = Load(good.Replace("clearAfter: 7", "clearAfter: 0", StringComparison.Ordinal).Replace("clearAfter: 3", "clearAfter: -1", StringComparison.Ordinal));
        Assert.Contains(bad, e => e.KeyPath == "anomaly" && e.Message.Contains("anomaly.clearAfter must be at least 1", StringComparison.Ordinal));
        Assert.Contains(bad, e => e.KeyPath == "anomaly" && e.Message.Contains("detector 'stuck' clearAfter must be at least 1", StringComparison.Ordinal));
        var (_, mode, _) = Load(good.Replace("eventMode: every", "eventMode: sometimes", StringComparison.Ordinal));
        Assert.Contains(mode, e => e.KeyPath == "anomaly.eventMode");
    }

    [Fact]
    public void NoSourcesAndNoSinksAreBothReported()
    {
        var (_, errors, path) = Load(ValidHead + "\nsinks:\n  file: { enabled: false }\n");
        AssertError(errors, path, 1, 1, "sources", "no source is configured");
        AssertError(errors, path, 4, 1, "sinks", "no sink is enabled");
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var yaml = "gateway:\n  id: gw 1\n  sitee: x\npipeline:\n  capacity: 3\n  fullMode: sometimes\nsources:\n  simulator:\n    - name: a\n      rateHz: fast\n      machines:\n        - { kind: boiler, asset: b1 }\nsinks:\n  file: { path: out }\n";
        var (config, errors, _) = Load(yaml);
        Assert.Null(config);
        var keys = errors.Select(e => e.KeyPath).ToHashSet();
        Assert.Superset(new HashSet<string> { "gateway.id", "gateway.sitee", "gateway.site", "pipeline.capacity", "pipeline.fullMode", "sources.simulator[0].rateHz", "sources.simulator[0].machines[0].kind" }, keys);
    }
}

public class ConfigLoaderFuzzTests
{
    /// <summary>Mutated configurations must give errors, never an exception or a hang.</summary>
    [Fact]
    public void RandomlyMutatedConfigsNeverCrashTheLoader()
    {
        var original = File.ReadAllText(System.IO.Path.Combine(RepoPaths.Root, "config", "gateway.example.yaml"));
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 3000;
        var random = new Random(20261122);
        const string alphabet = ":-[]{},#&*!|>'\"%@` \n\tabc0123456789.";
        var failures = new List<string>();
        for (int i = 0; i < iterations; i++)
        {
            var chars = original.ToCharArray().ToList();
            var edits = random.Next(1, 8);
            for (int e = 0; e < edits && chars.Count > 0; e++)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(4))
                {
                    case 0: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    case 1: chars.RemoveAt(at); break;
                    case 2: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: chars.RemoveRange(at, Math.Min(chars.Count - at, random.Next(1, 200))); break;
                }
            }
            var text = new string(chars.ToArray());
            try
            {
                var errors = new List<Configuration.ConfigError>();
                var config = Configuration.ConfigLoader.Parse(text, "fuzz.yaml", errors);
                Assert.True(config is not null || errors.Count > 0, "a null result must come with errors");
                Assert.All(errors, err => Assert.Equal("fuzz.yaml", err.File));
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                failures.Add($"iteration {i}: {ex}\n---\n{text}\n---");
                if (failures.Count > 3) break;
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
