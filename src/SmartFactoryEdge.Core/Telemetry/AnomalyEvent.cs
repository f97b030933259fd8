namespace SmartFactoryEdge.Core.Telemetry;

/// <summary>
/// A detector's alert for a tag (or an asset, for multivariate detectors), sent on the `anomaly` topic through the same
/// durable path as telemetry.
/// </summary>
public sealed record AnomalyEvent
{
    /// <summary>The tag the alert is about, or null for an asset-level (multivariate) alert.</summary>
    public string? TagId { get; init; }

    public string? AssetId { get; init; }

    /// <summary>The detector's configured name, e.g. "sr", "iid-changepoint", "pca-t2".</summary>
    public required string Detector { get; init; }

    /// <summary>The source timestamp of the sample that raised the alert, UTC.</summary>
    public required DateTime Timestamp { get; init; }

    public required double Score { get; init; }

    public required double Threshold { get; init; }

    /// <summary>The model version that scored it (content hash or "builtin").</summary>
    public string ModelVersion { get; init; } = "builtin";

    /// <summary>The value that triggered the alert.</summary>
    public double Value { get; init; }

    /// <summary>Window statistics at the time of the alert (mean, std, min, max), when the detector has them.</summary>
    public IReadOnlyDictionary<string, double>? Window { get; init; }
}
