using System.Text.Encodings.Web;
using System.Text.Json;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Gateway.Sinks;

/// <summary>The JSON form of one sample, shared by the file and console sinks.</summary>
public static class SampleJson
{
    /// <summary>Keeps '°', 'µ', '³' and Korean readable in the files instead of \u escapes.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static void Write(Utf8JsonWriter writer, in Sample sample)
    {
        writer.WriteStartObject();
        writer.WriteString("tag"u8, sample.TagId);
        writer.WriteString("ts"u8, sample.SourceTimestamp);
        writer.WriteString("rx"u8, sample.ReceivedTimestamp);
        switch (sample.Value.Kind)
        {
            case SampleValueKind.Double:
                var d = sample.Value.AsDouble;
                if (double.IsFinite(d)) writer.WriteNumber("v"u8, d);
                else writer.WriteString("v"u8, d.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case SampleValueKind.Int64: writer.WriteNumber("v"u8, sample.Value.AsInt64); break;
            case SampleValueKind.Boolean: writer.WriteBoolean("v"u8, sample.Value.AsBoolean); break;
            case SampleValueKind.String: writer.WriteString("v"u8, sample.Value.AsString); break;
            default: writer.WriteNull("v"u8); break;
        }
        writer.WriteNumber("q"u8, sample.Quality.Code);
        if (!sample.Quality.IsGood) writer.WriteString("qn"u8, sample.Quality.Name);
        if (sample.Unit is not null) writer.WriteString("unit"u8, sample.Unit);
        writer.WriteEndObject();
    }
}
