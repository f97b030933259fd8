using System.ComponentModel.DataAnnotations;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Devices.SensorSource;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.Modbus.Source;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.Gateway.Sinks;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Gateway.Configuration;

/// <summary>The whole gateway configuration file (config/gateway.example.yaml documents every key).</summary>
public sealed record GatewayConfig
{
    public required GatewayOptions Gateway { get; init; }

    public PipelineOptions Pipeline { get; init; } = new();

    /// <summary>Metadata for tags (unit, asset, description); sources may also define tags of their own.</summary>
    public List<TagDefinition> Tags { get; init; } = [];

    public List<AssetDefinition> Assets { get; init; } = [];

    public SourcesOptions Sources { get; init; } = new();

    public SinksOptions Sinks { get; init; } = new();

    /// <summary>Streaming detectors per tag and per asset (src/SmartFactoryEdge.Anomaly/README.md).</summary>
    public AnomalyOptions? Anomaly { get; init; }

    /// <summary>The uplink to the broker (wire contract v1, docs/wire-contract.md); absent: no uplink.</summary>
    public MqttSinkOptions? Mqtt { get; init; }

    /// <summary>The durable store-and-forward buffer in front of the uplink; defaults apply when MQTT is configured.</summary>
    public OutboxOptions? Outbox { get; init; }

    /// <summary>The local web UI and JSON API (Web/README.md); absent: no web UI.</summary>
    public Web.WebOptions? Web { get; init; }

    /// <summary>The MQTT options with the gateway's identity and this file's folder applied.</summary>
    public MqttSinkOptions? ResolvedMqtt() => Mqtt is null ? null : Mqtt with
    {
        GatewayId = Gateway.Id,
        Site = Gateway.Site,
        CaFile = Mqtt.CaFile is null ? null : ResolvePath(Mqtt.CaFile),
        ClientCertificateFile = Mqtt.ClientCertificateFile is null ? null : ResolvePath(Mqtt.ClientCertificateFile),
        ClientKeyFile = Mqtt.ClientKeyFile is null ? null : ResolvePath(Mqtt.ClientKeyFile),
    };

    /// <summary>The outbox options with the path resolved against this file's folder.</summary>
    public OutboxOptions ResolvedOutbox()
    {
        var outbox = Outbox ?? new OutboxOptions();
        return outbox with { Path = ResolvePath(outbox.Path) };
    }

    /// <summary>The folder of the configuration file; relative paths in it are resolved against this folder.</summary>
    public string BaseDirectory { get; set; } = Environment.CurrentDirectory;

    /// <summary>The file this configuration was loaded from (null when parsed from text); the web UI saves to it.</summary>
    public string? FilePath { get; set; }

    public string ResolvePath(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(BaseDirectory, path));
}

public sealed record GatewayOptions : IValidatableConfig
{
    public const string SectionName = "gateway";

    /// <summary>This gateway's id, unique within its site; it names MQTT topics and dataset rows.</summary>
    public required string Id { get; init; }

    /// <summary>The site (plant) the gateway is installed in.</summary>
    public required string Site { get; init; }

    public string? Description { get; init; }

    /// <summary>The plant's time zone (IANA id) for display and recipes; every timestamp on the wire stays UTC.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>How long a stop may take to drain queued samples into the sinks.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the status document (pipeline, outbox, health per endpoint) goes out on the `metrics` topic.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stop the process when every source has finished (simulations with maxSamplesPerSignal); false keeps the uplink running.</summary>
    public bool StopWhenSourcesFinish { get; init; } = true;

    public IEnumerable<(string? Key, string Message)> Validate()
    {
        if (Id is not null && !TagDefinition.IsValidId(Id))
            yield return ("id", $"'{Id}' is not a valid gateway id (letters, digits, '.', '_', '-'; it becomes an MQTT topic level)");
        if (Site is not null && !TagDefinition.IsValidId(Site))
            yield return ("site", $"'{Site}' is not a valid site id (letters, digits, '.', '_', '-')");
        if (!IsKnownTimeZone(TimeZone))
            yield return ("timeZone", $"'{TimeZone}' is not a known time zone (use an IANA id such as Asia/Seoul or UTC)");
        if (StatusInterval < TimeSpan.FromMilliseconds(100))
            yield return ("statusInterval", $"must be at least 100ms (got {StatusInterval})");
        if (ShutdownTimeout <= TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromMinutes(10))
            yield return ("shutdownTimeout", $"must be between 1ms and 10m (got {ShutdownTimeout})");
    }

    private static bool IsKnownTimeZone(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Contains("..", StringComparison.Ordinal) || id.EndsWith('/')) return false;
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

public sealed record SourcesOptions
{
    /// <summary>Simulated lines (process simulators with anomaly injection).</summary>
    public List<SimulatorOptions> Simulator { get; init; } = [];

    /// <summary>Sensors wired to the board (I2C, SPI, 1-Wire, GPIO); see src/SmartFactoryEdge.Devices/README.md.</summary>
    public SensorSourceOptions? Sensors { get; init; }

    /// <summary>Modbus TCP/RTU units to poll; see src/SmartFactoryEdge.Modbus/README.md.</summary>
    public ModbusSourceOptions? Modbus { get; init; }

    /// <summary>OPC UA servers (one entry per endpoint) and their subscribed tags; see src/SmartFactoryEdge.OpcUa/README.md.</summary>
    public List<OpcUaEndpointOptions> Opcua { get; init; } = [];

    /// <summary>Every configured source section that will produce samples.</summary>
    public int Count => Simulator.Count + Opcua.Count + (Sensors is { Enabled: true, Devices.Count: > 0 } ? 1 : 0) + (Modbus is { Devices.Count: > 0 } ? 1 : 0);
}

public sealed record SinksOptions
{
    public FileSinkOptions? File { get; init; }

    public ConsoleSinkOptions? Console { get; init; }
}
