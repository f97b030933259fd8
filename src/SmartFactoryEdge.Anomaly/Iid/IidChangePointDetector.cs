namespace SmartFactoryEdge.Anomaly.Iid;

/// <summary>ML.NET <c>DetectIidChangePoint</c> parameters and defaults.</summary>
public sealed record IidChangePointOptions
{
    /// <summary>Confidence in [0, 100] (ML.NET default 95); sets the martingale threshold exp(h · log betting(1 − c/100)).</summary>
    public double Confidence { get; init; } = 95;

    /// <summary>Length of the p-value history and of the martingale window (ML.NET changeHistoryLength, default 20).</summary>
    public int ChangeHistoryLength { get; init; } = 20;

    public MartingaleType Martingale { get; init; } = MartingaleType.Power;

    /// <summary>Epsilon of the Power martingale, in (0, 1), default 0.1.</summary>
    public double PowerMartingaleEpsilon { get; init; } = 0.1;
}

/// <summary>
/// IID change-point detector (ML.NET IidChangePointDetector): kernel p-values of the values themselves, a Power or
/// Mixture martingale over the last <see cref="IidChangePointOptions.ChangeHistoryLength"/> p-values, alert when the
/// martingale crosses its threshold (then silent for one history length).
/// Output as ML.NET's [Alert, Raw Score, P-Value, Martingale]: Alert, Score, PValue, Statistic.
/// </summary>
public sealed class IidChangePointDetector : IStreamingDetector
{
    private const int Version = 1;
    private readonly PValueMartingaleScorer _scorer;

    public IidChangePointDetector(IidChangePointOptions? options = null)
    {
        Options = options ?? new IidChangePointOptions();
        if (Options.Confidence is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(options), Options.Confidence, "Confidence must be in [0, 100].");
        var threshold = PValueMartingaleScorer.MartingaleThreshold(Options.Martingale, Options.ChangeHistoryLength, Options.Confidence, Options.PowerMartingaleEpsilon);
        _scorer = new PValueMartingaleScorer(Options.ChangeHistoryLength, AnomalySide.TwoSided, Options.Martingale, AlertingScore.MartingaleScore,
            Options.PowerMartingaleEpsilon, threshold);
    }

    public IidChangePointOptions Options { get; }

    public string Kind => "iid-changepoint";

    /// <summary>The martingale value at which an alert fires.</summary>
    public double MartingaleThreshold => _scorer.Threshold;

    public DetectorOutput Update(double value) => double.IsNaN(value) ? DetectorOutput.WarmingUp : _scorer.Score(value);

    public void Reset() => _scorer.Reset();

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _scorer.Write(writer);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _scorer.Read(ref reader);
    }
}
