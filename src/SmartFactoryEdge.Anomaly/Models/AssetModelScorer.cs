using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Anomaly.Models;

/// <summary>
/// Scores samples of one asset with a fixed <see cref="AssetModel"/>: each sample against its tag's limits
/// (detector "model-limits"), and each complete row (the latest value of every tag, emitted when all have a new value)
/// by T² and SPE against the model's control limits (detector "model-t2spe"). Alerts are edge-triggered with a
/// deadband: one event when a tag (or the row) enters alarm; the alarm clears only after <see cref="ClearAfter"/>
/// consecutive values back within the limits, so a noisy excursion is one event, not one per crossing. Events carry the model's
/// version. Not thread-safe: one consumer. No allocations per sample except the events themselves.
/// </summary>
public sealed class AssetModelScorer
{
    private readonly Dictionary<string, int> _index;
    private readonly double[] _mean, _invScale, _low, _high, _invLambda, _row, _z;
    private readonly double[][] _loadings;
    private readonly bool[] _fresh, _tagAlarm;
    private readonly int[] _tagNormalRun;
    private int _freshCount, _rowNormalRun;
    private bool _rowAlarm;

    /// <summary>Consecutive values within the limits that clear an alarm (the deadband).</summary>
    public const int ClearAfter = 20;
    private long _scored, _rows;

    /// <exception cref="ArgumentException">The model is not valid (<see cref="AssetModelJson.Validate"/>).</exception>
    public AssetModelScorer(AssetModel model, bool checkHash = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (checkHash)
        {
            var errors = AssetModelJson.Validate(model);
            if (errors.Count > 0) throw new ArgumentException($"Model {model.Version} for {model.Asset}: {string.Join(" ", errors)}", nameof(model));
        }
        Model = model;
        var d = model.Dimension;
        _index = new Dictionary<string, int>(d, StringComparer.Ordinal);
        for (var j = 0; j < d; j++) _index[model.Tags[j]] = j;
        _mean = [.. model.Pca.Mean];
        _invScale = model.Pca.Scale.Select(s => 1 / s).ToArray();
        _low = model.Limits.Select(l => l.Low).ToArray();
        _high = model.Limits.Select(l => l.High).ToArray();
        _loadings = model.Pca.Loadings.Select(r => r.ToArray()).ToArray();
        _invLambda = model.Pca.EigenValues.Select(l => 1 / l).ToArray();
        _row = new double[d];
        _z = new double[d];
        _fresh = new bool[d];
        _tagAlarm = new bool[d];
        _tagNormalRun = new int[d];
    }

    public AssetModel Model { get; }

    public string Version => Model.Version;

    /// <summary>Samples scored by this model.</summary>
    public long Scored => Interlocked.Read(ref _scored);

    /// <summary>Complete rows scored by T²/SPE.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>The row index of <paramref name="tag"/>, or -1 when the model does not use it.</summary>
    public int IndexOf(string tag) => _index.TryGetValue(tag, out var i) ? i : -1;

    /// <summary>Scores one value of the tag at <paramref name="index"/>; appends events; returns how many.</summary>
    public int Process(int index, string tagId, double value, DateTime timestamp, ICollection<AnomalyEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Interlocked.Increment(ref _scored);
        var n = 0;
        var outside = value < _low[index] || value > _high[index];
        if (outside && !_tagAlarm[index])
        {
            var half = (_high[index] - _low[index]) / 2;
            var centre = _low[index] + half;
            events.Add(new AnomalyEvent
            {
                TagId = tagId, AssetId = Model.Asset, Detector = "model-limits", Timestamp = timestamp, Score = Math.Abs(value - centre) / half, Threshold = 1,
                ModelVersion = Model.Version, Value = value,
                Window = new Dictionary<string, double> { ["low"] = _low[index], ["high"] = _high[index] },
            });
            n++;
        }
        if (outside)
        {
            _tagAlarm[index] = true;
            _tagNormalRun[index] = 0;
        }
        else if (_tagAlarm[index] && ++_tagNormalRun[index] >= ClearAfter) _tagAlarm[index] = false;

        _row[index] = value;
        if (!_fresh[index])
        {
            _fresh[index] = true;
            _freshCount++;
        }
        if (_freshCount < _row.Length) return n;
        Array.Clear(_fresh);
        _freshCount = 0;
        Interlocked.Increment(ref _rows);
        var (t2, spe) = Statistics(_row);
        var ratio = Math.Max(t2 / Model.Pca.T2Limit, spe / Model.Pca.SpeLimit);
        var alarm = ratio > 1;
        if (alarm && !_rowAlarm)
        {
            events.Add(new AnomalyEvent
            {
                AssetId = Model.Asset, Detector = "model-t2spe", Timestamp = timestamp, Score = ratio, Threshold = 1, ModelVersion = Model.Version, Value = t2,
                Window = new Dictionary<string, double> { ["t2"] = t2, ["spe"] = spe, ["t2Limit"] = Model.Pca.T2Limit, ["speLimit"] = Model.Pca.SpeLimit },
            });
            n++;
        }
        if (alarm)
        {
            _rowAlarm = true;
            _rowNormalRun = 0;
        }
        else if (_rowAlarm && ++_rowNormalRun >= ClearAfter) _rowAlarm = false;
        return n;
    }

    /// <summary>Hotelling's T² in the retained subspace and the squared prediction error of one row.</summary>
    public (double T2, double Spe) Statistics(ReadOnlySpan<double> row)
    {
        var d = _mean.Length;
        var z = _z;
        var total = 0.0;
        for (var j = 0; j < d; j++)
        {
            z[j] = (row[j] - _mean[j]) * _invScale[j];
            total += z[j] * z[j];
        }
        var t2 = 0.0;
        var explained = 0.0;
        for (var c = 0; c < _loadings.Length; c++)
        {
            var p = _loadings[c];
            var t = 0.0;
            for (var j = 0; j < d; j++) t += p[j] * z[j];
            t2 += t * t * _invLambda[c];
            explained += t * t; // orthonormal loadings: |z|² = Σ t² + SPE
        }
        return (t2, Math.Max(0, total - explained));
    }
}
