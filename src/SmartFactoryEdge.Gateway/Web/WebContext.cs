using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>What the web endpoints read and act on: the gateway's singletons and the current configuration.</summary>
public sealed class WebContext
{
    private readonly Lock _gate = new();
    private GatewayConfig _config;

    public WebContext(IServiceProvider gateway, GatewayConfig config)
    {
        Services = gateway;
        _config = config;
        Options = config.Web ?? new WebOptions();
        Health = gateway.GetRequiredService<IHealthRegistry>();
        Pipeline = gateway.GetRequiredService<SamplePipeline>();
        Outbox = gateway.GetService<SqliteOutbox>();
        Mqtt = gateway.GetService<MqttTelemetrySink>();
        Live = gateway.GetService<LiveValueStore>() ?? new LiveValueStore(Options.TrendPoints);
        Anomalies = gateway.GetService<AnomalyFeed>() ?? new AnomalyFeed();
        Metrics = gateway.GetService<PrometheusExporter>() ?? new PrometheusExporter();
        Switchboard = gateway.GetService<SourceSwitchboard>();
        LoggerFactory = gateway.GetRequiredService<ILoggerFactory>();
        Time = gateway.GetService<TimeProvider>() ?? TimeProvider.System;
        Started = Time.GetUtcNow();
        var hash = Options.PasswordHash
            ?? (Options.PasswordHashEnvironmentVariable is { Length: > 0 } v ? Environment.GetEnvironmentVariable(v) : null);
        PasswordHash = hash is not null && PasswordHasher.TryParse(hash, out _, out _, out _) ? hash : null;
    }

    public IServiceProvider Services { get; }
    public WebOptions Options { get; }
    public IHealthRegistry Health { get; }
    public SamplePipeline Pipeline { get; }
    public SqliteOutbox? Outbox { get; }
    public MqttTelemetrySink? Mqtt { get; }
    public LiveValueStore Live { get; }
    public AnomalyFeed Anomalies { get; }
    public PrometheusExporter Metrics { get; }
    public SourceSwitchboard? Switchboard { get; }
    public ILoggerFactory LoggerFactory { get; }
    public TimeProvider Time { get; }
    public DateTimeOffset Started { get; }

    /// <summary>The verified-format hash, or null when none is configured (every login is then refused).</summary>
    internal string? PasswordHash { get; }

    public bool PasswordConfigured => PasswordHash is not null;

    /// <summary>One apply at a time: save and apply are serialised.</summary>
    public SemaphoreSlim ConfigLock { get; } = new(1, 1);

    /// <summary>The configuration the gateway runs with (replaced by an apply).</summary>
    public GatewayConfig Config
    {
        get { lock (_gate) return _config; }
        set { lock (_gate) _config = value; }
    }
}
