using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;

namespace SmartFactoryEdge.OpcUa.Source;

/// <summary>Registration of the OPC UA sources in the gateway's container.</summary>
public static class OpcUaServiceCollectionExtensions
{
    /// <summary>
    /// Validates the bound <c>sources.opcua</c> list and registers one <see cref="ISampleSource"/> per endpoint
    /// (health from <see cref="IHealthRegistry"/> and loggers from <see cref="ILoggerFactory"/> when registered).
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid; the message lists every problem with its key.</exception>
    public static IServiceCollection AddOpcUaSources(this IServiceCollection services, IReadOnlyList<OpcUaEndpointOptions> endpoints)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(endpoints);
        var errors = OpcUaOptionsValidator.Validate(endpoints);
        if (errors.Count > 0) throw new ArgumentException("Invalid OPC UA configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        foreach (var endpoint in endpoints)
        {
            services.AddSingleton<ISampleSource>(sp => new OpcUaSource(endpoint, sp.GetService<IHealthRegistry>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger<OpcUaSource>()));
        }
        return services;
    }
}
