using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Ensemble;

/// <summary>
/// Turns a raw score stream into a level in [0, 1): the z-score of the average of the last few raw scores against the
/// mean and spread of a long raw-score history (the "anomaly likelihood" idea of Ahmad et al., Neurocomputing 262, 2017),
/// mapped by z/(z + scale) so that it never saturates and one threshold can rank several streams. O(1), preallocated.
/// </summary>
internal sealed class LikelihoodChannel
{
    private readonly RingBuffer _hist, _recent;
    private readonly double _floor, _scale;
    private double _sum, _sum2, _recentSum;

    public LikelihoodChannel(int history, int average, double spreadFloor, double scale)
    {
        _hist = new RingBuffer(Math.Max(2, history));
        _recent = new RingBuffer(Math.Max(1, average));
        _floor = spreadFloor;
        _scale = scale;
    }

    /// <summary>Judges <paramref name="raw"/> (with the recent ones) against the history, then adds it to the history.</summary>
    public double Update(double raw)
    {
        if (!double.IsFinite(raw)) raw = 0;
        var level = 0.0;
        var d = _recent.Add(raw);
        _recentSum += raw - (double.IsNaN(d) ? 0 : d);
        var c = _hist.Count;
        if (c >= 10)
        {
            var m = _sum / c;
            var s = Math.Sqrt(Math.Max(0, _sum2 / c - m * m)) + _floor;
            var z = Math.Max(0, (_recentSum / _recent.Count - m) / s);
            level = z / (z + _scale);
            if (!double.IsFinite(level)) level = 0;
        }

        var old = _hist.Add(raw);
        _sum += raw - (double.IsNaN(old) ? 0 : old);
        _sum2 += raw * raw - (double.IsNaN(old) ? 0 : old * old);
        return level;
    }

    public void Reset()
    {
        _hist.Clear();
        _recent.Clear();
        _sum = _sum2 = _recentSum = 0;
    }

    public void Write(StateWriter w)
    {
        _hist.Write(w);
        _recent.Write(w);
        w.WriteDouble(_sum);
        w.WriteDouble(_sum2);
        w.WriteDouble(_recentSum);
    }

    public void Read(ref StateReader r)
    {
        _hist.Read(ref r);
        _recent.Read(ref r);
        _sum = r.ReadDouble();
        _sum2 = r.ReadDouble();
        _recentSum = r.ReadDouble();
    }
}
