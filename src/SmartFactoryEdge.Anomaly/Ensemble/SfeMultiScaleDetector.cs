using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Ensemble;

/// <summary>Options for <see cref="SfeMultiScaleDetector"/>; defaults chosen on the NAB development subset.</summary>
public sealed record SfeMultiScaleOptions
{
    /// <summary>Long window (samples): baseline mean, spread and value histogram.</summary>
    public int Window { get; init; } = 3000;

    /// <summary>Short averaging window (samples) of the level channel.</summary>
    public int Short { get; init; } = 5;

    /// <summary>Window (samples) of the volatility channel's short standard deviation.</summary>
    public int VolatilityWindow { get; init; } = 30;

    /// <summary>Window (samples) of the distribution channel's short histogram.</summary>
    public int EntropyWindow { get; init; } = 50;

    /// <summary>Histogram bins over baseline mean ± 3 baseline standard deviations (plus two tail bins).</summary>
    public int Bins { get; init; } = 10;

    /// <summary>The histogram bins are re-placed on the current baseline (mean ± 3σ) every this many samples, and both
    /// histograms rebuilt from the stored values (0: bins stay where the first baseline put them).</summary>
    public int RebinEvery { get; init; } = 3000;

    /// <summary>History (samples) of raw scores each channel's likelihood is judged against.</summary>
    public int History { get; init; } = 3000;

    /// <summary>Raw scores averaged for the likelihood.</summary>
    public int LikelihoodAverage { get; init; } = 3;

    /// <summary>Added to the spread of a channel's raw-score history.</summary>
    public double SpreadFloor { get; init; } = 0.22;

    /// <summary>Weight of the level-shift channel (|short mean − long mean| / long σ); 0 switches a channel off.</summary>
    public double LevelWeight { get; init; } = 1;

    /// <summary>Weight of the seasonal-difference channel (x_t − x_{t−P}, P found on the first <see cref="SeasonalLearn"/> samples).</summary>
    public double SeasonalWeight { get; init; } = 0.8;

    /// <summary>Weight of the jump channel (|x_t − x_{t−1}| / long σ); off by default (did not help on NAB).</summary>
    public double JumpWeight { get; init; }

    /// <summary>Weight of the volatility channel (short σ / long σ); off by default (did not help on NAB).</summary>
    public double VolatilityWeight { get; init; }

    /// <summary>Weight of the distribution channel (relative entropy of the short histogram against the long one).</summary>
    public double EntropyWeight { get; init; } = 1;

    /// <summary>Samples the seasonal channel learns its period from.</summary>
    public int SeasonalLearn { get; init; } = 750;

    /// <summary>Level at which the detector considers itself alarming.</summary>
    public double AlarmLevel { get; init; } = 0.64;

    /// <summary>After an alarm, levels are capped below the alarm level for this many samples.</summary>
    public int Suppress { get; init; } = 300;

    /// <summary>Samples before any score is given.</summary>
    public int Warmup { get; init; } = 50;

    internal static SfeMultiScaleOptions From(Params p) => new()
    {
        Window = p.Int("window", 3000), Short = p.Int("short", 5), VolatilityWindow = p.Int("volatilityWindow", 30), EntropyWindow = p.Int("entropyWindow", 50),
        Bins = p.Int("bins", 10), RebinEvery = p.Int("rebinEvery", 3000), History = p.Int("history", 3000), LikelihoodAverage = p.Int("likelihoodAverage", 3), SpreadFloor = p.Get("spreadFloor", 0.22),
        LevelWeight = p.Get("levelWeight", 1), SeasonalWeight = p.Get("seasonalWeight", 0.8), JumpWeight = p.Get("jumpWeight", 0),
        VolatilityWeight = p.Get("volatilityWeight", 0), EntropyWeight = p.Get("entropyWeight", 1), SeasonalLearn = p.Int("seasonalLearn", 750),
        AlarmLevel = p.Get("alarmLevel", 0.64), Suppress = p.Int("suppress", 300), Warmup = p.Int("warmup", 50),
    };
}

