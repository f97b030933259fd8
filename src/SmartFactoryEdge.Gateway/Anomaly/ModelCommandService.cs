using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Mqtt.Telemetry;

namespace SmartFactoryEdge.Gateway.Anomaly;

/// <summary>Hands `cmd/model` payloads from the MQTT sink to the <see cref="AssetModelManager"/> (validated and staged there).</summary>
public sealed class ModelCommandService(MqttTelemetrySink sink, AssetModelManager models, ILogger<ModelCommandService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        sink.CommandReceivedAsync += OnCommandAsync;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        sink.CommandReceivedAsync -= OnCommandAsync;
        return Task.CompletedTask;
    }

    private Task OnCommandAsync(TelemetryCommand command)
    {
        if (command.Name != "model" || command.Payload.Length == 0) return Task.CompletedTask; // an empty retained payload clears the topic
        var result = models.Offer(command.Payload.Span, command.Topic);
        ModelCommandLog.Offered(logger, command.Topic, result.Accepted, result.Changed.Count);
        return Task.CompletedTask;
    }
}

internal static partial class ModelCommandLog
{
    [LoggerMessage(EventId = 1520, Level = LogLevel.Debug, Message = "cmd/model on {Topic}: accepted {Accepted}, {Changed} asset(s) change")]
    public static partial void Offered(ILogger logger, string topic, bool accepted, int changed);
}
