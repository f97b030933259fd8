using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>
/// Listens to every System.Diagnostics.Metrics instrument of the gateway's meters (names starting with
/// "SmartFactoryEdge") and renders them in the Prometheus text exposition format 0.0.4: counters as `_total`,
/// up-down counters and gauges as gauges, histograms as `_count` and `_sum`. Observable instruments are read on scrape.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly Lock _scrape = new();

    private sealed class Series
    {
        public double Value;
        public long Count;
        public double Sum;
    }

    public PrometheusExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("SmartFactoryEdge", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _series.GetOrAdd((instrument, Labels(tags)), _ => new Series());
        lock (series)
        {
            switch (instrument)
            {
                case Counter<long> or Counter<int> or Counter<double> or Counter<float> or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double>:
                    series.Value += value;
                    break;
                case Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float>:
                    series.Count++;
                    series.Sum += value;
                    break;
                default: // observable counters report totals, observable gauges the current value
                    series.Value = value;
                    break;
            }
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var sb = new StringBuilder();
        foreach (var t in tags)
        {
            sb.Append(sb.Length == 0 ? "" : ",").Append(SanitizeName(t.Key)).Append("=\"");
            AppendEscaped(sb, Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? "");
            sb.Append('"');
        }
        return sb.ToString();
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static void AppendEscaped(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>A Prometheus metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]*.</summary>
    public static string SanitizeName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || char.IsAsciiDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    private static string MetricName(Instrument i)
    {
        var name = i.Name.StartsWith("sfe", StringComparison.Ordinal) ? i.Name : "sfe." + i.Name;
        if (i.Unit is { Length: > 0 } unit && unit.All(char.IsAsciiLetter) && !name.EndsWith(unit, StringComparison.Ordinal)) name += "_" + unit;
        return SanitizeName(name);
    }

    /// <summary>Appends every instrument's series; <paramref name="extra"/> adds the gateway's own gauges.</summary>
    public void Render(StringBuilder output)
    {
        lock (_scrape) _listener.RecordObservableInstruments();
        foreach (var group in _series.ToArray().GroupBy(s => s.Key.Instrument).OrderBy(g => MetricName(g.Key), StringComparer.Ordinal))
        {
            var i = group.Key;
            var name = MetricName(i);
            var isCounter = i is Counter<long> or Counter<int> or Counter<double> or Counter<float> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;
            var isHistogram = i.GetType().IsGenericType && i.GetType().GetGenericTypeDefinition() == typeof(Histogram<>);
            if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
            if (i.Description is { Length: > 0 } d) output.Append("# HELP ").Append(name).Append(' ').Append(d.Replace('\n', ' ')).Append('\n');
            output.Append("# TYPE ").Append(name).Append(' ').Append(isCounter ? "counter" : isHistogram ? "summary" : "gauge").Append('\n');
            foreach (var (key, series) in group.OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                var labels = key.Labels.Length == 0 ? "" : "{" + key.Labels + "}";
                lock (series)
                {
                    if (isHistogram)
                    {
                        Sample(output, name + "_count", labels, series.Count);
                        Sample(output, name + "_sum", labels, series.Sum);
                    }
                    else Sample(output, name, labels, series.Value);
                }
            }
        }
    }

    /// <summary>Writes one `name{labels} value` line.</summary>
    public static void Sample(StringBuilder output, string name, string labels, double value) =>
        output.Append(name).Append(labels).Append(' ').Append(
            double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    public void Dispose() => _listener.Dispose();
}
