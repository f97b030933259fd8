namespace SmartFactoryEdge.Anomaly.Configuration;

/// <summary>
/// The `anomaly` section of the gateway YAML: detectors per tag (univariate) and per asset (multivariate over a list of tags).
/// <code>
/// anomaly:
///   publishScores: false
///   tags:
///     - tag: furnace1/zone1/temperature
///       detectors:
///         - kind: sr
///           parameters: { windowSize: 64, threshold: 0.3 }
///         - kind: iid-changepoint
///           parameters: { confidence: 95, changeHistoryLength: 20 }
///   assets:
///     - asset: pump1
///       tags: [pump1/current, pump1/pressure, pump1/flow]
///       detectors:
///         - kind: pca-t2spe
///           parameters: { trainingRows: 400, alpha: 0.001 }
/// </code>
/// </summary>
public sealed record AnomalyOptions
{
    public const string SectionName = "anomaly";

    public bool Enabled { get; init; } = true;

    /// <summary>Also publish every score as telemetry (tag "&lt;tag&gt;/anomaly/&lt;detector&gt;").</summary>
    public bool PublishScores { get; init; }

    public List<TagAnomalyOptions> Tags { get; init; } = [];

    public List<AssetAnomalyOptions> Assets { get; init; } = [];
}

/// <summary>Detectors for one tag.</summary>
public sealed record TagAnomalyOptions
{
    public string Tag { get; init; } = "";

    public List<DetectorOptions> Detectors { get; init; } = [];
}

/// <summary>Multivariate detectors for one asset: a row is the latest value of each tag, emitted when all tags have a new value.</summary>
public sealed record AssetAnomalyOptions
{
    public string Asset { get; init; } = "";

    public List<string> Tags { get; init; } = [];

    public List<DetectorOptions> Detectors { get; init; } = [];
}

/// <summary>One detector: its kind (see <see cref="DetectorFactory.Kinds"/>) and named numeric parameters (camelCase, as in the README).</summary>
public sealed record DetectorOptions
{
    public string Kind { get; init; } = "";

    /// <summary>Name used in events; defaults to the kind.</summary>
    public string? Name { get; init; }

    public Dictionary<string, double> Parameters { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model version reported in anomaly events.</summary>
    public string ModelVersion { get; init; } = "builtin";
}
