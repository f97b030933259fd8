using SmartFactoryEdge.Anomaly.Iid;

namespace SmartFactoryEdge.Anomaly.Ssa;

/// <summary>How the forecast error becomes the raw score (ML.NET ErrorFunction).</summary>
public enum ErrorFunction : byte
{
    SignedDifference,
    AbsoluteDifference,
    SignedProportion,
    AbsoluteProportion,
    SquaredDifference,
}

/// <summary>ML.NET <c>DetectSpikeBySsa</c> parameters and defaults.</summary>
public sealed record SsaSpikeOptions
{
    public double Confidence { get; init; } = 99;

    public int PValueHistoryLength { get; init; } = 100;

    /// <summary>Number of leading points the SSA model is trained on (default 100).</summary>
    public int TrainingWindowSize { get; init; } = 100;

    /// <summary>The embedding dimension L of the trajectory matrix; an upper bound on the season (default 10).</summary>
    public int SeasonalityWindowSize { get; init; } = 10;

    public AnomalySide Side { get; init; } = AnomalySide.TwoSided;

    public ErrorFunction ErrorFunction { get; init; } = ErrorFunction.SignedDifference;
}

/// <summary>ML.NET <c>DetectChangePointBySsa</c> parameters and defaults.</summary>
public sealed record SsaChangePointOptions
{
    public double Confidence { get; init; } = 95;

    public int ChangeHistoryLength { get; init; } = 20;

    public int TrainingWindowSize { get; init; } = 100;

    public int SeasonalityWindowSize { get; init; } = 10;

    public ErrorFunction ErrorFunction { get; init; } = ErrorFunction.SignedDifference;

    public MartingaleType Martingale { get; init; } = MartingaleType.Power;

    public double PowerMartingaleEpsilon { get; init; } = 0.1;
}

/// <summary>Shared SSA detector body: forecast, error, p-value/martingale scoring.</summary>
public abstract class SsaDetectorBase : IStreamingDetector
{
    private const int Version = 1;
    private readonly SsaModel _model;
    private readonly PValueMartingaleScorer _scorer;
    private readonly ErrorFunction _error;

    private protected SsaDetectorBase(int trainingWindow, int seasonalWindow, ErrorFunction error, PValueMartingaleScorer scorer)
    {
        _model = new SsaModel(seasonalWindow, trainingWindow, seasonalWindow / 2);
        _scorer = scorer;
        _error = error;
    }

    public abstract string Kind { get; }

    /// <summary>The rank the model chose at training (0 before).</summary>
    public int Rank => _model.Rank;

    /// <summary>The forecast the last error was computed against.</summary>
    public double LastForecast { get; private set; } = double.NaN;

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        if (!_model.IsTrained)
        {
            _model.Consume(value);
            return DetectorOutput.WarmingUp;
        }

        var expected = (double)(float)_model.PredictNext();
        LastForecast = expected;
        _model.Consume(value);
        var raw = _error switch
        {
            ErrorFunction.SignedDifference => value - expected,
            ErrorFunction.AbsoluteDifference => Math.Abs(value - expected),
            ErrorFunction.SignedProportion => value == 0 ? 0 : (value - expected) / value,
            ErrorFunction.AbsoluteProportion => value == 0 ? 0 : Math.Abs((value - expected) / value),
            _ => (value - expected) * (value - expected),
        };
        return _scorer.Score(raw);
    }

    public void Reset()
    {
        _model.Reset();
        _scorer.Reset();
        LastForecast = double.NaN;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _model.Write(writer);
        _scorer.Write(writer);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _model.Read(ref reader);
        _scorer.Read(ref reader);
    }
}

/// <summary>
/// SSA spike detector (ML.NET SsaSpikeDetector): raw score = error of the SSA one-step forecast, kernel p-value over the
/// last <see cref="SsaSpikeOptions.PValueHistoryLength"/> errors, alert when p ≤ 1 − confidence/100. Output [Alert, Raw Score, P-Value].
/// </summary>
public sealed class SsaSpikeDetector(SsaSpikeOptions? options = null) : SsaDetectorBase(
    (options ?? new()).TrainingWindowSize, (options ?? new()).SeasonalityWindowSize, (options ?? new()).ErrorFunction,
    new PValueMartingaleScorer((options ?? new()).PValueHistoryLength, (options ?? new()).Side, MartingaleType.None, AlertingScore.PValueScore, 0.1,
        1 - (options ?? new()).Confidence / 100))
{
    public SsaSpikeOptions Options { get; } = options ?? new();

    public override string Kind => "ssa-spike";
}

/// <summary>
/// SSA change-point detector (ML.NET SsaChangePointDetector): forecast errors, kernel p-values and a Power/Mixture martingale
/// over <see cref="SsaChangePointOptions.ChangeHistoryLength"/>. Output [Alert, Raw Score, P-Value, Martingale].
/// </summary>
public sealed class SsaChangePointDetector(SsaChangePointOptions? options = null) : SsaDetectorBase(
    (options ?? new()).TrainingWindowSize, (options ?? new()).SeasonalityWindowSize, (options ?? new()).ErrorFunction,
    new PValueMartingaleScorer((options ?? new()).ChangeHistoryLength, AnomalySide.TwoSided, (options ?? new()).Martingale, AlertingScore.MartingaleScore,
        (options ?? new()).PowerMartingaleEpsilon,
        PValueMartingaleScorer.MartingaleThreshold((options ?? new()).Martingale, (options ?? new()).ChangeHistoryLength, (options ?? new()).Confidence,
            (options ?? new()).PowerMartingaleEpsilon)))
{
    public SsaChangePointOptions Options { get; } = options ?? new();

    public override string Kind => "ssa-changepoint";
}
