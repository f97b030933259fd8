namespace SmartFactoryEdge.Core.Tags;

/// <summary>Kinds of machine the industry templates know. Free text is allowed for others.</summary>
public static class AssetKinds
{
    public const string Furnace = "furnace";
    public const string Press = "press";
    public const string Fermenter = "fermenter";
    public const string Pump = "pump";
    public const string PowerMeter = "power-meter";
    public const string SprayDryer = "spray-dryer";
    public const string GasDetector = "gas-detector";
}

/// <summary>A machine on the line and the signals that describe it (the seed of its Asset Administration Shell).</summary>
public sealed record AssetDefinition
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    /// <summary>furnace, press, fermenter, pump, power-meter, ... (see <see cref="AssetKinds"/>).</summary>
    public required string Kind { get; init; }

    /// <summary>The industry template it was configured from (ceramics, semiconductor-parts, bio-pharma, food, hydrogen, mobility).</summary>
    public string? Industry { get; init; }

    public string? Manufacturer { get; init; }

    public string? SerialNumber { get; init; }

    /// <summary>The tag ids of its signals.</summary>
    public IReadOnlyList<string> Signals { get; init; } = [];
}
