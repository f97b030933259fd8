using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.Storage;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Storage.Forwarding;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Gateway.Hosting;

/// <summary>
/// Wires the uplink: pipeline -> SQLite outbox (a sink: a batch counts as accepted once it is committed to disk)
/// -> forwarder -> MQTT (a batch is deleted only after its PUBACK). The MQTT sink is registered first so that it
/// stops last: the worker drains into the outbox, the forwarder stops, then the sink publishes its death.
/// </summary>
public static class UplinkRegistration
{
    public static void AddUplink(IServiceCollection services, GatewayConfig config)
    {
        var mqtt = config.ResolvedMqtt();
        if (mqtt is null) return;
        // registered before the sink so that its command handler is attached before the sink connects (retained cmd/model)
        services.AddSingleton(sp => new Anomaly.AssetModelManager(config, ModelDirectory(config), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Anomaly.AssetModelManager>>()));
        services.AddHostedService<Anomaly.ModelCommandService>();
        var hostedBefore = services.Count(d => d.ServiceType == typeof(IHostedService));
        services.AddMqttTelemetry(mqtt);
        // the sink stops with its own short budget: after a drain that used up the host's shutdown timeout it still
        // says goodbye, and a cancelled stop never turns a clean shutdown into a failure
        for (int i = services.Count - 1; i >= 0 && services.Count(d => d.ServiceType == typeof(IHostedService)) > hostedBefore; i--)
        {
            if (services[i].ServiceType != typeof(IHostedService)) continue;
            services[i] = ServiceDescriptor.Singleton<IHostedService>(sp => new MqttSinkLifetime(sp.GetRequiredService<MqttTelemetrySink>(), sp.GetRequiredService<ILogger<MqttSinkLifetime>>()));
            break;
        }
        services.AddSingleton<IAnomalyEventPublisher>(sp => sp.GetRequiredService<MqttTelemetrySink>());
        services.AddSqliteOutbox(config.ResolvedOutbox(), config.Gateway.Id);
        services.AddHostedService<OutboxForwarderService>();
        services.AddHostedService<GatewayStatusReporter>();
    }

    /// <summary>Where pushed models, their audit log and detector checkpoints are kept: a "models" folder beside the outbox.</summary>
    public static string ModelDirectory(GatewayConfig config) => Path.Combine(Path.GetDirectoryName(config.ResolvedOutbox().Path)!, "models");

    private sealed class MqttSinkLifetime(MqttTelemetrySink sink, ILogger<MqttSinkLifetime> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => sink.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            using var own = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await sink.StopAsync(own.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                UplinkLog.SinkStopTimedOut(logger);
            }
        }
    }

    private sealed class OutboxForwarderService(OutboxForwarder forwarder, SqliteOutbox outbox, ILogger<OutboxForwarderService> logger) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => forwarder.RunAsync(stoppingToken);

        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            await base.StopAsync(cancellationToken);
            var s = outbox.GetStats();
            UplinkLog.OutboxSummary(logger, s.Path, s.AppendedSamples, s.AcknowledgedSamples, s.DroppedSamples, s.LastDropReason ?? "none", s.PendingSamples, s.ReplayedBatches,
                s.AppendedEvents, s.AcknowledgedEvents, s.PendingEvents);
        }
    }
}

internal static partial class UplinkLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Outbox {Path}: appended {Appended}, acknowledged {Acknowledged}, dropped {Dropped} sample(s) (last drop reason: {Reason}); {Pending} sample(s) pending for the next start; {Replayed} batch(es) replayed; anomaly events: appended {EventsAppended}, acknowledged {EventsAcknowledged}, pending {EventsPending}")]
    public static partial void OutboxSummary(ILogger logger, string path, long appended, long acknowledged, long dropped, string reason, long pending, long replayed,
        long eventsAppended, long eventsAcknowledged, long eventsPending);

    [LoggerMessage(EventId = 1399, Level = LogLevel.Warning, Message = "MQTT uplink did not stop within 3 s (death message or DISCONNECT not sent); the broker's will covers it")]
    public static partial void SinkStopTimedOut(ILogger logger);
}
