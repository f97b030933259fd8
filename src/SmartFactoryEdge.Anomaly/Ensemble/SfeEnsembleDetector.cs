using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Ensemble;

/// <summary>Options for <see cref="SfeEnsembleDetector"/>; defaults tuned on the NAB development subset.</summary>
public sealed record SfeEnsembleOptions
{
    /// <summary>Long window (samples) for the baseline mean and spread.</summary>
    public int Window { get; init; } = 3000;

    /// <summary>Short averaging window (samples) for the current level.</summary>
    public int Short { get; init; } = 5;

    /// <summary>History (samples) of raw scores the likelihood is judged against.</summary>
    public int History { get; init; } = 2000;

    /// <summary>Raw scores averaged for the likelihood.</summary>
    public int LikelihoodAverage { get; init; } = 3;

    /// <summary>Level at which the detector considers itself alarming (for suppression and <see cref="DetectorOutput.Alert"/>).</summary>
    public double AlarmLevel { get; init; } = 0.65;

    /// <summary>After an alarm, levels are capped below the alarm level for this many samples.</summary>
    public int Suppress { get; init; } = 700;

    /// <summary>Added to the spread of the raw-score history so a flat history does not make every wiggle infinitely unlikely.</summary>
    public double SpreadFloor { get; init; } = 0.1;

    /// <summary>The likelihood z-score that maps to level 0.5.</summary>
    public double LevelScale { get; init; } = 1;

    /// <summary>Samples the seasonal channel learns its period from (0 disables it).</summary>
    public int SeasonalLearn { get; init; } = 750;

    /// <summary>Smallest autocorrelation peak accepted as a period.</summary>
    public double SeasonalMinCorrelation { get; init; } = 0.6;

    /// <summary>Short averaging window of the seasonal differences.</summary>
    public int SeasonalShort { get; init; } = 5;

    /// <summary>Weight of the seasonal channel's level against the level channel's.</summary>
    public double SeasonalWeight { get; init; } = 0.8;

    /// <summary>Samples before any score is given.</summary>
    public int Warmup { get; init; } = 50;

    internal static SfeEnsembleOptions From(Params p) => new()
    {
        Window = p.Int("window", 3000), Short = p.Int("short", 5), History = p.Int("history", 2000), LikelihoodAverage = p.Int("likelihoodAverage", 3),
        AlarmLevel = p.Get("alarmLevel", 0.65), Suppress = p.Int("suppress", 700), Warmup = p.Int("warmup", 50),
        SpreadFloor = p.Get("spreadFloor", 0.1), LevelScale = p.Get("levelScale", 1),
        SeasonalLearn = p.Int("seasonalLearn", 750), SeasonalMinCorrelation = p.Get("seasonalMinCorrelation", 0.6), SeasonalWeight = p.Get("seasonalWeight", 0.8), SeasonalShort = p.Int("seasonalShort", 5),
    };
}

/// <summary>
/// Our univariate detector for streams judged NAB-style (early, rare alarms): the deviation of a short running mean from a
/// long running baseline, in baseline standard deviations, becomes a raw score; its recent average is compared with the
/// distribution of past raw scores (the "anomaly likelihood" idea of Ahmad et al., Neurocomputing 262, 2017) to give a
/// level in [0, 1]; after an alarm, further alarms are suppressed for a while. O(1) per sample with running sums, no allocation.
/// </summary>
public sealed class SfeEnsembleDetector : IStreamingDetector
{
    private const int Version = 1;
    private readonly RingBuffer _values, _short, _raw, _rawShort;
    private double _sum, _sum2, _shortSum, _rawSum, _rawSum2, _rawShortSum;
    private long _n;
    private int _sinceAlarm = int.MaxValue / 2;
    private readonly SeasonalDifference? _seasonal;
    private readonly RingBuffer _sraw, _srawShort;
    private double _srawSum, _srawSum2, _srawShortSum;

    public SfeEnsembleDetector(SfeEnsembleOptions? options = null)
    {
        Options = options ?? new SfeEnsembleOptions();
        _values = new RingBuffer(Math.Max(2, Options.Window));
        _short = new RingBuffer(Math.Max(1, Options.Short));
        _raw = new RingBuffer(Math.Max(2, Options.History));
        _rawShort = new RingBuffer(Math.Max(1, Options.LikelihoodAverage));
        _sraw = new RingBuffer(Math.Max(2, Options.History));
        _srawShort = new RingBuffer(Math.Max(1, Options.LikelihoodAverage));
        if (Options.SeasonalLearn > 0) _seasonal = new SeasonalDifference(Options.SeasonalLearn, Options.Window, Options.SeasonalShort, Options.SeasonalMinCorrelation);
    }

    /// <summary>The period found by the seasonal channel (0: none or still learning).</summary>
    public int Period => _seasonal?.Period ?? 0;

