using SmartFactoryEdge.Anomaly.Internal;
using SmartFactoryEdge.Anomaly.Configuration;

namespace SmartFactoryEdge.Anomaly.ChangePoint;

/// <summary>Options for <see cref="SfeChangePointDetector"/>; defaults chosen on the SKAB development files (valve1).</summary>
public sealed record SfeChangePointOptions
{
    /// <summary>Rows of normal operation used to standardise and calibrate each channel (SKAB: 400).</summary>
    public int TrainingRows { get; init; } = 400;

    /// <summary>Leading training rows excluded from calibration while the smoothers settle.</summary>
    public int SettleRows { get; init; } = 100;

    /// <summary>Weight of the fast EWMA that smooths each standardised channel.</summary>
    public double FastLambda { get; init; } = 0.1;

    /// <summary>Weight of the slow EWMA regime reference (follows drift between change events).</summary>
    public double ReferenceLambda { get; init; } = 0.01;

    /// <summary>Calibration quantile of |fast − reference| over the training rows (the channel's unit).</summary>
    public double CalibrationQuantile { get; init; } = 0.99;

    /// <summary>A change event fires when a channel's deviation from the regime reference exceeds this many units.</summary>
    public double OnFactor { get; init; } = 3;

    /// <summary>Rows after an event during which no further event fires.</summary>
    public int Refractory { get; init; } = 60;

    /// <summary>Rows the alert stays true after an event (an event is a short pulse).</summary>
    public int PulseRows { get; init; } = 1;

    internal static SfeChangePointOptions From(Params p) => new()
    {
        TrainingRows = p.Int("trainingRows", 400), SettleRows = p.Int("settleRows", 100), FastLambda = p.Get("fastLambda", 0.1),
        ReferenceLambda = p.Get("referenceLambda", 0.01), CalibrationQuantile = p.Get("calibrationQuantile", 0.99),
        OnFactor = p.Get("onFactor", 3), Refractory = p.Int("refractory", 60), PulseRows = p.Int("pulseRows", 1),
    };
}

/// <summary>
/// Our multivariate change-point detector (designed on SKAB's change-point problem): each channel is standardised on the
/// training rows and smoothed by a fast EWMA; its deviation from a regime reference (a slow EWMA that follows drift) is
/// measured in units calibrated on the training rows. When the largest deviation exceeds <c>OnFactor</c> units, a change
/// event fires: the alert is a short pulse, every reference jumps to the current smoothed value (the new regime becomes
/// the baseline) and no event fires for <c>Refractory</c> rows. A transition that keeps moving therefore yields an event
/// at its start and again while it continues, and the return to normal is a change like any other.
/// A channel that is constant over the training rows (no scale to judge it by) is left out.
/// O(d) per row, no allocation. Output: Score = the largest deviation in units, Statistic = its channel, Level = Score/(Score + OnFactor).
/// </summary>
public sealed class SfeChangePointDetector : IMultivariateDetector
{
    private const int Version = 1;
    private readonly double[] _training;
    private readonly double[] _mean, _invSd, _fast, _ref, _unit;
    private readonly double[] _calib;
    private int _rows;
    private bool _calibrated;
    private int _sinceEvent = int.MaxValue / 2;

    public SfeChangePointDetector(int dimension, SfeChangePointOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Options = options ?? new SfeChangePointOptions();
        if (Options.TrainingRows <= Options.SettleRows + 10)
            throw new ArgumentOutOfRangeException(nameof(options), Options.TrainingRows, "TrainingRows must exceed SettleRows by at least 10.");
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.PulseRows, 1, nameof(options));
        Dimension = dimension;
        _training = new double[Options.TrainingRows * dimension];
        _calib = new double[Options.TrainingRows - Options.SettleRows];
        _mean = new double[dimension];
        _invSd = new double[dimension];
        _fast = new double[dimension];
        _ref = new double[dimension];
        _unit = new double[dimension];
    }

    public SfeChangePointOptions Options { get; }

    public string Kind => "sfe-changepoint";

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
        var fl = Options.FastLambda;
        var rl = Options.ReferenceLambda;
        for (var j = 0; j < d; j++)
        {
            var z = (row[j] - _mean[j]) * _invSd[j];
            _fast[j] += fl * (z - _fast[j]);
            var r = Math.Abs(_fast[j] - _ref[j]) / _unit[j];
            _ref[j] += rl * (_fast[j] - _ref[j]);
            if (r > best)
            {
                best = r;
                bestChannel = j;
            }
        }

        if (_sinceEvent < int.MaxValue / 2) _sinceEvent++;
        if (best > Options.OnFactor && _sinceEvent >= Options.Refractory)
        {
            _sinceEvent = 0;
            _fast.AsSpan().CopyTo(_ref);
        }

        var alert = _sinceEvent < Options.PulseRows;
        return new DetectorOutput(alert, best, double.NaN, bestChannel, best / (best + Options.OnFactor), Options.OnFactor);
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
            var sd = Math.Sqrt(s2 / n);
            // a channel that is constant during training has no scale to judge it by: it is left out (inverse sd 0)
            _invSd[j] = sd > 1e-9 * (Math.Abs(m) + 1) ? 1 / sd : 0;
        }

        // replay the training rows through the smoothers: the unit of each channel is a high quantile of its own deviation
        for (var j = 0; j < d; j++)
        {
            double f = 0, rf = 0;
            for (var r = 0; r < n; r++)
            {
                var z = (_training[r * d + j] - _mean[j]) * _invSd[j];
                f += Options.FastLambda * (z - f);
                if (r >= Options.SettleRows) _calib[r - Options.SettleRows] = Math.Abs(f - rf);
                rf += Options.ReferenceLambda * (f - rf);
            }

            Array.Sort(_calib);
            _unit[j] = _invSd[j] == 0 ? double.PositiveInfinity : Math.Max(Quantiles.OfSorted(_calib, Options.CalibrationQuantile), 1e-3);
            _fast[j] = f;
            _ref[j] = rf;
        }

        _calibrated = true;
    }

    public void Reset()
    {
        _rows = 0;
        _calibrated = false;
        _sinceEvent = int.MaxValue / 2;
        Array.Clear(_fast);
        Array.Clear(_ref);
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
        writer.WriteDoubles(_ref);
        writer.WriteDoubles(_unit);
        writer.WriteInt32(_sinceEvent);
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
        reader.ReadDoubles(_ref);
        reader.ReadDoubles(_unit);
        _sinceEvent = reader.ReadInt32();
    }
}
