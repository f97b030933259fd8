using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Ensemble;

/// <summary>Options for <see cref="SfeAdaptiveDetector"/>; defaults are the values tuned on the SKAB development files (valve1).</summary>
public sealed record SfeAdaptiveOptions
{
    /// <summary>Rows of normal operation used to standardise and to calibrate the per-channel limits (SKAB: 400).</summary>
    public int TrainingRows { get; init; } = 400;

    /// <summary>Leading training rows excluded from calibration while the smoothers settle.</summary>
    public int SettleRows { get; init; } = 100;

    /// <summary>Weight of the fast EWMA that smooths each standardised channel.</summary>
    public double FastLambda { get; init; } = 0.15;

    /// <summary>Weight of the slow EWMA baseline that follows drift; frozen on a channel while that channel alarms.</summary>
    public double BaselineLambda { get; init; } = 0.005;

    /// <summary>Calibration quantile of |fast − baseline| over the training rows (the channel's unit of deviation).</summary>
    public double CalibrationQuantile { get; init; } = 0.99;

    /// <summary>A channel alarms when its deviation exceeds this many calibration units.</summary>
    public double OnFactor { get; init; } = 3;

    /// <summary>An alarming channel clears when its deviation falls below OnFactor × this.</summary>
    public double OffFraction { get; init; } = 0.6;

    /// <summary>Rows the combined alarm must stay clear before it is released (debounce).</summary>
    public int OffDelay { get; init; } = 30;

    internal static SfeAdaptiveOptions From(Params p) => new()
    {
        TrainingRows = p.Int("trainingRows", 400), SettleRows = p.Int("settleRows", 100), FastLambda = p.Get("fastLambda", 0.15),
        BaselineLambda = p.Get("baselineLambda", 0.005), CalibrationQuantile = p.Get("calibrationQuantile", 0.99), OnFactor = p.Get("onFactor", 3),
        OffFraction = p.Get("offFraction", 0.6), OffDelay = p.Int("offDelay", 30),
    };
}

/// <summary>
/// Our multivariate detector for process assets (designed on SKAB): each channel is standardised on the training rows and
/// smoothed by a fast EWMA; its deviation from a slow EWMA baseline (which follows slow drift such as a warming motor, and
/// freezes while the channel alarms) is measured in units calibrated on the training rows themselves (the 99th percentile
/// of |deviation|), so every channel gets a data-driven control limit instead of a textbook one that 400 rows cannot support.
/// A channel alarms above <c>OnFactor</c> units and clears below <c>OnFactor·OffFraction</c> (hysteresis); the asset alarms
/// while any channel does, released after <c>OffDelay</c> clear rows. O(d) per row, no allocation.
/// Output: Score = the largest channel deviation in units, Statistic = index of that channel, Level = Score/(Score + OnFactor).
/// </summary>
public sealed class SfeAdaptiveDetector : IMultivariateDetector
{
    private const int Version = 1;
    private readonly double[] _training;
    private readonly double[] _calib; // |dev| history during training, [row × d]
    private readonly double[] _mean, _invSd, _fast, _baseline, _unit;
    private readonly bool[] _channelOn;
    private int _rows;
    private bool _calibrated, _alarm;
    private int _clearFor;

    public SfeAdaptiveDetector(int dimension, SfeAdaptiveOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Options = options ?? new SfeAdaptiveOptions();
        if (Options.TrainingRows <= Options.SettleRows + 10)
            throw new ArgumentOutOfRangeException(nameof(options), Options.TrainingRows, "TrainingRows must exceed SettleRows by at least 10.");
        Dimension = dimension;
        _training = new double[Options.TrainingRows * dimension];
        _calib = new double[Options.TrainingRows * dimension];
        _mean = new double[dimension];
        _invSd = new double[dimension];
        _fast = new double[dimension];
        _baseline = new double[dimension];
        _unit = new double[dimension];
        _channelOn = new bool[dimension];
    }

    public SfeAdaptiveOptions Options { get; }

    public string Kind => "sfe-adaptive";

    public int Dimension { get; }

