using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Forwarding;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Storage;

/// <summary>Registration of the outbox for the gateway host.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OutboxOptions"/>, the <see cref="SqliteOutbox"/> (opened on first use, also registered as an
    /// <see cref="ISampleSink"/>) and the <see cref="OutboxForwarder"/>, which needs an <see cref="ITelemetryPublisher"/>
    /// (and optionally an <see cref="IAnomalyEventPublisher"/>) registered by the MQTT side. The host runs
    /// <c>OutboxForwarder.RunAsync</c> from a hosted service and disposes the outbox after it at shutdown.
    /// Optional services used when present: ILoggerFactory, TimeProvider, IMeterFactory, IHealthRegistry.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names each key and value.</exception>
    public static IServiceCollection AddSqliteOutbox(this IServiceCollection services, OutboxOptions options, string gatewayId)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        services.AddSingleton(options);
        services.AddSingleton(sp => SqliteOutbox.Open(options, gatewayId, sp.GetService<ILogger<SqliteOutbox>>(),
            sp.GetService<TimeProvider>(), sp.GetService<IMeterFactory>()));
        services.AddSingleton<ISampleSink>(sp => sp.GetRequiredService<SqliteOutbox>());
        services.AddSingleton(sp => new OutboxForwarder(sp.GetRequiredService<SqliteOutbox>(), sp.GetRequiredService<ITelemetryPublisher>(),
            sp.GetService<IAnomalyEventPublisher>(), retryPolicy: null, sp.GetService<ILogger<OutboxForwarder>>(), sp.GetService<TimeProvider>(),
            sp.GetService<IHealthRegistry>()));
        return services;
    }
}
