using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Devices.Buses;

namespace SmartFactoryEdge.Devices.SensorSource;

/// <summary>Registration for the Gateway host.</summary>
public static class SensorSourceRegistration
{
    /// <summary>
    /// Registers the validator, the Linux bus provider, the driver factory and <see cref="SensorSource"/> as an
    /// <see cref="ISampleSource"/>. The caller binds <see cref="SensorSourceOptions"/> from
    /// <see cref="SensorSourceOptions.SectionName"/> (e.g. <c>services.AddOptions&lt;SensorSourceOptions&gt;().BindConfiguration(SensorSourceOptions.SectionName).ValidateOnStart()</c>).
    /// </summary>
    public static IServiceCollection AddSensorSource(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SensorSourceOptions>, SensorSourceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDeviceBusProvider>(sp => new LinuxDeviceBusProvider(sp.GetRequiredService<IOptions<SensorSourceOptions>>().Value.OneWireRootPath));
        services.TryAddSingleton<ISensorDriverFactory>(sp => new SensorDriverFactory(sp.GetRequiredService<IDeviceBusProvider>()));
        services.AddSingleton<ISampleSource>(sp => Create(
            sp.GetRequiredService<IOptions<SensorSourceOptions>>().Value,
            sp.GetRequiredService<ISensorDriverFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<SensorSource>>(),
            sp.GetService<IHealthRegistry>()));
        return services;
    }

    /// <summary>Builds the source directly (no DI).</summary>
    public static SensorSource Create(SensorSourceOptions options, ISensorDriverFactory? factory = null, TimeProvider? timeProvider = null,
        ILogger<SensorSource>? logger = null, IHealthRegistry? health = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SensorSource(options, factory ?? new SensorDriverFactory(new LinuxDeviceBusProvider(options.OneWireRootPath)), timeProvider, logger, health);
    }
}
