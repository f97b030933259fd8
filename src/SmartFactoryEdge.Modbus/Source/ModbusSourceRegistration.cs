using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;

namespace SmartFactoryEdge.Modbus.Source;

/// <summary>What the gateway host calls to add the Modbus source.</summary>
public static class ModbusSourceRegistration
{
    /// <summary>
    /// Registers the options validator and one <see cref="ModbusSource"/> as an <see cref="ISampleSource"/>, built from
    /// <see cref="IOptions{ModbusSourceOptions}"/>. The host binds the options itself, e.g.
    /// <c>services.AddOptions&lt;ModbusSourceOptions&gt;().BindConfiguration(ModbusSourceOptions.SectionName).ValidateOnStart()</c>.
    /// With no device configured the source returns at once.
    /// </summary>
    public static IServiceCollection AddModbusSource(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModbusSourceOptions>, ModbusSourceOptionsValidator>());
        services.AddSingleton<ModbusSource>(sp => Create(
            sp.GetRequiredService<IOptions<ModbusSourceOptions>>().Value,
            sp.GetService<ILoggerFactory>(), sp.GetService<IHealthRegistry>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<ISampleSource>(sp => sp.GetRequiredService<ModbusSource>());
        return services;
    }

    /// <summary>Builds the source; throws <see cref="ArgumentException"/> listing every configuration problem.</summary>
    public static ModbusSource Create(ModbusSourceOptions options, ILoggerFactory? loggerFactory = null, IHealthRegistry? health = null, TimeProvider? timeProvider = null) =>
        new(options, loggerFactory, health, timeProvider);
}
