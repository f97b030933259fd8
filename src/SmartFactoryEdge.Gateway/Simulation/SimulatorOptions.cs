using System.ComponentModel.DataAnnotations;
using SmartFactoryEdge.Core.Tags;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Gateway.Simulation;

/// <summary>Kinds of anomaly the simulator can inject (ground truth for detector evaluation).</summary>
public enum InjectedAnomalyKind
{
    /// <summary>One sample offset by magnitude x the signal's scale.</summary>
    Spike,
    /// <summary>A linear ramp from 0 to magnitude x scale over the window.</summary>
    Drift,
    /// <summary>A step of magnitude x scale held for the window.</summary>
    LevelShift,
    /// <summary>The sensor freezes at its value at the window's start.</summary>
    Stuck,
    /// <summary>The noise is multiplied by magnitude for the window.</summary>
    NoiseBurst,
}

/// <summary>One simulated line: machines, a sample rate, a seed, and anomalies to inject.</summary>
public sealed record SimulatorOptions : IValidatableConfig
{
    /// <summary>Names the source in logs, health and metrics.</summary>
    public required string Name { get; init; }

    /// <summary>Same seed, same options: same samples, bit for bit.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Samples per second per signal.</summary>
    [Range(0.001, 1_000_000)]
    public double RateHz { get; init; } = 1;

    /// <summary>True paces samples to the wall clock; false generates as fast as the pipeline takes them (benchmarks, backfills).</summary>
    public bool Realtime { get; init; } = true;

    /// <summary>The first sample's timestamp; default: the moment the gateway starts.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Stop after this many samples per signal; default: run until stopped.</summary>
    [Range(1, long.MaxValue)]
    public long? MaxSamplesPerSignal { get; init; }

    [MinLength(1)]
    public required List<SimulatedMachineOptions> Machines { get; init; }

    /// <summary>Anomalies at fixed times after the start.</summary>
    public List<AnomalyInjectionOptions> Anomalies { get; init; } = [];

    /// <summary>Anomalies at random (seeded) times.</summary>
    public RandomAnomalyOptions? RandomAnomalies { get; init; }

    /// <summary>Where the ground-truth labels (CSV) are written; default: none.</summary>
    public string? Labels { get; init; }

    public IEnumerable<(string? Key, string Message)> Validate()
    {
        if (Name is not null && !TagDefinition.IsValidId(Name))
            yield return ("name", $"'{Name}' is not a valid source name (letters, digits, '.', '_', '-')");
        var assets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in Machines)
        {
            if (m.Asset is not null && !assets.Add(m.Asset))
                yield return ("machines", $"asset '{m.Asset}' is simulated twice in this line");
        }
    }
}

public sealed record SimulatedMachineOptions : IValidatableConfig
{
    /// <summary>furnace, fermenter or pump.</summary>
    public required string Kind { get; init; }

    /// <summary>The asset id; the machine's tags are named {asset}.{signal}.</summary>
    public required string Asset { get; init; }

    /// <summary>Furnace heating zones (each with a thermocouple).</summary>
    [Range(1, 32)]
    public int Zones { get; init; } = 3;

    /// <summary>Furnace soak temperature (°C) or fermenter temperature setpoint (°C).</summary>
    public double? Setpoint { get; init; }

    /// <summary>Multiplies every signal's measurement noise.</summary>
    [Range(0.0, 100.0)]
    public double NoiseScale { get; init; } = 1.0;

    /// <summary>Length of one process cycle (furnace recipe, fermentation batch, pump duty); default per kind.</summary>
    public TimeSpan? Cycle { get; init; }

    public IEnumerable<(string? Key, string Message)> Validate()
    {
        if (Kind is not null && !ProcessModels.Kinds.Contains(Kind))
            yield return ("kind", $"'{Kind}' is not a simulated machine kind ({string.Join(", ", ProcessModels.Kinds)})");
        if (Asset is not null && !TagDefinition.IsValidId(Asset))
            yield return ("asset", $"'{Asset}' is not a valid asset id (letters, digits, '.', '_', '-')");
        if (Cycle is { } c && c < TimeSpan.FromSeconds(10))
            yield return ("cycle", $"must be at least 10s (got {c})");
    }
}

public sealed record AnomalyInjectionOptions
{
    /// <summary>The tag to disturb, e.g. furnace1.zone2.temperature.</summary>
    public required string Tag { get; init; }

    public required InjectedAnomalyKind Kind { get; init; }

    /// <summary>Time after the start of the line.</summary>
    public required TimeSpan At { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>In multiples of the signal's natural scale (its noise level); for noise bursts, the noise factor.</summary>
    [Range(-1000.0, 1000.0)]
    public double Magnitude { get; init; } = 6;
}

public sealed record RandomAnomalyOptions
{
    [Range(0, 100_000)]
    public int Count { get; init; } = 5;

    /// <summary>Kinds to draw from; default: all.</summary>
    public List<InjectedAnomalyKind> Kinds { get; init; } = [];

    /// <summary>Anomalies are placed between the start and this time after it.</summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromSeconds(60);

    [Range(0.1, 1000.0)]
    public double Magnitude { get; init; } = 6;

    /// <summary>Restrict to these tags; default: every simulated signal.</summary>
    public List<string> Tags { get; init; } = [];
}
