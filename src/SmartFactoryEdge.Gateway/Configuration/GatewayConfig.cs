using System.ComponentModel.DataAnnotations;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.Gateway.Sinks;

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

    /// <summary>The folder of the configuration file; relative paths in it are resolved against this folder.</summary>
    public string BaseDirectory { get; set; } = Environment.CurrentDirectory;

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

    public IEnumerable<(string? Key, string Message)> Validate()
    {
        if (Id is not null && !TagDefinition.IsValidId(Id))
            yield return ("id", $"'{Id}' is not a valid gateway id (letters, digits, '.', '_', '-'; it becomes an MQTT topic level)");
        if (Site is not null && !TagDefinition.IsValidId(Site))
            yield return ("site", $"'{Site}' is not a valid site id (letters, digits, '.', '_', '-')");
        if (!IsKnownTimeZone(TimeZone))
            yield return ("timeZone", $"'{TimeZone}' is not a known time zone (use an IANA id such as Asia/Seoul or UTC)");
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
}

public sealed record SinksOptions
{
    public FileSinkOptions? File { get; init; }

    public ConsoleSinkOptions? Console { get; init; }
}