    public DetectorOutput Update(ReadOnlySpan<double> row)
    {
        if (row.Length != Dimension) throw new ArgumentException($"Row has {row.Length} values, the detector {Dimension}.", nameof(row));
        foreach (var v in row)
            if (double.IsNaN(v)) return DetectorOutput.WarmingUp;
        var d = Dimension;
        if (_rows < Options.TrainingRows)
        {
            row.CopyTo(_training.AsSpan(_rows * d, d));
            _rows++;
            if (_rows == Options.TrainingRows) Calibrate();
            return DetectorOutput.WarmingUp;
        }

        _rows++;
        double best = 0;
        var bestChannel = 0;
        var any = false;
        var onK = Options.OnFactor;
        var offK = Options.OnFactor * Options.OffFraction;
        for (var j = 0; j < d; j++)
        {
            var z = (row[j] - _mean[j]) * _invSd[j];
            _fast[j] += Options.FastLambda * (z - _fast[j]);
            var r = Math.Abs(_fast[j] - _baseline[j]) / _unit[j];
            _channelOn[j] = _channelOn[j] ? r > offK : r > onK;
            if (_channelOn[j]) any = true;
            else _baseline[j] += Options.BaselineLambda * (z - _baseline[j]);
            if (r > best)
            {
                best = r;
                bestChannel = j;
            }
        }

        if (any)
        {
            _alarm = true;
            _clearFor = 0;
        }
        else if (_alarm && ++_clearFor >= Options.OffDelay)
        {
            _alarm = false;
            _clearFor = 0;
        }

        return new DetectorOutput(_alarm, best, double.NaN, bestChannel, best / (best + onK), onK);
    }

    private void Calibrate()
    {
        var d = Dimension;
        var n = Options.TrainingRows;
        for (var j = 0; j < d; j++)
        {
            double s = 0, s2 = 0;
            for (var r = 0; r < n; r++) s += _training[r * d + j];
            var m = s / n;
            for (var r = 0; r < n; r++) s2 += (_training[r * d + j] - m) * (_training[r * d + j] - m);
            _mean[j] = m;
            _invSd[j] = 1 / Math.Max(Math.Sqrt(s2 / n), 1e-9);
        }

        // replay the training rows through the smoothers to learn each channel's deviation unit
        Array.Clear(_fast);
        Array.Clear(_baseline);
        var col = new double[n - Options.SettleRows];
        for (var r = 0; r < n; r++)
        for (var j = 0; j < d; j++)
        {
            var z = (_training[r * d + j] - _mean[j]) * _invSd[j];
            _fast[j] += Options.FastLambda * (z - _fast[j]);
            _calib[r * d + j] = Math.Abs(_fast[j] - _baseline[j]);
            _baseline[j] += Options.BaselineLambda * (z - _baseline[j]);
        }

        for (var j = 0; j < d; j++)
        {
            for (var r = Options.SettleRows; r < n; r++) col[r - Options.SettleRows] = _calib[r * d + j];
            _unit[j] = Math.Max(Quantiles.Of(col, Options.CalibrationQuantile), 1e-3);
        }

        _calibrated = true;
    }

    public void Reset()
    {
        _rows = 0;
        _calibrated = _alarm = false;
        _clearFor = 0;
        Array.Clear(_fast);
        Array.Clear(_baseline);
        Array.Clear(_channelOn);
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        writer.WriteInt32(_rows);
        writer.WriteDoubles(_training);
        writer.WriteBool(_calibrated);
        writer.WriteDoubles(_mean);
        writer.WriteDoubles(_invSd);
        writer.WriteDoubles(_fast);
        writer.WriteDoubles(_baseline);
        writer.WriteDoubles(_unit);
        for (var j = 0; j < Dimension; j++) writer.WriteBool(_channelOn[j]);
        writer.WriteBool(_alarm);
        writer.WriteInt32(_clearFor);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _rows = reader.ReadInt32();
        reader.ReadDoubles(_training);
        _calibrated = reader.ReadBool();
        reader.ReadDoubles(_mean);
        reader.ReadDoubles(_invSd);
        reader.ReadDoubles(_fast);
        reader.ReadDoubles(_baseline);
        reader.ReadDoubles(_unit);
        for (var j = 0; j < Dimension; j++) _channelOn[j] = reader.ReadBool();
        _alarm = reader.ReadBool();
        _clearFor = reader.ReadInt32();
    }
}
