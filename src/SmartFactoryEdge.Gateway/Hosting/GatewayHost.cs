using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Anomaly.Stage;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Gateway.Anomaly;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Devices.SensorSource;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.Gateway.Sinks;

namespace SmartFactoryEdge.Gateway.Hosting;

/// <summary>The composition root: turns a validated <see cref="GatewayConfig"/> into a running Generic Host.</summary>
public static class GatewayHost
{
    public static IHost Build(GatewayConfig config, LogLevel minimumLevel = LogLevel.Information)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            DisableDefaults = true,
            ContentRootPath = config.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = config.Gateway.ShutdownTimeout;
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(config.Gateway);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HealthRegistry>();
        builder.Services.AddSingleton<IHealthRegistry>(sp => sp.GetRequiredService<HealthRegistry>());
        UplinkRegistration.AddUplink(builder.Services, config);
        AddSinks(builder.Services, config);
        var anomalyConfigured = config.Anomaly is { Enabled: true } anomaly && (anomaly.Tags.Count > 0 || anomaly.Assets.Count > 0);
        if (anomalyConfigured || config.Mqtt is not null) // with an uplink, models pushed on cmd/model need the anomaly sink
        {
            // detector state survives restarts: restored from the checkpoint beside the outbox when the configuration matches
            var checkpoint = new AnomalyCheckpointFile(AnomalyCheckpointFile.DefaultPath(config), TimeSpan.FromSeconds(60));
            builder.Services.AddSingleton(sp => checkpoint.LoadOrCreate(anomalyConfigured ? config.Anomaly! : new SmartFactoryEdge.Anomaly.Configuration.AnomalyOptions(),
                sp.GetRequiredService<ILogger<AnomalySink>>()));
            builder.Services.AddSingleton<AnomalySink>(sp => new AnomalySink(sp.GetRequiredService<AnomalyStage>(),
                sp.GetService<SqliteOutbox>(), sp.GetRequiredService<ILogger<AnomalySink>>(), sp.GetService<AssetModelManager>(), checkpoint,
                sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton<ISampleSink>(sp => sp.GetRequiredService<AnomalySink>());
        }
        AddSimulators(builder.Services, config);
        if (config.Sources.Opcua.Count > 0)
            builder.Services.AddOpcUaSources(config.Sources.Opcua);
        if (config.Sources.Modbus is { Devices.Count: > 0 } modbus)
        {
            builder.Services.AddSingleton<ISampleSource>(sp => ModbusSourceRegistration.Create(modbus,
                sp.GetRequiredService<ILoggerFactory>(), sp.GetService<IHealthRegistry>(), sp.GetRequiredService<TimeProvider>()));
        }
        if (config.Sources.Sensors is { Enabled: true, Devices.Count: > 0 } sensors)
        {
            builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(sensors));
            builder.Services.AddSensorSource();
        }
        builder.Services.AddSingleton(sp => new SamplePipeline(config.Pipeline, sp.GetServices<ISampleSink>()));
        builder.Services.AddSingleton<SourceSwitchboard>();
        builder.Services.AddHostedService<GatewayWorker>();
        builder.Services.AddHostedService<NativeHeapTrimmer>();
        if (config.Web is { Enabled: true }) Web.WebRegistration.AddWebUi(builder.Services, config);
        return builder.Build();
    }

    private static void AddSinks(IServiceCollection services, GatewayConfig config)
    {
        if (config.Sinks.File is { Enabled: true } file)
        {
            services.AddSingleton<ISampleSink>(sp => new JsonLinesFileSink(file, config.ResolvePath(file.Path),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JsonLinesFileSink>>()));
        }
        if (config.Sinks.Console is { Enabled: true } console)
            services.AddSingleton<ISampleSink>(new ConsoleSink(console));
    }

    private static void AddSimulators(IServiceCollection services, GatewayConfig config)
    {
        foreach (var sim in config.Sources.Simulator)
        {
            services.AddSingleton<ISampleSource>(sp => new SimulatorSource(sim, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SimulatorSource>>(), sim.Labels is null ? null : config.ResolvePath(sim.Labels)));
        }
    }
}