    private double Likelihood(double raw, RingBuffer hist, RingBuffer recent, ref double sum, ref double sum2, ref double recentSum)
    {
        var rc = hist.Count;
        double level = 0;
        var d2 = recent.Add(raw);
        recentSum += raw - (double.IsNaN(d2) ? 0 : d2);
        if (rc >= 10)
        {
            var rm = sum / rc;
            var rs = Math.Sqrt(Math.Max(0, sum2 / rc - rm * rm)) + Options.SpreadFloor;
            var avg = recentSum / recent.Count;
            var z = Math.Max(0, (avg - rm) / rs);
            level = z / (z + Options.LevelScale); // monotone in the likelihood z-score, never saturates
            if (!double.IsFinite(level)) level = 0;
        }

        var old = hist.Add(raw);
        sum += raw - (double.IsNaN(old) ? 0 : old);
        sum2 += raw * raw - (double.IsNaN(old) ? 0 : old * old);
        return level;
    }

    public SfeEnsembleOptions Options { get; }

    public string Kind => "sfe-ensemble";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        _n++;
        var dropped = _short.Add(value);
        _shortSum += value - (double.IsNaN(dropped) ? 0 : dropped);
        if (_values.Count < Options.Warmup)
        {
            Push(value);
            _seasonal?.Update(value);
            return DetectorOutput.WarmingUp;
        }

        var c = _values.Count;
        var mean = _sum / c;
        var variance = Math.Max(0, _sum2 / c - mean * mean);
        var sd = Math.Sqrt(variance) + 1e-9 * (Math.Abs(mean) + 1);
        var shortMean = _shortSum / _short.Count;
        var raw = Math.Abs(shortMean - mean) / sd;
        Push(value);

        // likelihood of the recent raw-score average under the raw-score history, per channel; the larger wins
        var level = Likelihood(raw, _raw, _rawShort, ref _rawSum, ref _rawSum2, ref _rawShortSum);
        if (_seasonal is not null)
        {
            var sraw = _seasonal.Update(value);
            if (_seasonal.Period > 0)
                level = Math.Max(level, Options.SeasonalWeight * Likelihood(sraw, _sraw, _srawShort, ref _srawSum, ref _srawSum2, ref _srawShortSum));
        }

        _sinceAlarm++;
        if (_sinceAlarm <= Options.Suppress) level = Math.Min(level, Options.AlarmLevel * 0.99);
        var alert = level >= Options.AlarmLevel;
        if (alert) _sinceAlarm = 0;
        return new DetectorOutput(alert, raw, 1 - level, shortMean, level, Options.AlarmLevel);
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
        _raw.Clear();
        _rawShort.Clear();
        _sum = _sum2 = _shortSum = _rawSum = _rawSum2 = _rawShortSum = 0;
        _sraw.Clear();
        _srawShort.Clear();
        _srawSum = _srawSum2 = _srawShortSum = 0;
        _seasonal?.Reset();
        _n = 0;
        _sinceAlarm = int.MaxValue / 2;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _values.Write(writer);
        _short.Write(writer);
        _raw.Write(writer);
        _rawShort.Write(writer);
        writer.WriteInt64(_n);
        writer.WriteInt32(_sinceAlarm);
        writer.WriteDouble(_sum);
        writer.WriteDouble(_sum2);
        writer.WriteDouble(_shortSum);
        writer.WriteDouble(_rawSum);
        writer.WriteDouble(_rawSum2);
        writer.WriteDouble(_rawShortSum);
        _sraw.Write(writer);
        _srawShort.Write(writer);
        writer.WriteDouble(_srawSum);
        writer.WriteDouble(_srawSum2);
        writer.WriteDouble(_srawShortSum);
        writer.WriteBool(_seasonal is not null);
        _seasonal?.Write(writer);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _values.Read(ref reader);
        _short.Read(ref reader);
        _raw.Read(ref reader);
        _rawShort.Read(ref reader);
        _n = reader.ReadInt64();
        _sinceAlarm = reader.ReadInt32();
        _sum = reader.ReadDouble();
        _sum2 = reader.ReadDouble();
        _shortSum = reader.ReadDouble();
        _rawSum = reader.ReadDouble();
        _rawSum2 = reader.ReadDouble();
        _rawShortSum = reader.ReadDouble();
        _sraw.Read(ref reader);
        _srawShort.Read(ref reader);
        _srawSum = reader.ReadDouble();
        _srawSum2 = reader.ReadDouble();
        _srawShortSum = reader.ReadDouble();
        if (reader.ReadBool() != (_seasonal is not null)) throw new InvalidDataException("Checkpoint was written with another seasonal setting.");
        _seasonal?.Read(ref reader);
    }
}
