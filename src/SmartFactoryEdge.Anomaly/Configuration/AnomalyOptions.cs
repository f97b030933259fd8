namespace SmartFactoryEdge.Anomaly.Configuration;

/// <summary>
/// The `anomaly` section of the gateway YAML: detectors per tag (univariate) and per asset (multivariate over a list of tags).
/// <code>
/// anomaly:
///   publishScores: false
///   eventMode: onset      # one event per alarm (default); every: one event per alerting sample
///   clearAfter: 20        # an alarm clears after this many consecutive normal samples (rows for assets)
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

    /// <summary>
    /// When events are raised: <see cref="AnomalyEventMode.Onset"/> (default) raises one event when a detector's alert goes
    /// from normal to alert and nothing more until the alarm has cleared (ISA-18.2 style); <see cref="AnomalyEventMode.Every"/>
    /// raises one event per alerting sample.
    /// </summary>
    public AnomalyEventMode EventMode { get; init; } = AnomalyEventMode.Onset;

    /// <summary>
    /// Onset mode: an alarm clears once its detector has been normal for this many consecutive samples (rows for assets);
    /// an alert before that belongs to the same alarm. At least 1 (1: every normal-to-alert edge is an event). A detector may
    /// override it with its own <see cref="DetectorOptions.ClearAfter"/>.
    /// </summary>
    public int ClearAfter { get; init; } = DefaultClearAfter;

    /// <summary>The default <see cref="ClearAfter"/>, as for the pushed models' scorer.</summary>
    public const int DefaultClearAfter = 20;

    public List<TagAnomalyOptions> Tags { get; init; } = [];

    public List<AssetAnomalyOptions> Assets { get; init; } = [];

    /// <summary>The problems with the alarm settings (empty when valid), each naming the setting.</summary>
    public IEnumerable<string> ValidateAlarms()
    {
        if (ClearAfter < 1) yield return $"anomaly.clearAfter must be at least 1, got {ClearAfter}";
        if (!Enum.IsDefined(EventMode)) yield return $"anomaly.eventMode must be onset or every, got {EventMode}";
        foreach (var t in Tags)
        {
            foreach (var d in t.Detectors)
                if (d.ClearAfter is < 1) yield return $"anomaly.tags[{t.Tag}]: detector '{d.Name ?? d.Kind}' clearAfter must be at least 1, got {d.ClearAfter}";
        }
        foreach (var a in Assets)
        {
            foreach (var d in a.Detectors)
                if (d.ClearAfter is < 1) yield return $"anomaly.assets[{a.Asset}]: detector '{d.Name ?? d.Kind}' clearAfter must be at least 1, got {d.ClearAfter}";
        }
    }
}

/// <summary>When the anomaly stage raises events (see <see cref="AnomalyOptions.EventMode"/>).</summary>
public enum AnomalyEventMode
{
    /// <summary>One event per alarm: at the normal-to-alert edge, then none until the alarm has cleared.</summary>
    Onset,

    /// <summary>One event per alerting sample (the behaviour before alarms had states).</summary>
    Every,
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

    /// <summary>This detector's own <see cref="AnomalyOptions.ClearAfter"/>; null uses the section's.</summary>
    public int? ClearAfter { get; init; }

    /// <summary>Model version reported in anomaly events.</summary>
    public string ModelVersion { get; init; } = "builtin";
}
