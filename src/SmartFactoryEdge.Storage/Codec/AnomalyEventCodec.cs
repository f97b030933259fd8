using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Storage.Codec;

/// <summary>
/// The outbox's binary encoding of one <see cref="AnomalyEvent"/> (format version 1):
/// <code>
/// version:u8=1 kind:u8=2 flags:u8 (1 = tag, 2 = asset, 4 = window)
/// [tag:str] [asset:str] detector:str timestampTicks:i64le score:f64le threshold:f64le modelVersion:str value:f64le
/// [windowCount:varint (key:str value:f64le)*]  crc32c:u32le
/// </code>
/// </summary>
public sealed class AnomalyEventCodec
{
    private const string What = "anomaly event";
    private const byte HasTag = 1, HasAsset = 2, HasWindow = 4;
    private readonly BlobWriter _writer = new(512);

    /// <summary>Encodes one event into a new blob (an instance is reusable but not thread-safe).</summary>
    public byte[] Encode(AnomalyEvent anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        var w = _writer;
        w.Reset();
        w.WriteByte(SampleBatchCodec.Version);
        w.WriteByte(SampleBatchCodec.KindAnomalyEvent);
        byte flags = (byte)((anomaly.TagId is null ? 0 : HasTag) | (anomaly.AssetId is null ? 0 : HasAsset) | (anomaly.Window is null ? 0 : HasWindow));
        w.WriteByte(flags);
        if (anomaly.TagId is { } tag) w.WriteString(tag);
        if (anomaly.AssetId is { } asset) w.WriteString(asset);
        w.WriteString(anomaly.Detector);
        w.WriteInt64(anomaly.Timestamp.Ticks);
        w.WriteDouble(anomaly.Score);
        w.WriteDouble(anomaly.Threshold);
        w.WriteString(anomaly.ModelVersion);
        w.WriteDouble(anomaly.Value);
        if (anomaly.Window is { } window)
        {
            w.WriteVarUInt64((ulong)window.Count);
            foreach (var (k, v) in window)
            {
                w.WriteString(k);
                w.WriteDouble(v);
            }
        }
        return w.FinishWithChecksum();
    }

    /// <summary>Decodes a blob written by <see cref="Encode"/>.</summary>
    /// <exception cref="OutboxRecordCorruptException">The blob is truncated, corrupt, of another version or kind.</exception>
    public static AnomalyEvent Decode(ReadOnlySpan<byte> blob) => Decode(blob, verifyChecksum: true);

    internal static AnomalyEvent Decode(ReadOnlySpan<byte> blob, bool verifyChecksum)
    {
        var body = SampleBatchCodec.CheckEnvelope(blob, SampleBatchCodec.KindAnomalyEvent, What, verifyChecksum);
        var r = new BlobReader(body, 2, What, blob.Length);
        byte flags = r.ReadByte();
        if ((flags & ~(HasTag | HasAsset | HasWindow)) != 0) throw r.Fail($"unknown flags 0x{flags:X2}");
        string? tag = (flags & HasTag) != 0 ? r.ReadString("tag id", allowEmpty: false) : null;
        string? asset = (flags & HasAsset) != 0 ? r.ReadString("asset id", allowEmpty: false) : null;
        string detector = r.ReadString("detector", allowEmpty: false);
        var timestamp = r.ToDateTime(r.ReadInt64(), "timestamp");
        double score = r.ReadDouble();
        double threshold = r.ReadDouble();
        string model = r.ReadString("model version", allowEmpty: true);
        double value = r.ReadDouble();
        Dictionary<string, double>? window = null;
        if ((flags & HasWindow) != 0)
        {
            int n = r.ReadCount(r.Remaining / 9, "window entry count");
            window = new Dictionary<string, double>(n, StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                var key = r.ReadString("window key", allowEmpty: false);
                if (!window.TryAdd(key, r.ReadDouble())) throw r.Fail($"window key '{key}' appears twice");
            }
        }
        if (r.Remaining != 0) throw r.Fail($"{r.Remaining} trailing bytes after the event");
        return new AnomalyEvent
        {
            TagId = tag,
            AssetId = asset,
            Detector = detector,
            Timestamp = timestamp,
            Score = score,
            Threshold = threshold,
            ModelVersion = model,
            Value = value,
            Window = window,
        };
    }
}
