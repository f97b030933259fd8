using System.Globalization;
using SmartFactoryEdge.Center.Ingest;

namespace SmartFactoryEdge.Center.Evaluation;

/// <summary>
/// One injected anomaly from a simulator's labels CSV (`tag,kind,start,end,magnitude`, times ISO-8601 UTC; written by
/// the gateway's simulator, `labels:` in its YAML).
/// </summary>
public sealed record InjectedLabel(string Tag, string Kind, DateTime StartUtc, DateTime EndUtc, double Magnitude)
{
    /// <summary>The asset of the tag: the part before the first '.' (the center's convention).</summary>
    public string Asset => Tag.IndexOf('.', StringComparison.Ordinal) is > 0 and var i ? Tag[..i] : Tag;

    /// <summary>Parses the CSV text (header line first).</summary>
    /// <exception cref="FormatException">A line that is not 5 fields or has a bad time; the message names the line.</exception>
    public static IReadOnlyList<InjectedLabel> ParseCsv(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<InjectedLabel>();
        var lines = text.Split('\n');
        for (var n = 1; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            if (line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != 5) throw new FormatException($"labels line {n + 1}: {f.Length} fields, expected 5 (tag,kind,start,end,magnitude).");
            list.Add(new InjectedLabel(f[0], f[1], Time(f[2], n), Time(f[3], n),
                double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : throw new FormatException($"labels line {n + 1}: magnitude '{f[4]}' is not a number.")));
        }
        return list;
    }

    private static DateTime Time(string s, int n) =>
        DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
            : throw new FormatException($"labels line {n + 1}: '{s}' is not an ISO-8601 time.");
}

/// <summary>What became of one injected anomaly: detected (by which event, after what delay), missed, or not reached by the data.</summary>
public sealed record LabelOutcome(InjectedLabel Label, bool Reached, AnomalyRecord? FirstEvent)
{
    public bool Detected => FirstEvent is not null;

    /// <summary>From the window's start to the first matching event.</summary>
    public TimeSpan? Delay => FirstEvent is { } e ? UnixMicros.ToDateTime(e.TimestampMicros) - Label.StartUtc : null;
}

/// <summary>Per asset and tag: injected (within the data), detected, missed; and events outside every window.</summary>
public sealed record DetectionScore(IReadOnlyList<LabelOutcome> Outcomes, IReadOnlyDictionary<string, int> UnmatchedEventsByAsset)
{
    public int Injected => Outcomes.Count(o => o.Reached);

    public int Detected => Outcomes.Count(o => o.Reached && o.Detected);

    public int Missed => Injected - Detected;

    /// <summary>
    /// Matches events to injected windows. An event matches a label when it is about the label's tag (a tag-level event)
    /// or its asset (an asset-level event without a tag), and its timestamp lies in [start − <paramref name="before"/>,
    /// end + <paramref name="after"/>] (detectors need a few samples to react). A label is reached when at least one
    /// sample of its tag falls in its window (<paramref name="hasSample"/>: tag, from and to in Unix microseconds);
    /// labels beyond the data are not counted.
    /// </summary>
    public static DetectionScore Compute(IReadOnlyList<InjectedLabel> labels, IReadOnlyList<AnomalyRecord> events,
        Func<string, long, long, bool> hasSample, TimeSpan before, TimeSpan after)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(hasSample);
        var outcomes = new List<LabelOutcome>();
        var matched = new HashSet<AnomalyRecord>();
        foreach (var l in labels.OrderBy(l => l.StartUtc))
        {
            var from = UnixMicros.From(l.StartUtc - before);
            var to = UnixMicros.From(l.EndUtc + after);
            var reached = hasSample(l.Tag, UnixMicros.From(l.StartUtc), UnixMicros.From(l.EndUtc));
            AnomalyRecord? first = null;
            foreach (var e in events)
            {
                if (e.TimestampMicros < from || e.TimestampMicros > to) continue;
                var about = e.Tag is not null ? e.Tag == l.Tag : e.Asset == l.Asset;
                if (!about) continue;
                matched.Add(e);
                if (first is null || e.TimestampMicros < first.TimestampMicros) first = e;
            }
            outcomes.Add(new LabelOutcome(l, reached, first));
        }
        var unmatched = events.Where(e => !matched.Contains(e)).GroupBy(e => e.Asset ?? (e.Tag is { } t && t.IndexOf('.', StringComparison.Ordinal) is > 0 and var i ? t[..i] : e.Tag ?? "?"))
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new DetectionScore(outcomes, unmatched);
    }

    /// <summary>The report lines: one per label, then totals per asset/tag and overall.</summary>
    public IEnumerable<string> Report()
    {
        foreach (var o in Outcomes.Where(o => o.Reached))
        {
            var what = o.Detected
                ? string.Create(CultureInfo.InvariantCulture, $"DETECTED after {o.Delay!.Value.TotalSeconds:0.0} s by {o.FirstEvent!.Detector} ({o.FirstEvent.ModelVersion})")
                : "MISSED";
            yield return string.Create(CultureInfo.InvariantCulture, $"  {o.Label.Tag,-32} {o.Label.Kind,-10} {o.Label.StartUtc:HH:mm:ss.f}..{o.Label.EndUtc:HH:mm:ss.f}  {what}");
        }
        foreach (var g in Outcomes.Where(o => o.Reached).GroupBy(o => o.Label.Tag).OrderBy(g => g.Key, StringComparer.Ordinal))
            yield return $"  {g.Key}: injected {g.Count()}, detected {g.Count(o => o.Detected)}, missed {g.Count(o => !o.Detected)}";
        var fp = string.Join(", ", UnmatchedEventsByAsset.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
        var later = Outcomes.Count(o => !o.Reached);
        yield return $"detected {Detected} / injected {Injected}, missed {Missed}{(later > 0 ? $" ({later} planned after the end of the data not counted)" : "")}; events outside every injected window: {(fp.Length == 0 ? "none" : fp)}";
    }
}
