using System.Globalization;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.TestKit.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SmartFactoryEdge.Modbus.Tests.Templates;

/// <summary>The device templates in config/templates/modbus bind to <see cref="ModbusSourceOptions"/> and pass its validator.</summary>
public class ModbusTemplateTests
{
    public static TheoryData<string> Templates()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "config", "templates", "modbus"), "*.yaml").Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    private static ModbusSourceOptions Load(string name)
    {
        var yaml = File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "templates", "modbus", name));
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .WithTypeConverter(new DurationConverter())
            .IgnoreFields()
            .Build();
        return deserializer.Deserialize<TemplateFile>(yaml).Sources.Modbus;
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void TemplatesBindAndValidate(string name)
    {
        var options = Load(name);
        var device = Assert.Single(options.Devices);
        Assert.Empty(ModbusSourceOptionsValidator.Check(options));
        Assert.NotEmpty(device.PollGroups.SelectMany(g => g.Points));
        foreach (var group in device.PollGroups)
            Assert.NotEmpty(ReadPlanner.Plan(group.Points, new ReadPlanOptions { MaxRegisterGap = device.MaxRegisterGap }));
    }

    [Fact]
    public void ThePowerMeterTemplateReadsItsFastGroupInOneRequest()
    {
        var device = Load("power-meter.yaml").Devices[0];
        var fast = device.PollGroups.Single(g => g.Name == "power");
        var plan = ReadPlanner.Plan(fast.Points, new ReadPlanOptions { MaxRegisterGap = device.MaxRegisterGap });
        var read = Assert.Single(plan);
        Assert.Equal(ModbusArea.InputRegister, read.Area);
        Assert.Equal(72, read.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), fast.Interval);
    }

    private sealed class TemplateFile
    {
        public SourcesSection Sources { get; set; } = new();
    }

    private sealed class SourcesSection
    {
        public ModbusSourceOptions Modbus { get; set; } = new();
    }

    /// <summary>Durations as the gateway's configuration writes them: 500ms, 1s, 1m, 1h or hh:mm:ss.</summary>
    private sealed class DurationConverter : IYamlTypeConverter
    {
        public bool Accepts(Type type) => type == typeof(TimeSpan);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
        {
            var text = parser.Consume<Scalar>().Value;
            foreach (var (suffix, ms) in new[] { ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0) })
            {
                if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                    return TimeSpan.FromMilliseconds(n * ms);
            }
            return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
        }

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) => throw new NotSupportedException();
    }
}
