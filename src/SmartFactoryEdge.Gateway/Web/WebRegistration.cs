using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Gateway.Anomaly;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>Registers the web UI in the gateway's container: the live-value sink, the anomaly feed, metrics and the Kestrel host.</summary>
public static class WebRegistration
{
    public static void AddWebUi(IServiceCollection services, GatewayConfig config)
    {
        var web = config.Web ?? new WebOptions();
        services.AddSingleton(new LiveValueStore(web.TrendPoints));
        services.AddSingleton<ISampleSink>(sp => sp.GetRequiredService<LiveValueStore>());
        services.AddSingleton<AnomalyFeed>();
        services.AddSingleton<PrometheusExporter>();
        services.AddHostedService<WebUiService>();
    }
}

/// <summary>
/// Runs the web UI's own Kestrel application (WebApplication) beside the gateway's Generic Host, sharing the gateway's
/// singletons through <see cref="WebContext"/>. Started after the worker, stopped before it.
/// </summary>
internal sealed class WebUiService(IServiceProvider services, GatewayConfig config, ILogger<WebUiService> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var context = new WebContext(services, config);
        if (services.GetService<AnomalySink>() is { } anomalies) anomalies.Raised += context.Anomalies.Add;
        _app = WebApp.Build(context);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        WebLog.Listening(logger, string.Join(", ", addresses), context.PasswordConfigured);
        if (!context.PasswordConfigured) WebLog.NoPassword(logger, context.Options.PasswordHashEnvironmentVariable ?? "(none)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
    }
}

internal static partial class WebLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Web UI listening on {Addresses} (login configured: {PasswordConfigured})")]
    public static partial void Listening(ILogger logger, string addresses, bool passwordConfigured);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "Web UI has no usable password hash (web.passwordHash or environment variable {Variable}); every login is refused")]
    public static partial void NoPassword(ILogger logger, string variable);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Warning, Message = "Web login failed from {Remote}")]
    public static partial void LoginFailed(ILogger logger, string remote);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Information, Message = "Web login from {Remote}")]
    public static partial void LoginSucceeded(ILogger logger, string remote);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Information, Message = "Configuration saved to {Path} from the web UI ({Bytes} bytes; previous version kept as {Backup})")]
    public static partial void ConfigSaved(ILogger logger, string path, int bytes, string backup);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Information, Message = "Applied configuration: source {Source} {Action}")]
    public static partial void SourceApplied(ILogger logger, string source, string action);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Warning, Message = "Applied configuration: {Sections} changed and need a gateway restart to take effect")]
    public static partial void NeedsRestart(ILogger logger, string sections);
}
