using System.Buffers;
using System.Text.Json;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Mqtt.Telemetry;

/// <summary>
/// JSON encoding of wire contract v1 with Utf8JsonWriter straight into a caller's buffer: no allocation per sample
/// (one cached writer per thread). Field names are short and fixed; docs/wire-contract.md shows examples.
/// </summary>
public static class TelemetryJsonEncoder
{
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    private static readonly JsonEncodedText V = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText GatewayId = JsonEncodedText.Encode("gatewayId");
    private static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText Replayed = JsonEncodedText.Encode("replayed");
    private static readonly JsonEncodedText Created = JsonEncodedText.Encode("created");
    private static readonly JsonEncodedText Samples = JsonEncodedText.Encode("samples");
    private static readonly JsonEncodedText Tag = JsonEncodedText.Encode("tag");
    private static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText Quality = JsonEncodedText.Encode("q");
    private static readonly JsonEncodedText QualityName = JsonEncodedText.Encode("qn");
    private static readonly JsonEncodedText Unit = JsonEncodedText.Encode("unit");

    private static Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        var w = t_writer;
        if (w is null)
        {
            w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            t_writer = w;
        }
        else
        {
            w.Reset(output);
        }
        return w;
    }

    /// <summary>Writes a telemetry batch.</summary>
    public static void Encode(TelemetryBatch batch, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteNumber(V, 1);
        w.WriteString(GatewayId, batch.GatewayId);
        w.WriteNumber(Seq, batch.Sequence);
        w.WriteBoolean(Replayed, batch.Replayed);
        w.WriteString(Created, DateTime.SpecifyKind(batch.CreatedUtc, DateTimeKind.Utc));
        w.WriteStartArray(Samples);
        foreach (ref readonly var s in batch.Samples.Span)
        {
            w.WriteStartObject();
            w.WriteString(Tag, s.TagId);
            w.WriteString(Ts, s.SourceTimestamp);
            w.WritePropertyName(Value);
            WriteValue(w, s.Value);
            w.WriteNumber(Quality, s.Quality.Code);
            w.WriteString(QualityName, s.Quality.Name);
            if (s.Unit is not null) w.WriteString(Unit, s.Unit);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteValue(Utf8JsonWriter w, SampleValue value)
    {
        switch (value.Kind)
        {
            case SampleValueKind.Double:
                var d = value.AsDouble;
                if (double.IsFinite(d)) w.WriteNumberValue(d);
                else w.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                break;
            case SampleValueKind.Boolean: w.WriteBooleanValue(value.AsBoolean); break;
            case SampleValueKind.Int64: w.WriteNumberValue(value.AsInt64); break;
            case SampleValueKind.String: w.WriteStringValue(value.AsString); break;
            default: w.WriteNullValue(); break;
        }
    }

    /// <summary>Writes an anomaly event.</summary>
    public static void Encode(AnomalyEvent e, string gatewayId, IBufferWriter<byte> output) => Encode(e, gatewayId, output, null, false);

    /// <summary>An anomaly event with its own per-gateway sequence number (from the outbox) and the replayed flag.</summary>
    public static void Encode(AnomalyEvent e, string gatewayId, IBufferWriter<byte> output, long? sequence, bool replayed)
    {
        ArgumentNullException.ThrowIfNull(e);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteNumber(V, 1);
        w.WriteString(GatewayId, gatewayId);
        if (sequence is { } seq)
        {
            w.WriteNumber("seq", seq);
            w.WriteBoolean("replayed", replayed);
        }
        if (e.TagId is not null) w.WriteString(Tag, e.TagId);
        if (e.AssetId is not null) w.WriteString("asset", e.AssetId);
        w.WriteString("detector", e.Detector);
        w.WriteString(Ts, DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc));
        WriteNumberOrString(w, "score", e.Score);
        WriteNumberOrString(w, "threshold", e.Threshold);
        WriteNumberOrString(w, "value", e.Value);
        w.WriteString("modelVersion", e.ModelVersion);
        if (e.Window is { Count: > 0 } window)
        {
            w.WriteStartObject("window");
            foreach (var (k, v) in window) WriteNumberOrString(w, k, v);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Writes the retained birth (online) or death (offline) state message.</summary>
    public static void EncodeState(bool online, string gatewayId, DateTime timestampUtc, string? encoding, IBufferWriter<byte> output)
    {
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteNumber(V, 1);
        w.WriteString(GatewayId, gatewayId);
        w.WriteString("state", online ? "online" : "offline");
        w.WriteString(Ts, DateTime.SpecifyKind(timestampUtc, DateTimeKind.Utc));
        if (encoding is not null) w.WriteString("encoding", encoding);
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteNumberOrString(Utf8JsonWriter w, string name, double d)
    {
        if (double.IsFinite(d)) w.WriteNumber(name, d);
        else w.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    }
}
