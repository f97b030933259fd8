namespace SmartFactoryEdge.Anomaly.Iid;

/// <summary>ML.NET <c>DetectIidSpike</c> parameters and defaults.</summary>
public sealed record IidSpikeOptions
{
    /// <summary>Confidence in [0, 100]; the alert fires when p ≤ 1 − confidence/100. ML.NET default 99.</summary>
    public double Confidence { get; init; } = 99;

    /// <summary>Number of past raw scores the p-value is computed against (ML.NET pvalueHistoryLength, default 100).</summary>
    public int PValueHistoryLength { get; init; } = 100;

    public AnomalySide Side { get; init; } = AnomalySide.TwoSided;
}

/// <summary>
/// IID spike detector (ML.NET IidSpikeDetector): the raw score is the value itself, the p-value comes from an adaptive
/// kernel density over the last <see cref="IidSpikeOptions.PValueHistoryLength"/> values; alert when p ≤ 1 − confidence/100.
/// Output as ML.NET's vector [Alert, Raw Score, P-Value]: <see cref="DetectorOutput.Alert"/>, <see cref="DetectorOutput.Score"/>,
/// <see cref="DetectorOutput.PValue"/>.
/// </summary>
public sealed class IidSpikeDetector : IStreamingDetector
{
    private const int Version = 1;
    private readonly PValueMartingaleScorer _scorer;

    public IidSpikeDetector(IidSpikeOptions? options = null)
    {
        Options = options ?? new IidSpikeOptions();
        if (Options.Confidence is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(options), Options.Confidence, "Confidence must be in [0, 100].");
        _scorer = new PValueMartingaleScorer(Options.PValueHistoryLength, Options.Side, MartingaleType.None, AlertingScore.PValueScore, 0.1, 1 - Options.Confidence / 100);
    }

    public IidSpikeOptions Options { get; }

    public string Kind => "iid-spike";

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
