using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Ensemble;

/// <summary>
/// Finds the dominant period of the first <c>learnSamples</c> values (largest autocorrelation peak above
/// <c>minCorrelation</c>, lags 4 … learnSamples/2), then scores x_t − x_{t−P}: the deviation of its short mean from its
/// long-run mean, in long-run standard deviations. Disabled (score 0) when no period is found. All buffers preallocated.
/// </summary>
internal sealed class SeasonalDifference
{
    private readonly int _learn;
    private readonly double _minCorrelation;
    private readonly double[] _first;
    private readonly RingBuffer _recent; // last maxLag + 1 values
    private readonly RingBuffer _diffs, _shortDiffs;
    private double _sum, _sum2, _shortSum;
    private int _seen;

    public SeasonalDifference(int learnSamples, int window, int shortWindow, double minCorrelation)
    {
        _learn = Math.Max(16, learnSamples);
        _minCorrelation = minCorrelation;
        _first = new double[_learn];
        _recent = new RingBuffer(_learn / 2 + 1);
        _diffs = new RingBuffer(Math.Max(2, window));
        _shortDiffs = new RingBuffer(Math.Max(1, shortWindow));
    }

    public int Period { get; private set; }

    /// <summary>Feeds a value; returns the seasonal raw score (0 while learning or without a period).</summary>
    public double Update(double x)
    {
        _recent.Add(x);
        if (_seen < _learn)
        {
            _first[_seen++] = x;
            if (_seen == _learn) Period = FindPeriod();
            return 0;
        }

        if (Period == 0) return 0;
        var d = x - _recent[_recent.Count - 1 - Period];
        var c = _diffs.Count;
        var raw = 0.0;
        var s = _shortDiffs.Add(d);
        _shortSum += d - (double.IsNaN(s) ? 0 : s);
        if (c >= 10)
        {
            var m = _sum / c;
            var sd = Math.Sqrt(Math.Max(0, _sum2 / c - m * m)) + 1e-9;
            raw = Math.Abs(_shortSum / _shortDiffs.Count - m) / sd;
        }

        var old = _diffs.Add(d);
        _sum += d - (double.IsNaN(old) ? 0 : old);
        _sum2 += d * d - (double.IsNaN(old) ? 0 : old * old);
        return raw;
    }

    private int FindPeriod()
    {
        var n = _first.Length;
        var mean = 0.0;
        foreach (var v in _first) mean += v;
        mean /= n;
        var var0 = 0.0;
        foreach (var v in _first) var0 += (v - mean) * (v - mean);
        if (var0 <= 0) return 0;
        int best = 0;
        var bestR = _minCorrelation;
        double prev = 1, prev2 = 1;
        for (var lag = 1; lag <= n / 2; lag++)
        {
            var s = 0.0;
            for (var i = lag; i < n; i++) s += (_first[i] - mean) * (_first[i - lag] - mean);
            var r = s / var0;
            // a local maximum of the autocorrelation (at lag − 1), high enough
            if (lag - 1 >= 4 && prev > prev2 && prev >= r && prev > bestR)
            {
                bestR = prev;
                best = lag - 1;
            }

            prev2 = prev;
            prev = r;
        }

        return best;
    }

    public void Write(StateWriter w)
    {
        w.WriteInt32(_seen);
        w.WriteInt32(Period);
        w.WriteDoubles(_first);
        _recent.Write(w);
        _diffs.Write(w);
        _shortDiffs.Write(w);
        w.WriteDouble(_sum);
        w.WriteDouble(_sum2);
        w.WriteDouble(_shortSum);
    }

    public void Read(ref StateReader r)
    {
        _seen = r.ReadInt32();
        Period = r.ReadInt32();
        if (_seen < 0 || _seen > _learn || Period < 0 || Period >= _recent.Capacity)
            throw new InvalidDataException($"Seasonal checkpoint out of range (seen {_seen}, period {Period}).");
        r.ReadDoubles(_first);
        _recent.Read(ref r);
        _diffs.Read(ref r);
        _shortDiffs.Read(ref r);
        _sum = r.ReadDouble();
        _sum2 = r.ReadDouble();
        _shortSum = r.ReadDouble();
    }

    public void Reset()
    {
        _seen = 0;
        Period = 0;
        _recent.Clear();
        _diffs.Clear();
        _shortDiffs.Clear();
        _sum = _sum2 = _shortSum = 0;
    }
}
