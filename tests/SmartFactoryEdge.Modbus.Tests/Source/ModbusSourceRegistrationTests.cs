using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Source;

namespace SmartFactoryEdge.Modbus.Tests.Source;

/// <summary>The path the gateway host takes: bind <c>sources:modbus</c>, validate on start, resolve the source.</summary>
public class ModbusSourceRegistrationTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddOptions<ModbusSourceOptions>().BindConfiguration(ModbusSourceOptions.SectionName).ValidateOnStart();
        builder.Services.AddModbusSource();
        return builder.Build();
    }

    [Fact]
    public void BindsTheSectionAndResolvesTheSource()
    {
        using var host = Build(new()
        {
            ["sources:modbus:devices:0:name"] = "meter1",
            ["sources:modbus:devices:0:host"] = "10.0.0.20",
            ["sources:modbus:devices:0:unitId"] = "3",
            ["sources:modbus:devices:0:requestTimeout"] = "00:00:00.500",
            ["sources:modbus:devices:0:pollGroups:0:interval"] = "00:00:02",
            ["sources:modbus:devices:0:pollGroups:0:points:0:tagId"] = "meter1.power",
            ["sources:modbus:devices:0:pollGroups:0:points:0:area"] = "InputRegister",
            ["sources:modbus:devices:0:pollGroups:0:points:0:address"] = "52",
            ["sources:modbus:devices:0:pollGroups:0:points:0:type"] = "Float32",
            ["sources:modbus:devices:0:pollGroups:0:points:0:order"] = "CDAB",
        });
        var source = Assert.IsType<ModbusSource>(Assert.Single(host.Services.GetServices<ISampleSource>()));
        Assert.Equal("modbus", source.Name);
        var device = Assert.Single(host.Services.GetRequiredService<IOptions<ModbusSourceOptions>>().Value.Devices);
        Assert.Equal(3, device.UnitId);
        Assert.Equal(TimeSpan.FromMilliseconds(500), device.RequestTimeout);
        var point = Assert.Single(Assert.Single(device.PollGroups).Points);
        Assert.Equal((ModbusArea.InputRegister, 52, ModbusDataType.Float32, WordOrder.CDAB), (point.Area, point.Address, point.Type, point.Order));
    }

    [Fact]
    public async Task InvalidConfigurationFailsWhenTheHostStarts()
    {
        using var host = Build(new()
        {
            ["sources:modbus:devices:0:name"] = "plc",
            ["sources:modbus:devices:0:pollGroups:0:points:0:tagId"] = "plc.flag",
            ["sources:modbus:devices:0:pollGroups:0:points:0:area"] = "Coil",
            ["sources:modbus:devices:0:pollGroups:0:points:0:type"] = "Float32",
        });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("point 'plc.flag': Coil holds bits, so type must be Bool, not Float32", error.Message);
        await host.StopAsync();
    }
}
