using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Telemetry;

/// <summary>How telemetry payloads are encoded (docs/wire-contract.md).</summary>
public enum TelemetryEncoding
{
    /// <summary>JSON on sfe/v1/{site}/{gateway}/telemetry (the default).</summary>
    Json = 0,
    /// <summary>Sparkplug B protobuf on spBv1.0/{site}/NBIRTH|NDATA|NDEATH/{gateway}.</summary>
    SparkplugB = 1,
}

/// <summary>Options of the MQTT telemetry uplink (section "Mqtt" of the gateway configuration).</summary>
public sealed record MqttSinkOptions
{
    public const string SectionName = "Mqtt";

    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1883;
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    public bool UseTls { get; init; }
    /// <summary>PEM CA file to trust for the broker; null uses the system store.</summary>
    public string? CaFile { get; init; }
    /// <summary>Client certificate (.pfx/.p12 or PEM) for mutual TLS.</summary>
    public string? ClientCertificateFile { get; init; }
    public string? ClientKeyFile { get; init; }
    /// <summary>Name of the environment variable holding the PFX password (secrets never live in YAML).</summary>
    public string? ClientCertificatePasswordEnvironmentVariable { get; init; }
    /// <summary>For test rigs only: accept any broker certificate.</summary>
    public bool AllowUntrustedCertificates { get; init; }

    public string? Username { get; init; }
    /// <summary>Name of the environment variable holding the password (default SFE_MQTT_PASSWORD).</summary>
    public string PasswordEnvironmentVariable { get; init; } = "SFE_MQTT_PASSWORD";

    /// <summary>MQTT client id; defaults to "sfe-{GatewayId}".</summary>
    public string? ClientId { get; init; }

    /// <summary>Site (plant) id: the {site} topic level and the Sparkplug group id.</summary>
    public string Site { get; init; } = "default";

    /// <summary>Gateway id: the {gateway} topic level and the Sparkplug edge node id.</summary>
    public string GatewayId { get; init; } = "";

    public TelemetryEncoding Encoding { get; init; } = TelemetryEncoding.Json;

    /// <summary>QoS of telemetry and anomaly publishes; 1 (the default) lets the outbox delete a batch on PUBACK.</summary>
    public MqttQualityOfService QoS { get; init; } = MqttQualityOfService.AtLeastOnce;

    public int KeepAliveSeconds { get; init; } = 30;

    /// <summary>MQTT 5.0 session expiry, so commands and in-flight acks survive a short outage.</summary>
    public uint SessionExpirySeconds { get; init; } = 3600;

    /// <summary>
    /// Reconnect backoff (YAML <c>mqtt.retry</c>: initialDelay, maxDelay, multiplier, jitterFactor). The cap is short
    /// (5 s, ±20 % jitter) so that a backlog starts flowing within seconds of the broker's return.
    /// </summary>
    public RetryPolicyOptions Retry { get; init; } = new() { InitialDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(5), JitterFactor = 0.2 };

    /// <summary>Unacknowledged publishes allowed at once (the broker's Receive Maximum may lower it).</summary>
    public int MaxInFlight { get; init; } = 1000;

    /// <summary>Subscribe to cmd/model and cmd/config and raise <see cref="MqttTelemetrySink.CommandReceivedAsync"/>.</summary>
    public bool SubscribeCommands { get; init; } = true;

    /// <summary>Checks the rules that DataAnnotations cannot express; messages print the values.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(GatewayId)) errors.Add("Mqtt:GatewayId is required.");
        if (!IsTopicLevel(GatewayId)) errors.Add($"Mqtt:GatewayId '{GatewayId}' must not contain '/', '+' or '#'.");
        if (!IsTopicLevel(Site) || Site.Length == 0) errors.Add($"Mqtt:Site '{Site}' must be non-empty without '/', '+' or '#'.");
        if (Port is < 1 or > 65535) errors.Add($"Mqtt:Port {Port} is not a TCP port.");
        if (string.IsNullOrWhiteSpace(Host)) errors.Add("Mqtt:Host is required.");
        if (QoS > MqttQualityOfService.ExactlyOnce) errors.Add($"Mqtt:QoS {(int)QoS} must be 0, 1 or 2.");
        if (KeepAliveSeconds is < 0 or > 65535) errors.Add($"Mqtt:KeepAliveSeconds {KeepAliveSeconds} must be 0..65535.");
        if (CaFile is not null && !File.Exists(CaFile)) errors.Add($"Mqtt:CaFile '{CaFile}' does not exist.");
        if (ClientCertificateFile is not null && !File.Exists(ClientCertificateFile)) errors.Add($"Mqtt:ClientCertificateFile '{ClientCertificateFile}' does not exist.");
        if (MaxInFlight < 1) errors.Add($"Mqtt:MaxInFlight {MaxInFlight} must be at least 1.");
        return errors;
    }

    private static bool IsTopicLevel(string s) => s.AsSpan().IndexOfAny("/+#") < 0;
}
