namespace SmartFactoryEdge.Anomaly.Models;

/// <summary>
/// A trained, versioned model for one asset: a PCA T²/SPE monitor over the asset's tags with fixed control limits, and
/// per-tag limits. Trained by the center (<see cref="AssetModelTrainer"/>), carried on `cmd/model` as JSON
/// (<see cref="AssetModelJson"/>), scored at the edge by <see cref="AssetModelScorer"/>. <see cref="Version"/> is derived
/// from <see cref="ContentHash"/> (SHA-256 over the canonical JSON of everything but the version and the hash itself),
/// so a receiver can check that what it got is what was trained.
/// </summary>
public sealed record AssetModel
{
    /// <summary>The document kind on the wire.</summary>
    public const string DocumentKind = "sfe-asset-model";

    public required string Asset { get; init; }

    /// <summary>"{asset}@{first 12 hex digits of the content hash}".</summary>
    public string Version { get; init; } = "";

    /// <summary>"sha256:" + 64 hex digits.</summary>
    public string ContentHash { get; init; } = "";

    public required DateTime CreatedUtc { get; init; }

    /// <summary>Who trained it (user@host).</summary>
    public required string CreatedBy { get; init; }

    /// <summary>The variables, in row order.</summary>
    public required IReadOnlyList<string> Tags { get; init; }

    public required TrainingWindow Training { get; init; }

    /// <summary>Per tag (row order): statistics of the training rows.</summary>
    public required IReadOnlyList<TagStatistics> Statistics { get; init; }

    public required PcaParameters Pca { get; init; }

    /// <summary>Per tag (row order): the alarm limits of the univariate check.</summary>
    public required IReadOnlyList<TagLimits> Limits { get; init; }

    public required ModelEvaluation Evaluation { get; init; }

    /// <summary>Number of variables.</summary>
    public int Dimension => Tags.Count;
}

/// <summary>Where the training rows came from: [From, To) by source timestamp, the gateway and how many rows.</summary>
public sealed record TrainingWindow(string Site, string Gateway, DateTime FromUtc, DateTime ToUtc, int Rows, int FitRows, int HoldoutRows);

/// <summary>Statistics of one variable over the training rows.</summary>
public sealed record TagStatistics(string Tag, double Mean, double Std, double Min, double Max);

/// <summary>Alarm limits of one variable: below <see cref="Low"/> or above <see cref="High"/> is an alarm.</summary>
public sealed record TagLimits(string Tag, double Low, double High);

/// <summary>
/// The fitted PCA: per-variable centre and scale, the retained loadings ([component][variable]) with their eigenvalues,
/// and the T² and SPE control limits at <see cref="Alpha"/>.
/// </summary>
public sealed record PcaParameters(
    IReadOnlyList<double> Mean,
    IReadOnlyList<double> Scale,
    IReadOnlyList<IReadOnlyList<double>> Loadings,
    IReadOnlyList<double> EigenValues,
    double ExplainedVariance,
    double Alpha,
    double T2Limit,
    double SpeLimit);

/// <summary>How the model did on its own data: alarm rates on the fit rows and on the held-out tail of the window.</summary>
public sealed record ModelEvaluation(double FitAlarmRate, double HoldoutAlarmRate, double HoldoutTagAlarmRate, double MeanT2, double MeanSpe);

/// <summary>What the center publishes retained on `cmd/model`: the complete set of models a gateway should run.</summary>
public sealed record ModelSet
{
    /// <summary>The document kind on the wire.</summary>
    public const string DocumentKind = "sfe-model-set";

    public required DateTime PublishedUtc { get; init; }

    /// <summary>Who published it (user@host) and why ("train", "rollback").</summary>
    public required string PublishedBy { get; init; }

    public string Reason { get; init; } = "train";

    public required IReadOnlyList<AssetModel> Models { get; init; }
}
