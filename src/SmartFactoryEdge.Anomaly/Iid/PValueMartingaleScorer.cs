using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Iid;

/// <summary>
/// Turns a stream of raw anomaly scores into p-values (adaptive Gaussian-kernel density over the last
/// <c>windowSize</c> raw scores) and a Power or Mixture martingale over the last <c>windowSize</c> p-values,
/// with the same arithmetic, clamping and alert suppression as ML.NET's SequentialAnomalyDetectionTransformBase.
/// Shared by the IID and SSA detectors. Zero allocations per score.
/// </summary>
internal sealed class PValueMartingaleScorer
{
    public const double MinPValue = 1e-8;
    public const double MaxPValue = 1 - MinPValue;

    private readonly int _windowSize;
    private readonly AnomalySide _side;
    private readonly MartingaleType _martingale;
    private readonly AlertingScore _alertOn;
    private readonly double _epsilon;
    private readonly RingBuffer _rawScores;
    private readonly RingBuffer _logMartingaleUpdates;
    private readonly double[] _scratch;
    private double _logMartingale;
    private double _sumSquaredDist;
    private int _alertCounter;

    public PValueMartingaleScorer(int windowSize, AnomalySide side, MartingaleType martingale, AlertingScore alertOn, double epsilon, double threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The Power martingale epsilon must be in (0, 1).");
        if (alertOn == AlertingScore.MartingaleScore && martingale == MartingaleType.None)
            throw new ArgumentException("Alerting on the martingale needs a martingale type.", nameof(martingale));
        _windowSize = windowSize;
        _side = side;
        _martingale = martingale;
        _alertOn = alertOn;
        _epsilon = epsilon;
        Threshold = threshold;
        _rawScores = new RingBuffer(windowSize);
        _logMartingaleUpdates = new RingBuffer(windowSize);
        _scratch = new double[windowSize];
    }

    public double Threshold { get; }

    public static double LogPowerBetting(double p, double epsilon) => Math.Log(epsilon) + (epsilon - 1) * Math.Log(p);

    public static double LogMixtureBetting(double p)
    {
        var logP = Math.Log(p);
        return Math.Log(p * logP + 1 - p) - 2 * Math.Log(-logP) - logP;
    }

    /// <summary>The ML.NET change-point threshold for a confidence in percent: exp(window · log betting(1 − confidence/100)).</summary>
    public static double MartingaleThreshold(MartingaleType type, int windowSize, double confidence, double epsilon) => type switch
    {
        MartingaleType.Power => Math.Exp(windowSize * LogPowerBetting(1 - confidence / 100, epsilon)),
        MartingaleType.Mixture => Math.Exp(windowSize * LogMixtureBetting(1 - confidence / 100)),
        _ => double.MaxValue,
    };

    private double KernelPValue(double raw)
    {
        var n = _rawScores.Count;
        if (n == 0) return 0.5;
        var bandwidth = Math.Sqrt(2) * (n == 1 ? 1 : Math.Sqrt(_sumSquaredDist) / n);
        bandwidth = Math.Max(bandwidth, 1e-6);
        var hist = _scratch.AsSpan(0, n);
        _rawScores.CopyTo(hist);
        var p = -FastMath.SumErf(raw, 1 / bandwidth, hist, out var squares);
        _sumSquaredDist += squares;

        p = 0.5 + p / (2 * n);
        if (_rawScores.IsFull)
        {
            // the oldest score leaves: remove its distances to the others and to the new one
            var first = hist[0];
            var rest = FastMath.SumSquaredDiff(first, hist[1..]);

            var dl = first - raw;
            _sumSquaredDist -= rest + dl * dl;
        }

        return p;
    }

    /// <summary>Scores one raw value. Returns alert, p-value and martingale (NaN where the alerting mode does not compute them).</summary>
    public DetectorOutput Score(double rawValue)
    {
        double pValue = double.NaN, martingale = double.NaN;
        var raw = (double)(float)rawValue; // ML.NET keeps raw scores as Single
        var compared = raw;
        if (_alertOn == AlertingScore.RawScore)
        {
            compared = _side switch { AnomalySide.Negative => -raw, AnomalySide.Positive => raw, _ => Math.Abs(raw) };
            _rawScores.Add(compared);
        }
        else
        {
            pValue = KernelPValue(raw);
            pValue = _side switch { AnomalySide.Negative => 1 - pValue, AnomalySide.Positive => pValue, _ => Math.Min(pValue, 1 - pValue) };
            pValue = Math.Clamp(pValue, MinPValue, MaxPValue);
            _rawScores.Add(raw);
            if (_martingale != MartingaleType.None && _alertOn == AlertingScore.MartingaleScore)
            {
                var update = _martingale == MartingaleType.Power ? LogPowerBetting(pValue, _epsilon) : LogMixtureBetting(pValue);
                if (_logMartingaleUpdates.Count == 0)
                {
                    for (var i = 0; i < _windowSize; i++) _logMartingaleUpdates.Add(update);
                    _logMartingale += _windowSize * update;
                }
                else
                {
                    _logMartingale += update;
                    _logMartingale -= _logMartingaleUpdates.First;
                    _logMartingaleUpdates.Add(update);
                }

                martingale = Math.Exp(_logMartingale);
            }
        }

        var alert = false;
        if (_rawScores.IsFull)
        {
            switch (_alertOn)
            {
                case AlertingScore.RawScore:
                    alert = compared >= Threshold;
                    break;
                case AlertingScore.PValueScore:
                    alert = pValue <= Threshold;
                    break;
                default:
                    alert = martingale >= Threshold;
                    if (alert)
                    {
                        if (_alertCounter > 0) alert = false;
                        else _alertCounter = _windowSize;
                    }

                    _alertCounter = Math.Max(0, _alertCounter - 1);
                    break;
            }
        }

        var level = _alertOn switch
        {
            AlertingScore.MartingaleScore => _logMartingale <= 0 ? 0 : Math.Min(1, _logMartingale / (2 * Math.Log(Threshold))),
            AlertingScore.PValueScore => 1 - pValue,
            _ => compared / (Math.Abs(compared) + Threshold),
        };
        var statistic = _alertOn == AlertingScore.MartingaleScore ? martingale : double.NaN;
        return new DetectorOutput(alert, raw, pValue, statistic, _rawScores.IsFull ? Math.Clamp(level, 0, 1) : 0, Threshold);
    }

    public void Reset()
    {
        _rawScores.Clear();
        _logMartingaleUpdates.Clear();
        _logMartingale = 0;
        _sumSquaredDist = 0;
        _alertCounter = 0;
    }

    public void Write(StateWriter w)
    {
        _rawScores.Write(w);
        _logMartingaleUpdates.Write(w);
        w.WriteDouble(_logMartingale);
        w.WriteDouble(_sumSquaredDist);
        w.WriteInt32(_alertCounter);
    }

    public void Read(ref StateReader r)
    {
        _rawScores.Read(ref r);
        _logMartingaleUpdates.Read(ref r);
        _logMartingale = r.ReadDouble();
        _sumSquaredDist = r.ReadDouble();
        _alertCounter = r.ReadInt32();
    }
}
