using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Devices.Ads1115;
using SmartFactoryEdge.Devices.SensorSource;

namespace SmartFactoryEdge.Devices.Tests.SensorSource;

public sealed class SensorSourceOptionsTests
{
    [Fact]
    public void BindsFromConfigurationTheWayTheGatewayLoadsYaml()
    {
        // The keys a YAML file under sources.sensors flattens to.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["sources:sensors:backoff:initialDelay"] = "00:00:02",
            ["sources:sensors:devices:0:name"] = "cabinet",
            ["sources:sensors:devices:0:driver"] = "bme280",
            ["sources:sensors:devices:0:address"] = "0x77",
            ["sources:sensors:devices:0:rate"] = "00:00:05",
            ["sources:sensors:devices:0:tags:temperature"] = "line1.cab.temp",
            ["sources:sensors:devices:1:name"] = "press"
            , ["sources:sensors:devices:1:driver"] = "ads1115",
            ["sources:sensors:devices:1:channels:0:name"] = "pressure",
            ["sources:sensors:devices:1:channels:0:input"] = "Ain1",
            ["sources:sensors:devices:1:channels:0:kind"] = "CurrentLoop4To20mA",
            ["sources:sensors:devices:1:channels:0:rangeHigh"] = "250",
            ["sources:sensors:devices:1:channels:0:unit"] = "bar",
            ["sources:sensors:devices:1:settings:foo"] = "bar",
        }).Build();

        var services = new ServiceCollection();
        services.AddOptions<SensorSourceOptions>().Bind(configuration.GetSection(SensorSourceOptions.SectionName));
        services.AddSensorSource();
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<SensorSourceOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(2), options.Backoff.InitialDelay);
        Assert.Equal(2, options.Devices.Count);
        Assert.Equal("0x77", options.Devices[0].Address);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Devices[0].Rate);
        Assert.Equal("line1.cab.temp", options.Devices[0].Tags["temperature"]);
        Assert.Equal("i2c-1", options.Devices[0].BusKey);
        var channel = Assert.Single(options.Devices[1].Channels);
        Assert.Equal(Ads1115Input.Ain1, channel.Input);
        Assert.Equal(AnalogInputKind.CurrentLoop4To20mA, channel.Kind);
        Assert.Equal(250, channel.RangeHigh);
        Assert.Equal("bar", options.Devices[1].Settings["FOO"]); // settings keys are case-insensitive
        Assert.IsType<SmartFactoryEdge.Devices.SensorSource.SensorSource>(provider.GetRequiredService<ISampleSource>());
    }

    [Fact]
    public void ValidateOnStartRejectsABadDeviceWithItsName()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["sources:sensors:devices:0:name"] = "oven",
            ["sources:sensors:devices:0:driver"] = "bme281",
        }).Build();
        var services = new ServiceCollection();
        services.AddOptions<SensorSourceOptions>().Bind(configuration.GetSection(SensorSourceOptions.SectionName));
        services.AddSensorSource();
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SensorSourceOptions>>().Value);
        Assert.Contains("devices[0] (oven).driver 'bme281' is unknown", ex.Message, StringComparison.Ordinal);
    }
}
