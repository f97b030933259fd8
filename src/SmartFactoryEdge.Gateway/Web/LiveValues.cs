using System.Collections.Concurrent;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>One point of a tag's trend.</summary>
public readonly record struct TrendPoint(DateTime Timestamp, double Value);

/// <summary>The latest sample of a tag with a bounded trend of its numeric values.</summary>
public sealed class LiveTag(string tagId, int capacity)
{
    private readonly Lock _gate = new();
    private readonly TrendPoint[] _trend = new TrendPoint[capacity];
    private int _next;
    private int _count;

    public string TagId { get; } = tagId;
    public Sample Last { get; private set; }
    public long Count { get; private set; }

    internal void Add(in Sample sample)
    {
        lock (_gate)
        {
            Last = sample;
            Count++;
            if (sample.Value.HasValue && !sample.Quality.IsBad)
            {
                var v = sample.Value.AsDouble;
                if (double.IsFinite(v))
                {
                    _trend[_next] = new TrendPoint(sample.SourceTimestamp, v);
                    _next = (_next + 1) % _trend.Length;
                    _count = Math.Min(_count + 1, _trend.Length);
                }
            }
        }
    }

    /// <summary>A copy of the latest sample, the count and the trend (oldest first).</summary>
    public (Sample Last, long Count, TrendPoint[] Trend) Snapshot(int maxPoints)
    {
        lock (_gate)
        {
            var n = Math.Min(_count, Math.Max(0, maxPoints));
            var points = new TrendPoint[n];
            for (int i = 0; i < n; i++)
                points[i] = _trend[((_next - n + i) % _trend.Length + _trend.Length) % _trend.Length];
            return (Last, Count, points);
        }
    }
}

/// <summary>
/// A sink that keeps the latest value and a short trend per tag for the web UI. The pipeline calls it on one thread;
/// readers take a lock per tag, so a page never slows the pipeline for more than a copy.
/// </summary>
public sealed class LiveValueStore(int trendPoints) : ISampleSink
{
    private readonly ConcurrentDictionary<string, LiveTag> _tags = new(StringComparer.Ordinal);

    public string Name => "web-live";

    public IReadOnlyList<LiveTag> Tags => _tags.Values.OrderBy(t => t.TagId, StringComparer.Ordinal).ToArray();

    public LiveTag? Find(string tagId) => _tags.GetValueOrDefault(tagId);

    public ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        foreach (ref readonly var s in batch.Span)
        {
            if (!_tags.TryGetValue(s.TagId, out var tag)) tag = _tags.GetOrAdd(s.TagId, id => new LiveTag(id, trendPoints));
            tag.Add(s);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>The most recent anomaly events (a bounded ring) for the web UI.</summary>
public sealed class AnomalyFeed(int capacity = 200)
{
    private readonly Lock _gate = new();
    private readonly Queue<AnomalyEvent> _events = new();
    private long _total;

    public long Total { get { lock (_gate) return _total; } }

    public void Add(AnomalyEvent e)
    {
        lock (_gate)
        {
            _total++;
            _events.Enqueue(e);
            while (_events.Count > capacity) _events.Dequeue();
        }
    }

    /// <summary>The newest events first.</summary>
    public IReadOnlyList<AnomalyEvent> Recent(int limit)
    {
        lock (_gate) return _events.Reverse().Take(Math.Max(0, limit)).ToArray();
    }
}
