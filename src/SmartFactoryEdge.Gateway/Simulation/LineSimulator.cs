using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Gateway.Simulation;

/// <summary>
/// The deterministic heart of the simulated line: step k yields one sample per signal at start + k/rate, from the
/// process models plus seeded Gaussian noise, with the planned anomalies applied. The noise stream does not depend
/// on the anomalies, so a run with and without injection differs exactly inside the labelled windows.
/// No I/O, no allocation per sample.
/// </summary>
public sealed class LineSimulator
{
    private readonly IProcessModel[] _models;
    private readonly int[] _modelOffsets;
    private readonly string[] _tagIds;
    private readonly string[] _units;
    private readonly double[] _sigma;
    private readonly double[] _scale;
    private readonly double[] _values;
    private readonly double[] _previous;
    private readonly ActiveAnomaly[][] _anomaliesBySignal;
    private readonly int[] _anomalyCursor;
    private readonly long _startTicks;
    private readonly double _ticksPerStep;
    private readonly double _secondsPerStep;
    private Xoshiro256 _random;
    private double _spareGaussian;
    private bool _hasSpare;

    public LineSimulator(SimulatorOptions options, DateTime startUtc)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (startUtc.Kind != DateTimeKind.Utc) throw new ArgumentException("The start must be UTC.", nameof(startUtc));
        Options = options;
        Start = startUtc;
        _startTicks = startUtc.Ticks;
        _secondsPerStep = 1.0 / options.RateHz;
        _ticksPerStep = TimeSpan.TicksPerSecond / options.RateHz;
        _models = options.Machines.Select(ProcessModels.Create).ToArray();
        _modelOffsets = new int[_models.Length];
        var tags = new List<string>();
        var units = new List<string>();
        var sigma = new List<double>();
        var scale = new List<double>();
        for (int m = 0; m < _models.Length; m++)
        {
            _modelOffsets[m] = tags.Count;
            foreach (var s in _models[m].Signals)
            {
                tags.Add(string.Intern($"{options.Machines[m].Asset}.{s.Name}"));
                units.Add(s.Unit);
                sigma.Add(s.Scale * options.Machines[m].NoiseScale);
                scale.Add(s.Scale);
            }
        }
        _tagIds = tags.ToArray();
        _units = units.ToArray();
        _sigma = sigma.ToArray();
        _scale = scale.ToArray();
        _values = new double[_tagIds.Length];
        _previous = new double[_tagIds.Length];
        _random = new Xoshiro256((ulong)(uint)options.Seed * 0x9E3779B97F4A7C15UL + 1);
        Anomalies = PlanAnomalies(options, startUtc, _tagIds, Snap);
        _anomaliesBySignal = new ActiveAnomaly[_tagIds.Length][];
        for (int i = 0; i < _tagIds.Length; i++)
        {
            _anomaliesBySignal[i] = Anomalies.Where(a => a.Tag == _tagIds[i])
                .OrderBy(a => a.Start)
                .Select(a => new ActiveAnomaly(a, a.Start.Ticks, a.End.Ticks))
                .ToArray();
        }
        _anomalyCursor = new int[_tagIds.Length];
    }

    public SimulatorOptions Options { get; }

    public DateTime Start { get; }

    /// <summary>The tag ids, in the order each step yields them.</summary>
    public IReadOnlyList<string> TagIds => _tagIds;

    public IReadOnlyList<string> Units => _units;

    /// <summary>Every planned anomaly (the ground truth).</summary>
    public IReadOnlyList<InjectedAnomaly> Anomalies { get; }

    /// <summary>Samples one step yields (one per signal).</summary>
    public int SignalCount => _tagIds.Length;

    /// <summary>The next step's index.</summary>
    public long Step { get; private set; }

    public DateTime TimestampOf(long step) => new(_startTicks + (long)(step * _ticksPerStep), DateTimeKind.Utc);

    /// <summary>Writes the next step's samples (one per signal) into <paramref name="destination"/>.</summary>
    public void NextStep(Span<Sample> destination, DateTime? receivedUtc = null)
    {
        if (destination.Length < _tagIds.Length)
            throw new ArgumentException($"The destination holds {destination.Length} samples; a step has {_tagIds.Length}.", nameof(destination));
        var step = Step++;
        var timestamp = TimestampOf(step);
        var ticks = timestamp.Ticks;
        var seconds = step * _secondsPerStep;
        for (int m = 0; m < _models.Length; m++)
            _models[m].Evaluate(seconds, _values.AsSpan(_modelOffsets[m]));
        var received = receivedUtc ?? timestamp;
        for (int i = 0; i < _tagIds.Length; i++)
        {
            var noise = NextGaussian();
            var value = _values[i] + _sigma[i] * noise;
            value = ApplyAnomalies(i, ticks, value, noise);
            _previous[i] = value;
            destination[i] = new Sample(_tagIds[i], timestamp, received, SampleValue.FromDouble(value), StatusCode.Good, _units[i]);
        }
    }

    private double ApplyAnomalies(int signal, long ticks, double value, double noise)
    {
        var list = _anomaliesBySignal[signal];
        ref var cursor = ref _anomalyCursor[signal];
        while (cursor < list.Length && list[cursor].EndTicks < ticks) cursor++;
        for (int j = cursor; j < list.Length && list[j].StartTicks <= ticks; j++)
        {
            var a = list[j];
            if (ticks > a.EndTicks) continue;
            var anomaly = a.Anomaly;
            switch (anomaly.Kind)
            {
                case InjectedAnomalyKind.Spike:
                    value += anomaly.Magnitude * _scale[signal];
                    break;
                case InjectedAnomalyKind.LevelShift:
                    value += anomaly.Magnitude * _scale[signal];
                    break;
                case InjectedAnomalyKind.Drift:
                    var span = Math.Max(1, a.EndTicks - a.StartTicks);
                    value += anomaly.Magnitude * _scale[signal] * (ticks - a.StartTicks) / (double)span;
                    break;
                case InjectedAnomalyKind.NoiseBurst:
                    value += (anomaly.Magnitude - 1) * _sigma[signal] * noise;
                    break;
                case InjectedAnomalyKind.Stuck:
                    if (ticks > a.StartTicks) value = _previous[signal];
                    break;
            }
        }
        return value;
    }

    /// <summary>The timestamp of the first step at or after <paramref name="t"/>, so a window always starts on a sample.</summary>
    private DateTime Snap(DateTime t)
    {
        var step = (long)Math.Ceiling((t.Ticks - _startTicks) / _ticksPerStep);
        while (step > 0 && TimestampOf(step - 1) >= t) step--;
        while (TimestampOf(step) < t) step++;
        return TimestampOf(Math.Max(0, step));
    }

    private static List<InjectedAnomaly> PlanAnomalies(SimulatorOptions options, DateTime start, string[] tags, Func<DateTime, DateTime> snap)
    {
        var planned = new List<InjectedAnomaly>();
        foreach (var a in options.Anomalies)
        {
            var s = snap(start + a.At);
            var end = a.Kind == InjectedAnomalyKind.Spike ? s : s + a.Duration;
            planned.Add(new InjectedAnomaly(a.Tag, a.Kind, s, end, a.Magnitude));
        }
        if (options.RandomAnomalies is { Count: > 0 } r)
        {
            // a separate stream, so that adding random anomalies does not change the process noise
            var rng = new Random(unchecked(options.Seed * 7919 + 17));
            var kinds = r.Kinds.Count > 0 ? r.Kinds.ToArray() : Enum.GetValues<InjectedAnomalyKind>();
            var pool = r.Tags.Count > 0 ? r.Tags.ToArray() : tags;
            for (int i = 0; i < r.Count; i++)
            {
                var kind = kinds[rng.Next(kinds.Length)];
                var tag = pool[rng.Next(pool.Length)];
                var at = TimeSpan.FromTicks((long)(rng.NextDouble() * r.Horizon.Ticks));
                var duration = r.MinDuration + TimeSpan.FromTicks((long)(rng.NextDouble() * Math.Max(0, (r.MaxDuration - r.MinDuration).Ticks)));
                var sign = rng.Next(2) == 0 ? -1 : 1;
                var magnitude = kind == InjectedAnomalyKind.NoiseBurst ? r.Magnitude : sign * r.Magnitude;
                var s = snap(start + at);
                planned.Add(new InjectedAnomaly(tag, kind, s, kind == InjectedAnomalyKind.Spike ? s : s + duration, magnitude));
            }
        }
        planned.Sort((x, y) => x.Start.CompareTo(y.Start));
        return planned;
    }

    private double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }
        // Marsaglia's polar method: two normals per accepted pair, no trigonometry
        double u, v, s;
        do
        {
            u = _random.NextDouble() * 2 - 1;
            v = _random.NextDouble() * 2 - 1;
            s = u * u + v * v;
        }
        while (s >= 1 || s == 0);
        var f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * f;
        _hasSpare = true;
        return u * f;
    }

    private readonly record struct ActiveAnomaly(InjectedAnomaly Anomaly, long StartTicks, long EndTicks);

    /// <summary>xoshiro256** (Blackman and Vigna): fast, seedable, and the same on every platform and runtime version.</summary>
    private struct Xoshiro256
    {
        private ulong _s0, _s1, _s2, _s3;

        public Xoshiro256(ulong seed)
        {
            _s0 = SplitMix(ref seed);
            _s1 = SplitMix(ref seed);
            _s2 = SplitMix(ref seed);
            _s3 = SplitMix(ref seed);
        }

        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        private ulong NextUInt64()
        {
            var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            var t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        private static ulong SplitMix(ref ulong x)
        {
            var z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