/// <summary>
/// Our univariate multi-scale detector for NAB-style streams: several cheap views of the stream — level shift, seasonal
/// difference, jump, volatility and the short-window value distribution against the long-window one (relative entropy,
/// after Wang et al., "Statistical techniques for online anomaly detection in data centers", IM 2011) — each become a
/// level through its own anomaly-likelihood normaliser; the largest weighted level wins; after an alarm further alarms are
/// suppressed for a while. O(bins) per sample, no allocation.
/// Output: Score = the level-shift raw score, Statistic = the short mean, Level = the combined level in [0, 1), PValue = 1 − Level.
/// </summary>
public sealed class SfeMultiScaleDetector : IStreamingDetector
{
    private const int Version = 1;
    private readonly RingBuffer _values, _short, _vol;
    private readonly LikelihoodChannel[] _channels;
    private readonly SeasonalDifference? _seasonal;
    private readonly double[] _weights;
    private readonly double[] _longHist, _shortHist; // bin counts
    private readonly RingBuffer _longBins, _shortBins;
    private double _sum, _sum2, _shortSum, _volSum, _volSum2, _prev = double.NaN, _binLo, _binWidth = double.NaN;
    private int _sinceAlarm = int.MaxValue / 2;
    private int _sinceRebin;

    public SfeMultiScaleDetector(SfeMultiScaleOptions? options = null)
    {
        Options = options ?? new SfeMultiScaleOptions();
        var o = Options;
        _values = new RingBuffer(Math.Max(2, o.Window));
        _short = new RingBuffer(Math.Max(1, o.Short));
        _vol = new RingBuffer(Math.Max(2, o.VolatilityWindow));
        _weights = [o.LevelWeight, o.SeasonalWeight, o.JumpWeight, o.VolatilityWeight, o.EntropyWeight];
        _channels = new LikelihoodChannel[_weights.Length];
        for (var i = 0; i < _channels.Length; i++) _channels[i] = new LikelihoodChannel(o.History, o.LikelihoodAverage, o.SpreadFloor, 1);
        if (o.SeasonalLearn > 0 && o.SeasonalWeight > 0) _seasonal = new SeasonalDifference(o.SeasonalLearn, o.Window, o.Short, 0.6);
        var bins = Math.Max(2, o.Bins) + 2;
        _longHist = new double[bins];
        _shortHist = new double[bins];
        _longBins = new RingBuffer(Math.Max(2, o.Window));
        _shortBins = new RingBuffer(Math.Max(2, o.EntropyWindow));
    }

    public SfeMultiScaleOptions Options { get; }

    public string Kind => "sfe-multiscale";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        var o = Options;
        var dropped = _short.Add(value);
        _shortSum += value - (double.IsNaN(dropped) ? 0 : dropped);
        var dv = _vol.Add(value);
        _volSum += value - (double.IsNaN(dv) ? 0 : dv);
        _volSum2 += value * value - (double.IsNaN(dv) ? 0 : dv * dv);
        var sraw = _seasonal?.Update(value) ?? 0;
        if (_values.Count < o.Warmup)
        {
            Push(value);
            _prev = value;
            return DetectorOutput.WarmingUp;
        }

        var c = _values.Count;
        var mean = _sum / c;
        var sd = Math.Sqrt(Math.Max(0, _sum2 / c - mean * mean)) + 1e-9 * (Math.Abs(mean) + 1);
        var shortMean = _shortSum / _short.Count;
        var level = 0.0;
        // 0: level shift
        var raw = Math.Abs(shortMean - mean) / sd;
        level = Math.Max(level, _weights[0] * _channels[0].Update(raw));
        // 1: seasonal difference
        if (_seasonal is not null && _seasonal.Period > 0) level = Math.Max(level, _weights[1] * _channels[1].Update(sraw));
        // 2: jump
        if (_weights[2] > 0) level = Math.Max(level, _weights[2] * _channels[2].Update(Math.Abs(value - _prev) / sd));
        // 3: volatility
        if (_weights[3] > 0)
        {
            var vn = _vol.Count;
            var vm = _volSum / vn;
            var vsd = Math.Sqrt(Math.Max(0, _volSum2 / vn - vm * vm));
            level = Math.Max(level, _weights[3] * _channels[3].Update(vsd / sd));
        }

        // 4: distribution (relative entropy of the short histogram against the long one)
        if (_weights[4] > 0) level = Math.Max(level, _weights[4] * _channels[4].Update(Entropy(value, mean, sd)));

