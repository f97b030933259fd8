using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Anomaly.Stage;

/// <summary>
/// The pipeline stage between sources and the outbox: routes each sample to the detectors configured for its tag (and to
/// the asset rows it belongs to), and turns alerts into <see cref="AnomalyEvent"/> records for the `anomaly` topic. Pure: no
/// I/O, no clocks; the caller passes in samples and sends the events. Samples without a Good numeric value are skipped
/// (a Bad sample is a data-path fault, not an anomaly). Not thread-safe: one consumer.
/// </summary>
/// <remarks>
/// Each (tag or asset, detector) pair is an alarm (ISA-18.2 style): in <see cref="AnomalyEventMode.Onset"/> mode an event is
/// raised when the detector's alert goes from normal to alert, and the alarm stays active, raising nothing more, until the
/// detector has been normal for <c>clearAfter</c> consecutive samples (rows). Scores are published for every sample either way.
/// </remarks>
public sealed partial class AnomalyStage
{
    private readonly Dictionary<string, TagDetectors> _byTag = new(StringComparer.Ordinal);
    private readonly List<AssetDetectors> _assets = [];

    /// <exception cref="ArgumentException">A detector kind or parameter in <paramref name="options"/> is invalid (the message names the tag or asset).</exception>
    public AnomalyStage(AnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        if (!options.Enabled) return;
        foreach (var problem in options.ValidateAlarms()) throw new ArgumentException(problem);
        foreach (var t in options.Tags)
        {
            if (string.IsNullOrEmpty(t.Tag)) throw new ArgumentException("anomaly.tags: an entry has no tag.");
            var detectors = GetOrAdd(t.Tag);
            foreach (var d in t.Detectors)
            {
                try
                {
                    detectors.Detectors = [.. detectors.Detectors, new UniSlot(d, DetectorFactory.Create(d), d.ClearAfter ?? options.ClearAfter)];
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"anomaly.tags[{t.Tag}]: {e.Message}", e);
                }
            }
        }

        foreach (var a in options.Assets)
        {
            if (a.Tags.Count < 2) throw new ArgumentException($"anomaly.assets[{a.Asset}]: a multivariate asset needs at least 2 tags, has {a.Tags.Count}.");
            var asset = new AssetDetectors(a);
            foreach (var d in a.Detectors)
            {
                try
                {
                    asset.Detectors.Add(new MultiSlot(d, DetectorFactory.CreateMultivariate(d, a.Tags.Count), d.ClearAfter ?? options.ClearAfter));
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"anomaly.assets[{a.Asset}]: {e.Message}", e);
                }
            }

            _assets.Add(asset);
            for (var i = 0; i < a.Tags.Count; i++)
            {
                var t = GetOrAdd(a.Tags[i]);
                t.Assets = [.. t.Assets, (asset, i)];
            }
        }
    }

    public AnomalyOptions Options { get; }

    private TagDetectors GetOrAdd(string tag)
    {
        if (!_byTag.TryGetValue(tag, out var t)) _byTag[tag] = t = new TagDetectors();
        return t;
    }

    /// <summary>
    /// Feeds one sample. Appends an event per alarm onset (per alert in <see cref="AnomalyEventMode.Every"/> mode) to <paramref name="events"/> and, when <see cref="AnomalyOptions.PublishScores"/>
    /// is set, one score sample per detector to <paramref name="scores"/>. Returns the number of events appended.
    /// </summary>
    public int Process(in Sample sample, ICollection<AnomalyEvent> events, ICollection<Sample>? scores = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!_byTag.TryGetValue(sample.TagId, out var t)) return 0;
        if (!sample.Quality.IsGood || !sample.Value.HasValue) return 0;
        var value = sample.Value.AsDouble;
        if (!double.IsFinite(value)) return 0;
        var n = 0;
        var every = Options.EventMode == AnomalyEventMode.Every;
        foreach (var slot in t.Detectors)
        {
            var opt = slot.Options;
            var o = slot.Detector.Update(value);
            if (Options.PublishScores && scores is not null && o.IsReady)
                scores.Add(Sample.Good($"{sample.TagId}/anomaly/{opt.Name ?? opt.Kind}", sample.SourceTimestamp, o.Score));
            if (!slot.Alarm.Raises(o.Alert, every)) continue;
            events.Add(new AnomalyEvent
            {
                TagId = sample.TagId, Detector = opt.Name ?? opt.Kind, Timestamp = sample.SourceTimestamp, Score = o.Score, Threshold = o.Threshold,
                ModelVersion = opt.ModelVersion, Value = value,
                Window = new Dictionary<string, double> { ["pValue"] = o.PValue, ["statistic"] = o.Statistic, ["level"] = o.Level },
            });
            n++;
        }

        foreach (var (asset, index) in t.Assets)
        {
            asset.Row[index] = value;
            asset.Fresh[index] = true;
            asset.Timestamp = sample.SourceTimestamp;
            if (asset.Fresh.Contains(false)) continue;
            Array.Clear(asset.Fresh);
            foreach (var slot in asset.Detectors)
            {
                var opt = slot.Options;
                var o = slot.Detector.Update(asset.Row);
                if (!slot.Alarm.Raises(o.Alert, every)) continue;
                events.Add(new AnomalyEvent
                {
                    AssetId = asset.Options.Asset, Detector = opt.Name ?? opt.Kind, Timestamp = asset.Timestamp, Score = o.Score, Threshold = o.Threshold,
                    ModelVersion = opt.ModelVersion, Value = o.Statistic,
                    Window = new Dictionary<string, double> { ["statistic"] = o.Statistic, ["level"] = o.Level },
                });
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// The alarm of one (tag or asset, detector): active from an onset until <see cref="ClearAfter"/> consecutive normal
    /// verdicts. A mutable struct held in a field of its slot: updated in place, no allocation.
    /// </summary>
    private struct AlarmState(int clearAfter)
    {
        public readonly int ClearAfter = clearAfter;
        public bool Active;
        public int NormalRun;

        /// <summary>Advances the alarm by one verdict; true when it raises an event.</summary>
        public bool Raises(bool alert, bool every)
        {
            if (alert)
            {
                NormalRun = 0;
                if (Active) return every;
                Active = true;
                return true;
            }
            if (Active && ++NormalRun >= ClearAfter)
            {
                Active = false;
                NormalRun = 0;
            }
            return false;
        }
    }

    private sealed class UniSlot(DetectorOptions options, IStreamingDetector detector, int clearAfter)
    {
        public DetectorOptions Options { get; } = options;

        public IStreamingDetector Detector { get; } = detector;

        public AlarmState Alarm = new(clearAfter);
    }

    private sealed class MultiSlot(DetectorOptions options, IMultivariateDetector detector, int clearAfter)
    {
        public DetectorOptions Options { get; } = options;

        public IMultivariateDetector Detector { get; } = detector;

        public AlarmState Alarm = new(clearAfter);
    }

    /// <summary>A tag's detectors: exact-size arrays, not lists (10k tags carried ~0.9 MB of list objects and spare capacity).</summary>
    private sealed class TagDetectors
    {
        public UniSlot[] Detectors = [];

        public (AssetDetectors Asset, int Index)[] Assets = [];
    }

    private sealed class AssetDetectors(AssetAnomalyOptions options)
    {
        public AssetAnomalyOptions Options { get; } = options;

        public double[] Row { get; } = new double[options.Tags.Count];

        public bool[] Fresh { get; } = new bool[options.Tags.Count];

        public DateTime Timestamp { get; set; }

        public List<MultiSlot> Detectors { get; } = [];
    }
}
