using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Web;

namespace SmartFactoryEdge.Web.Tests;

/// <summary>The web application built in-process (not started) to read its route table.</summary>
internal static class InProcessWebApp
{
    public static HashSet<string> MappedRoutes()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IHealthRegistry>(new HealthRegistry());
        services.AddSingleton(new SamplePipeline(new PipelineOptions(), []));
        services.AddLogging();
        using var provider = services.BuildServiceProvider();
        var config = new GatewayConfig
        {
            Gateway = new GatewayOptions { Id = "gw", Site = "lab" },
            Web = new WebOptions { Port = 0, PasswordHash = PasswordHasher.Hash("x", 1000) },
        };
        var app = WebApp.Build(new WebContext(provider, config));
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => m + " /" + e.RoutePattern.RawText!.TrimStart('/')))
            .ToHashSet(StringComparer.Ordinal);
    }
}