        _prev = value;
        Push(value);
        _sinceAlarm++;
        if (_sinceAlarm <= o.Suppress) level = Math.Min(level, o.AlarmLevel * 0.99);
        var alert = level >= o.AlarmLevel;
        if (alert) _sinceAlarm = 0;
        return new DetectorOutput(alert, raw, 1 - level, shortMean, level, o.AlarmLevel);
    }

    private double Entropy(double value, double mean, double sd)
    {
        // bins are fixed once from the first baseline (mean ± 3 sd) so that counts stay consistent
        if (double.IsNaN(_binWidth) || (Options.RebinEvery > 0 && ++_sinceRebin >= Options.RebinEvery))
        {
            _binLo = mean - 3 * sd;
            _binWidth = 6 * sd / (_longHist.Length - 2);
            _sinceRebin = 0;
            Rebuild();
        }

        var b = Bin(value);
        var ol = _longBins.Add(b);
        if (!double.IsNaN(ol)) _longHist[(int)ol]--;
        _longHist[b]++;
        var os = _shortBins.Add(b);
        if (!double.IsNaN(os)) _shortHist[(int)os]--;
        _shortHist[b]++;
        var ns = (double)_shortBins.Count;
        var nl = (double)_longBins.Count;
        var k = _longHist.Length;
        var kl = 0.0;
        for (var i = 0; i < k; i++)
        {
            var p = (_shortHist[i] + 0.5) / (ns + 0.5 * k);
            var q = (_longHist[i] + 0.5) / (nl + 0.5 * k);
            kl += p * Math.Log(p / q);
        }

        return kl;
    }

    private int Bin(double value)
    {
        var pos = (value - _binLo) / _binWidth;
        var inner = _longHist.Length - 2;
        return !(pos >= 0) ? 0 : pos >= inner ? inner + 1 : 1 + (int)pos;
    }

    /// <summary>Re-bins the stored values (the long window, and its tail as the short window) on the current bin edges.</summary>
    private void Rebuild()
    {
        Array.Clear(_longHist);
        Array.Clear(_shortHist);
        _longBins.Clear();
        _shortBins.Clear();
        var n = _values.Count;
        var start = Math.Max(0, n - _longBins.Capacity);
        for (var i = start; i < n; i++)
        {
            var b = Bin(_values[i]);
            _longBins.Add(b);
            _longHist[b]++;
            if (i >= n - _shortBins.Capacity)
            {
                _shortBins.Add(b);
                _shortHist[b]++;
            }
        }
    }

    private void Push(double value)
    {
        var old = _values.Add(value);
        _sum += value - (double.IsNaN(old) ? 0 : old);
        _sum2 += value * value - (double.IsNaN(old) ? 0 : old * old);
    }

    public void Reset()
    {
        _values.Clear();
        _short.Clear();
        _vol.Clear();
        _longBins.Clear();
        _shortBins.Clear();
        Array.Clear(_longHist);
        Array.Clear(_shortHist);
        foreach (var ch in _channels) ch.Reset();
        _seasonal?.Reset();
        _sum = _sum2 = _shortSum = _volSum = _volSum2 = 0;
        _prev = double.NaN;
        _binLo = 0;
        _binWidth = double.NaN;
        _sinceAlarm = int.MaxValue / 2;
        _sinceRebin = 0;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _values.Write(writer);
        _short.Write(writer);
        _vol.Write(writer);
        _longBins.Write(writer);
        _shortBins.Write(writer);
        writer.WriteDoubles(_longHist);
        writer.WriteDoubles(_shortHist);
        foreach (var ch in _channels) ch.Write(writer);
        writer.WriteBool(_seasonal is not null);
        _seasonal?.Write(writer);
        writer.WriteDouble(_sum);
        writer.WriteDouble(_sum2);
        writer.WriteDouble(_shortSum);
        writer.WriteDouble(_volSum);
        writer.WriteDouble(_volSum2);
        writer.WriteDouble(_prev);
        writer.WriteDouble(_binLo);
        writer.WriteDouble(_binWidth);
        writer.WriteInt32(_sinceAlarm);
        writer.WriteInt32(_sinceRebin);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _values.Read(ref reader);
        _short.Read(ref reader);
        _vol.Read(ref reader);
        _longBins.Read(ref reader);
        _shortBins.Read(ref reader);
        reader.ReadDoubles(_longHist);
        reader.ReadDoubles(_shortHist);
        foreach (var ch in _channels) ch.Read(ref reader);
        if (reader.ReadBool() != (_seasonal is not null)) throw new InvalidDataException("Checkpoint was written with another seasonal setting.");
        _seasonal?.Read(ref reader);
        _sum = reader.ReadDouble();
        _sum2 = reader.ReadDouble();
        _shortSum = reader.ReadDouble();
        _volSum = reader.ReadDouble();
        _volSum2 = reader.ReadDouble();
        _prev = reader.ReadDouble();
        _binLo = reader.ReadDouble();
        _binWidth = reader.ReadDouble();
        _sinceAlarm = reader.ReadInt32();
        _sinceRebin = reader.ReadInt32();
    }
}
