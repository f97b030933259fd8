using System.Globalization;
using System.Text;
using System.Text.Json;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Ingest;

/// <summary>
/// Routes an MQTT message by topic (wire contract v1 <c>sfe/v1/{site}/{gateway}/{kind}</c> or Sparkplug B
/// <c>spBv1.0/{site}/{type}/{node}</c>) and decodes it strictly. Never throws on bad input: a payload that does not
/// follow the contract becomes a <see cref="DeadLetter"/> whose reason names the field and byte offset.
/// One instance per ingest loop (not thread-safe: it caches tag and unit strings); Sparkplug alias tables are shared.
/// </summary>
public sealed class TelemetryDecoder(SparkplugSessions? sparkplug = null)
{
    /// <summary>Largest payload accepted (16 MiB, as the MQTT client's maximum packet size).</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    private readonly StringCache _strings = new();

    /// <summary>The Sparkplug alias tables (NBIRTH per node), shared between decoders of one center instance.</summary>
    public SparkplugSessions Sparkplug { get; } = sparkplug ?? new SparkplugSessions();

    /// <summary>Decodes one message; the result is a batch, an anomaly, a state change, a dead letter or ignored (aas, metrics, commands).</summary>
    public CenterMessage Decode(string topic, ReadOnlyMemory<byte> payload, long receivedMicros)
    {
        try
        {
            if (payload.Length > MaxPayloadBytes)
                return CenterMessage.Dead(topic, payload, $"payload of {payload.Length} bytes exceeds the {MaxPayloadBytes}-byte limit", receivedMicros);
            if (payload.IsEmpty && !topic.EndsWith("/state", StringComparison.Ordinal))
                return CenterMessage.Dead(topic, payload, "empty payload", receivedMicros);
            if (topic.StartsWith("spBv1.0/", StringComparison.Ordinal))
                return SparkplugDecoder.Decode(topic, payload, receivedMicros, Sparkplug, _strings);
            var parts = topic.Split('/');
            if (parts.Length != 5 || parts[0] != "sfe")
                return CenterMessage.Dead(topic, payload, "topic is not sfe/v1/{site}/{gateway}/{kind}", receivedMicros);
            if (parts[1] != "v1")
                return CenterMessage.Dead(topic, payload, $"unsupported contract version '{parts[1]}' (this center reads v1)", receivedMicros);
            var site = parts[2];
            var gateway = parts[3];
            if (site.Length == 0 || gateway.Length == 0)
                return CenterMessage.Dead(topic, payload, "empty site or gateway in topic", receivedMicros);
            return parts[4] switch
            {
                "telemetry" => DecodeBatch(topic, site, gateway, payload, receivedMicros),
                "anomaly" => DecodeAnomaly(topic, site, gateway, payload, receivedMicros),
                "state" => DecodeState(topic, site, gateway, payload, receivedMicros),
                "aas" => DecodeAas(topic, site, gateway, payload, receivedMicros),
                _ => new CenterMessage(null, null, null, null, Ignored: true),
            };
        }
        catch (JsonException ex)
        {
            return CenterMessage.Dead(topic, payload, $"malformed JSON at line {(ex.LineNumber ?? 0) + 1}, byte {ex.BytePositionInLine ?? 0}: {WithoutPosition(FirstLine(ex.Message))}", receivedMicros);
        }
        catch (InvalidOperationException ex)
        {
            return CenterMessage.Dead(topic, payload, "malformed JSON: " + FirstLine(ex.Message), receivedMicros);
        }
        catch (FormatException ex)
        {
            return CenterMessage.Dead(topic, payload, "malformed value: " + FirstLine(ex.Message), receivedMicros);
        }
        catch (DecoderFallbackException ex)
        {
            return CenterMessage.Dead(topic, payload, "invalid UTF-8: " + FirstLine(ex.Message), receivedMicros);
        }
        catch (ArgumentException ex)
        {
            return CenterMessage.Dead(topic, payload, "invalid value: " + FirstLine(ex.Message), receivedMicros);
        }
    }

