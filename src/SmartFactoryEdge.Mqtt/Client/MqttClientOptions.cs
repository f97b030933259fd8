using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Mqtt.Client;

/// <summary>TLS settings of the broker connection. Server certificate validation is on unless explicitly turned off.</summary>
public sealed record MqttClientTlsOptions
{
    /// <summary>Connect with TLS (SslStream).</summary>
    public bool UseTls { get; init; }

    /// <summary>PEM file with the CA certificate(s) to trust for the broker (custom root trust); null uses the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>Client certificate: a .pfx/.p12 file, or a PEM certificate (with <see cref="ClientKeyFile"/> or the key in the same file).</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>PEM private key of the client certificate, when it is a separate file.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>Password of the PFX file. Never logged.</summary>
    public string? ClientCertificatePassword { get; init; }

    /// <summary>Host name the server certificate must carry; defaults to <see cref="MqttClientOptions.Host"/>.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Accept any server certificate. For tests only: it removes the protection TLS exists for.</summary>
    public bool AllowUntrustedCertificates { get; init; }
}

/// <summary>Options of <see cref="MqttClient"/> (connection, session, flow control, reconnect).</summary>
public sealed record MqttClientOptions
{
    public const string SectionName = "Mqtt:Client";

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    /// <summary>Client identifier; empty lets a 5.0 broker assign one (kept for reconnects so the session resumes).</summary>
    public string ClientId { get; init; } = "";

    /// <summary>Clean Start (5.0) / Clean Session (3.1.1) on the first connect. Reconnects always ask to resume the session.</summary>
    public bool CleanStart { get; init; } = true;

    /// <summary>MQTT 5.0 Session Expiry Interval in seconds (0: the session ends with the connection; uint.MaxValue: never).</summary>
    public uint SessionExpiryInterval { get; init; }

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    public string? Username { get; init; }

    /// <summary>Password; never logged.</summary>
    public string? Password { get; init; }

    /// <summary>Last will, published by the broker when this client disappears without DISCONNECT.</summary>
    public MqttApplicationMessage? Will { get; init; }

    /// <summary>MQTT 5.0 Will Delay Interval in seconds.</summary>
    public uint? WillDelayInterval { get; init; }

    public MqttClientTlsOptions Tls { get; init; } = new();

    /// <summary>Time allowed for the TCP/TLS connect, CONNACK, SUBACK/UNSUBACK and PINGRESP.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reconnect automatically (with <see cref="Reconnect"/>) after the connection is lost.</summary>
    public bool AutoReconnect { get; init; } = true;

    public RetryPolicyOptions Reconnect { get; init; } = new() { InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(30) };

    /// <summary>Our own cap on unacknowledged QoS 1/2 publishes; the broker's Receive Maximum lowers it further.</summary>
    public int MaxInFlight { get; init; } = 65_535;

    /// <summary>Receive Maximum we announce (5.0): how many QoS 1/2 messages the broker may have in flight to us.</summary>
    public ushort ReceiveMaximum { get; init; } = 65_535;

    /// <summary>Largest inbound packet accepted (and announced as Maximum Packet Size in 5.0).</summary>
    public int MaximumPacketSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Topic Alias Maximum we announce (5.0): aliases the broker may use towards us.</summary>
    public ushort TopicAliasMaximum { get; init; } = 64;

    /// <summary>Use topic aliases for outgoing publishes when the broker allows them (5.0).</summary>
    public bool UseTopicAliases { get; init; } = true;

    /// <summary>Capacity of the outgoing publish queue (producers wait when it is full).</summary>
    public int OutgoingQueueCapacity { get; init; } = 65_536;

    /// <summary>Packets are coalesced into writes of up to this many bytes.</summary>
    public int WriteBufferSize { get; init; } = 64 * 1024;

    /// <summary>User properties sent with CONNECT (5.0).</summary>
    public IReadOnlyList<MqttUserProperty>? UserProperties { get; init; }
}
