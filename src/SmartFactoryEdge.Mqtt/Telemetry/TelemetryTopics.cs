namespace SmartFactoryEdge.Mqtt.Telemetry;

/// <summary>The topic layout of wire contract v1: sfe/v1/{site}/{gateway}/... and Sparkplug B's spBv1.0/{group}/{type}/{node}.</summary>
public sealed class TelemetryTopics(string site, string gatewayId)
{
    public const string ContractVersion = "v1";

    public string Root { get; } = $"sfe/{ContractVersion}/{site}/{gatewayId}";
    public string Telemetry => Root + "/telemetry";
    public string Anomaly => Root + "/anomaly";
    public string State => Root + "/state";
    public string Aas => Root + "/aas";
    public string Metrics => Root + "/metrics";
    public string CommandModel => Root + "/cmd/model";
    public string CommandConfig => Root + "/cmd/config";
    public string Commands => Root + "/cmd/#";

    public string SparkplugNodeBirth { get; } = $"spBv1.0/{site}/NBIRTH/{gatewayId}";
    public string SparkplugNodeData { get; } = $"spBv1.0/{site}/NDATA/{gatewayId}";
    public string SparkplugNodeDeath { get; } = $"spBv1.0/{site}/NDEATH/{gatewayId}";
    public string SparkplugNodeCommand { get; } = $"spBv1.0/{site}/NCMD/{gatewayId}";
}