    private static string WithoutPosition(string s)
    {
        var i = s.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return i < 0 ? s : s[..i];
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return i < 0 ? s : s[..i].TrimEnd();
    }

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>An AAS environment: a JSON object with an assetAdministrationShells array (kept as received).</summary>
    private static CenterMessage DecodeAas(string topic, string site, string gateway, ReadOnlyMemory<byte> payload, long received)
    {
        using var doc = JsonDocument.Parse(payload);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("assetAdministrationShells", out var shells) || shells.ValueKind != JsonValueKind.Array)
            return CenterMessage.Dead(topic, payload, "AAS environment has no 'assetAdministrationShells' array", received);
        return new CenterMessage(null, null, null, null, Aas: new AasRecord(site, gateway, received, System.Text.Encoding.UTF8.GetString(payload.Span)));
    }

    private CenterMessage DecodeBatch(string topic, string site, string gateway, ReadOnlyMemory<byte> payload, long received)
    {
        var r = new Utf8JsonReader(payload.Span, ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return Fail(topic, payload, "telemetry batch is not a JSON object", 0, received);
        long? version = null, seq = null, created = null;
        bool? replayed = null;
        string? gatewayId = null;
        List<SampleRow>? rows = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var at = r.TokenStartIndex;
            if (r.ValueTextEquals("v"u8)) { r.Read(); if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var v)) return Fail(topic, payload, "'v' is not an integer", at, received); version = v; }
            else if (r.ValueTextEquals("gatewayId"u8)) { r.Read(); if (r.TokenType != JsonTokenType.String) return Fail(topic, payload, "'gatewayId' is not a string", at, received); gatewayId = r.GetString(); }
            else if (r.ValueTextEquals("seq"u8)) { r.Read(); if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var s) || s < 0) return Fail(topic, payload, "'seq' is not a non-negative 64-bit integer", at, received); seq = s; }
            else if (r.ValueTextEquals("replayed"u8)) { r.Read(); if (r.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return Fail(topic, payload, "'replayed' is not a boolean", at, received); replayed = r.GetBoolean(); }
            else if (r.ValueTextEquals("created"u8)) { r.Read(); if (!TryTimestamp(ref r, out var c)) return Fail(topic, payload, "'created' is not an ISO-8601 timestamp", at, received); created = c; }
            else if (r.ValueTextEquals("samples"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartArray) return Fail(topic, payload, "'samples' is not an array", at, received);
                rows = new List<SampleRow>(64);
                var index = 0;
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    var error = ReadSample(ref r, site, gateway, received, rows);
                    if (error is not null) return Fail(topic, payload, $"samples[{index}]: {error}", r.TokenStartIndex, received);
                    index++;
                }
                if (r.TokenType != JsonTokenType.EndArray) return Fail(topic, payload, "'samples' array is not closed", r.TokenStartIndex, received);
            }
            else
            {
                r.Read();
                r.Skip(); // fields added within v1 are ignored (wire contract: versioning)
            }
        }
        if (r.TokenType != JsonTokenType.EndObject) return Fail(topic, payload, "telemetry batch object is not closed", r.TokenStartIndex, received);
        if (r.Read()) return Fail(topic, payload, "trailing data after the batch object", r.TokenStartIndex, received);
        if (version is null) return Fail(topic, payload, "missing 'v'", 0, received);
        if (version != 1) return Fail(topic, payload, $"unsupported 'v' {version} (this center reads 1)", 0, received);
        if (gatewayId is null) return Fail(topic, payload, "missing 'gatewayId'", 0, received);
        if (gatewayId != gateway) return Fail(topic, payload, $"'gatewayId' {gatewayId} does not match the topic's gateway {gateway}", 0, received);
        if (seq is null) return Fail(topic, payload, "missing 'seq'", 0, received);
        if (rows is null) return Fail(topic, payload, "missing 'samples'", 0, received);
        return new CenterMessage(new DecodedBatch(site, gateway, seq.Value, replayed ?? false, created ?? received, received, "json", rows), null, null, null);
    }

    private string? ReadSample(ref Utf8JsonReader r, string site, string gateway, long received, List<SampleRow> rows)
    {
        if (r.TokenType != JsonTokenType.StartObject) return "is not an object";
        string? tag = null, unit = null, asset = null;
        long? ts = null;
        long quality = -1;
        var value = SampleValue.None;
        var hasValue = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("tag"u8)) { r.Read(); if (r.TokenType != JsonTokenType.String) return "'tag' is not a string"; tag = _strings.Get(ref r); }
            else if (r.ValueTextEquals("ts"u8)) { r.Read(); if (!TryTimestamp(ref r, out var t)) return "'ts' is not an ISO-8601 timestamp"; ts = t; }
            else if (r.ValueTextEquals("value"u8))
            {
                r.Read();
                hasValue = true;
                switch (r.TokenType)
                {
                    case JsonTokenType.Number:
                        // JSON does not tell 21.0 from 21 (the encoder writes both as 21): numbers are doubles unless an
                        // integer is too large to be exact in a double, so a tag keeps one type in the dataset
                        if (r.TryGetInt64(out var l) && (l > (1L << 53) || l < -(1L << 53))) value = SampleValue.FromInt64(l);
                        else if (r.TryGetDouble(out var d) && double.IsFinite(d)) value = SampleValue.FromDouble(d);
                        else return "'value' is out of range";
                        break;
                    case JsonTokenType.True: value = SampleValue.FromBoolean(true); break;
                    case JsonTokenType.False: value = SampleValue.FromBoolean(false); break;
                    case JsonTokenType.Null: value = SampleValue.None; break;
                    case JsonTokenType.String:
                        if (r.ValueTextEquals("NaN"u8)) value = SampleValue.FromDouble(double.NaN);
                        else if (r.ValueTextEquals("Infinity"u8)) value = SampleValue.FromDouble(double.PositiveInfinity);
                        else if (r.ValueTextEquals("-Infinity"u8)) value = SampleValue.FromDouble(double.NegativeInfinity);
                        else value = SampleValue.FromString(r.GetString()!);
                        break;
                    default: return "'value' is not a number, boolean, string or null";
                }
            }
            else if (r.ValueTextEquals("q"u8)) { r.Read(); if (r.TokenType != JsonTokenType.Number || !r.TryGetUInt32(out var q)) return "'q' is not a 32-bit StatusCode"; quality = q; }
            else if (r.ValueTextEquals("unit"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.Null) unit = null;
                else if (r.TokenType == JsonTokenType.String) unit = _strings.Get(ref r);
                else return "'unit' is not a string";
            }
            else if (r.ValueTextEquals("asset"u8)) { r.Read(); if (r.TokenType != JsonTokenType.String) return "'asset' is not a string"; asset = _strings.Get(ref r); }
            else { r.Read(); r.Skip(); }
        }
        if (r.TokenType != JsonTokenType.EndObject) return "object is not closed";
        if (string.IsNullOrEmpty(tag)) return "missing or empty 'tag'";
        if (ts is null) return $"tag {tag}: missing 'ts'";
        if (!hasValue) return $"tag {tag}: missing 'value'";
        if (quality < 0) return $"tag {tag}: missing 'q'";
        rows.Add(new SampleRow(site, gateway, asset ?? AssetOf(tag), tag, ts.Value, received, (uint)quality, unit, value));
        return null;
    }

    /// <summary>The asset of a tag id: the part before the first '.' (press01.temp is asset press01), or "" when there is none.</summary>
    public static string AssetOf(string tag)
    {
        var dot = tag.IndexOf('.');
        return dot > 0 ? tag[..dot] : "";
    }

    internal static bool TryTimestamp(ref Utf8JsonReader r, out long micros)
    {
        micros = 0;
        if (r.TokenType != JsonTokenType.String || !r.TryGetDateTimeOffset(out var dto)) return false;
        micros = UnixMicros.From(dto.UtcDateTime);
        return true;
    }

    private static CenterMessage Fail(string topic, ReadOnlyMemory<byte> payload, string reason, long offset, long received) =>
        CenterMessage.Dead(topic, payload, string.Create(CultureInfo.InvariantCulture, $"{reason} (byte {offset})"), received);

    private static CenterMessage DecodeAnomaly(string topic, string site, string gateway, ReadOnlyMemory<byte> payload, long received)
    {
        var r = new Utf8JsonReader(payload.Span, ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return Fail(topic, payload, "anomaly event is not a JSON object", 0, received);
        string? gw = null, tag = null, asset = null, detector = null, model = null;
        long? ts = null, version = null;
        double? score = null, threshold = null;
        double value = double.NaN;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var at = r.TokenStartIndex;
            var name = r.GetString();
            r.Read();
            switch (name)
            {
                case "v": if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var v)) return Fail(topic, payload, "'v' is not an integer", at, received); version = v; break;
                case "gatewayId": gw = StringOrNull(ref r); if (gw is null) return Fail(topic, payload, "'gatewayId' is not a string", at, received); break;
                case "tag": tag = StringOrNull(ref r); break;
                case "asset": asset = StringOrNull(ref r); break;
                case "detector": detector = StringOrNull(ref r); break;
                case "modelVersion": model = StringOrNull(ref r); break;
                case "ts": if (!TryTimestamp(ref r, out var t)) return Fail(topic, payload, "'ts' is not an ISO-8601 timestamp", at, received); ts = t; break;
                case "score": if (!TryNumber(ref r, out var s)) return Fail(topic, payload, "'score' is not a number", at, received); score = s; break;
                case "threshold": if (!TryNumber(ref r, out var th)) return Fail(topic, payload, "'threshold' is not a number", at, received); threshold = th; break;
                case "value": if (!TryNumber(ref r, out value)) return Fail(topic, payload, "'value' is not a number", at, received); break;
                default: r.Skip(); break;
            }
        }
        if (r.TokenType != JsonTokenType.EndObject || r.Read()) return Fail(topic, payload, "anomaly event object is not closed or has trailing data", r.TokenStartIndex, received);
        if (version != 1) return Fail(topic, payload, "missing or unsupported 'v'", 0, received);
        if (gw != gateway) return Fail(topic, payload, $"'gatewayId' {gw} does not match the topic's gateway {gateway}", 0, received);
        if (string.IsNullOrEmpty(detector)) return Fail(topic, payload, "missing 'detector'", 0, received);
        if (ts is null || score is null || threshold is null) return Fail(topic, payload, "missing 'ts', 'score' or 'threshold'", 0, received);
        if (tag is null && asset is null) return Fail(topic, payload, "neither 'tag' nor 'asset'", 0, received);
        return new CenterMessage(null, new AnomalyRecord(site, gateway, asset ?? (tag is null ? null : AssetOf(tag)), tag, detector, ts.Value,
            score.Value, threshold.Value, value, model ?? "builtin", received), null, null);
    }

    private static CenterMessage DecodeState(string topic, string site, string gateway, ReadOnlyMemory<byte> payload, long received)
    {
        var r = new Utf8JsonReader(payload.Span, ReaderOptions);
        if (payload.IsEmpty) return new CenterMessage(null, null, null, null, Ignored: true); // a cleared retained message
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return Fail(topic, payload, "state is not a JSON object", 0, received);
        string? gw = null, state = null, encoding = null;
        long? ts = null, version = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var at = r.TokenStartIndex;
            var name = r.GetString();
            r.Read();
            switch (name)
            {
                case "v": if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var v)) return Fail(topic, payload, "'v' is not an integer", at, received); version = v; break;
                case "gatewayId": gw = StringOrNull(ref r); break;
                case "state": state = StringOrNull(ref r); break;
                case "encoding": encoding = StringOrNull(ref r); break;
                case "ts": if (!TryTimestamp(ref r, out var t)) return Fail(topic, payload, "'ts' is not an ISO-8601 timestamp", at, received); ts = t; break;
                default: r.Skip(); break;
            }
        }
        if (r.TokenType != JsonTokenType.EndObject || r.Read()) return Fail(topic, payload, "state object is not closed or has trailing data", r.TokenStartIndex, received);
        if (version != 1) return Fail(topic, payload, "missing or unsupported 'v'", 0, received);
        if (gw != gateway) return Fail(topic, payload, $"'gatewayId' {gw} does not match the topic's gateway {gateway}", 0, received);
        if (state is not ("online" or "offline")) return Fail(topic, payload, $"'state' is '{state}', not online or offline", 0, received);
        if (ts is null) return Fail(topic, payload, "missing 'ts'", 0, received);
        return new CenterMessage(null, null, new StateRecord(site, gateway, state == "online", ts.Value, received, encoding), null);
    }

    private static string? StringOrNull(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.String) return r.GetString();
        r.Skip();
        return null;
    }

    private static bool TryNumber(ref Utf8JsonReader r, out double value)
    {
        value = double.NaN;
        if (r.TokenType == JsonTokenType.Number) return r.TryGetDouble(out value);
        if (r.TokenType != JsonTokenType.String) return false;
        if (r.ValueTextEquals("NaN"u8)) value = double.NaN;
        else if (r.ValueTextEquals("Infinity"u8)) value = double.PositiveInfinity;
        else if (r.ValueTextEquals("-Infinity"u8)) value = double.NegativeInfinity;
        else return false;
        return true;
    }
}

/// <summary>Interns tag and unit strings so that a steady stream of the same tags does not allocate a string per sample.</summary>
internal sealed class StringCache
{
    private const int MaxEntries = 100_000;
    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringCache() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ref Utf8JsonReader r)
    {
        if (r.HasValueSequence || r.ValueIsEscaped || r.ValueSpan.Length > 256) return r.GetString()!;
        Span<char> chars = stackalloc char[256];
        var n = Encoding.UTF8.GetChars(r.ValueSpan, chars);
        return Get(chars[..n]);
    }

    public string Get(ReadOnlySpan<char> chars)
    {
        if (_lookup.TryGetValue(chars, out var s)) return s;
        s = chars.ToString();
        if (_map.Count < MaxEntries) _map[s] = s;
        return s;
    }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 256) return Encoding.UTF8.GetString(utf8);
        Span<char> chars = stackalloc char[256];
        var n = Encoding.UTF8.GetChars(utf8, chars);
        return Get(chars[..n]);
    }
}
