using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Mqtt.Telemetry;

/// <summary>Registration of the MQTT telemetry uplink for the Gateway host.</summary>
public static class MqttTelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MqttTelemetrySink"/> as a singleton, as the <see cref="ITelemetryPublisher"/> and as a hosted
    /// service (connects at start-up, publishes its death at shutdown). Options are validated here, so a bad config fails at start.
    /// </summary>
    public static IServiceCollection AddMqttTelemetry(this IServiceCollection services, MqttSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0) throw new InvalidOperationException("Invalid MQTT configuration: " + string.Join(" ", errors));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new MqttTelemetrySink(
            sp.GetRequiredService<MqttSinkOptions>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<MqttTelemetrySink>>(),
            sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            sp.GetService<TimeProvider>()));
        services.AddSingleton<ITelemetryPublisher>(sp => sp.GetRequiredService<MqttTelemetrySink>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MqttTelemetrySink>());
        return services;
    }
}
