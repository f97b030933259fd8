using System.Buffers;
using Google.Protobuf;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Mqtt.Telemetry;

/// <summary>Sparkplug B metric data types (Sparkplug 3.0, 6.4.16).</summary>
public enum SparkplugDataType : uint
{
    Int64 = 4,
    UInt32 = 7,
    UInt64 = 8,
    Double = 10,
    Boolean = 11,
    String = 12,
}

/// <summary>
/// Hand-written Sparkplug B payload encoding (sparkplug_b.proto, Payload/Metric/PropertySet) with Google.Protobuf's
/// CodedOutputStream. Keeps the edge node's state: metric aliases (assigned as tags first appear), the NDATA sequence
/// number 0-255 and the birth/death sequence bdSeq. A tag not yet born, or whose type changed, asks for a new NBIRTH
/// before the next NDATA. Not thread-safe: the sink serialises calls.
/// </summary>
public sealed class SparkplugEncoder(ulong bdSeq)
{
    public const string BdSeqMetric = "bdSeq";
    public const string RebirthMetric = "Node Control/Rebirth";
    public const string BatchSeqMetric = "sfe/batchSeq";
    public const string ReplayedMetric = "sfe/replayed";
    public const string GatewayMetric = "sfe/gatewayId";
    public const string QualityProperty = "Quality";
    public const string UnitProperty = "engUnit";
    private const ulong BatchSeqAlias = 1;
    private const ulong ReplayedAlias = 2;

    private readonly Dictionary<string, MetricInfo> _metrics = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private ulong _nextAlias = 3;
    private bool _birthNeeded = true;
    private byte _seq;

    /// <summary>Birth/death sequence of this MQTT session (0-255), carried by NBIRTH and the NDEATH will.</summary>
    public ulong BdSeq { get; } = bdSeq % 256;

    /// <summary>The seq the next payload will carry.</summary>
    public byte NextSequence => _seq;

    /// <summary>Forces a new NBIRTH (after a reconnect, or on a Rebirth command).</summary>
    public void RequestRebirth() => _birthNeeded = true;

    /// <summary>Learns the batch's tags; true when an NBIRTH must precede its NDATA.</summary>
    public bool Register(TelemetryBatch batch)
    {
        foreach (ref readonly var s in batch.Samples.Span)
        {
            var type = TypeOf(s.Value);
            if (!_metrics.TryGetValue(s.TagId, out var info))
            {
                _metrics[s.TagId] = new MetricInfo(_nextAlias++, type ?? SparkplugDataType.Double, s.Unit);
                _order.Add(s.TagId);
                _birthNeeded = true;
            }
            else if ((type is { } t && t != info.Type) || (s.Unit is not null && s.Unit != info.Unit))
            {
                _metrics[s.TagId] = info with { Type = type ?? info.Type, Unit = s.Unit ?? info.Unit };
                _birthNeeded = true;
            }
        }
        return _birthNeeded;
    }

    private static SparkplugDataType? TypeOf(SampleValue v) => v.Kind switch
    {
        SampleValueKind.Double => SparkplugDataType.Double,
        SampleValueKind.Boolean => SparkplugDataType.Boolean,
        SampleValueKind.Int64 => SparkplugDataType.Int64,
        SampleValueKind.String => SparkplugDataType.String,
        _ => null,
    };

    /// <summary>NBIRTH: seq 0, bdSeq, Node Control/Rebirth, the batch metadata metrics and every known tag (name, alias, type, unit).</summary>
    public void EncodeBirth(DateTime nowUtc, string gatewayId, IBufferWriter<byte> output)
    {
        _seq = 0;
        var ts = Millis(nowUtc);
        var size = UInt64Field(1, ts) + UInt64Field(3, 0);
        size += Nested(2, BirthMetricSize(BdSeqMetric, null, ts, SparkplugDataType.UInt64, null) + UInt64Field(11, BdSeq));
        size += Nested(2, BirthMetricSize(RebirthMetric, null, ts, SparkplugDataType.Boolean, null) + BoolField(14, false));
        size += Nested(2, BirthMetricSize(BatchSeqMetric, BatchSeqAlias, ts, SparkplugDataType.Int64, null) + BoolField(7, true));
        size += Nested(2, BirthMetricSize(ReplayedMetric, ReplayedAlias, ts, SparkplugDataType.Boolean, null) + BoolField(7, true));
        size += Nested(2, BirthMetricSize(GatewayMetric, null, ts, SparkplugDataType.String, null) + StringField(15, gatewayId));
        foreach (var name in _order)
        {
            var m = _metrics[name];
            size += Nested(2, BirthMetricSize(name, m.Alias, ts, m.Type, m.Unit) + BoolField(7, true));
        }
        var span = output.GetSpan(size);
        var cos = new CodedOutputStream(ArrayFor(span, size, out var rented));
        try
        {
            cos.WriteTag(1, WireFormat.WireType.Varint);
            cos.WriteUInt64(ts);
            WriteBirthMetric(cos, BdSeqMetric, null, ts, SparkplugDataType.UInt64, null, w => { w.WriteTag(11, WireFormat.WireType.Varint); w.WriteUInt64(BdSeq); }, UInt64Field(11, BdSeq));
            WriteBirthMetric(cos, RebirthMetric, null, ts, SparkplugDataType.Boolean, null, w => { w.WriteTag(14, WireFormat.WireType.Varint); w.WriteBool(false); }, BoolField(14, false));
            WriteBirthMetric(cos, BatchSeqMetric, BatchSeqAlias, ts, SparkplugDataType.Int64, null, w => { w.WriteTag(7, WireFormat.WireType.Varint); w.WriteBool(true); }, BoolField(7, true));
            WriteBirthMetric(cos, ReplayedMetric, ReplayedAlias, ts, SparkplugDataType.Boolean, null, w => { w.WriteTag(7, WireFormat.WireType.Varint); w.WriteBool(true); }, BoolField(7, true));
            WriteBirthMetric(cos, GatewayMetric, null, ts, SparkplugDataType.String, null, w => { w.WriteTag(15, WireFormat.WireType.LengthDelimited); w.WriteString(gatewayId); }, StringField(15, gatewayId));
            foreach (var name in _order)
            {
                var m = _metrics[name];
                WriteBirthMetric(cos, name, m.Alias, ts, m.Type, m.Unit, w => { w.WriteTag(7, WireFormat.WireType.Varint); w.WriteBool(true); }, BoolField(7, true));
            }
            cos.WriteTag(3, WireFormat.WireType.Varint);
            cos.WriteUInt64(0);
            cos.Flush();
            CheckSize(cos, size);
            Commit(span, rented, size, output);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        _seq = 1;
        _birthNeeded = false;
    }

    /// <summary>NDATA for a batch whose tags are all born: metrics by alias with source timestamp, value and (when not Good) the quality code.</summary>
    public void EncodeData(TelemetryBatch batch, IBufferWriter<byte> output)
    {
        if (_birthNeeded) throw new InvalidOperationException("An NBIRTH must be published before this NDATA (call Register, then EncodeBirth).");
        var created = Millis(batch.CreatedUtc);
        var seq = _seq;
        var samples = batch.Samples.Span;
        var size = UInt64Field(1, created) + UInt64Field(3, seq);
        size += Nested(2, DataHeaderSize(BatchSeqAlias, created) + UInt64Field(11, (ulong)batch.Sequence));
        size += Nested(2, DataHeaderSize(ReplayedAlias, created) + BoolField(14, batch.Replayed));
        foreach (ref readonly var s in samples) size += Nested(2, DataMetricSize(s));
        var span = output.GetSpan(size);
        var cos = new CodedOutputStream(ArrayFor(span, size, out var rented));
        try
        {
            cos.WriteTag(1, WireFormat.WireType.Varint);
            cos.WriteUInt64(created);
            cos.WriteTag(2, WireFormat.WireType.LengthDelimited);
            cos.WriteLength(DataHeaderSize(BatchSeqAlias, created) + UInt64Field(11, (ulong)batch.Sequence));
            WriteDataHeader(cos, BatchSeqAlias, created);
            cos.WriteTag(11, WireFormat.WireType.Varint);
            cos.WriteUInt64((ulong)batch.Sequence);
            cos.WriteTag(2, WireFormat.WireType.LengthDelimited);
            cos.WriteLength(DataHeaderSize(ReplayedAlias, created) + BoolField(14, batch.Replayed));
            WriteDataHeader(cos, ReplayedAlias, created);
            cos.WriteTag(14, WireFormat.WireType.Varint);
            cos.WriteBool(batch.Replayed);
            foreach (ref readonly var s in samples)
            {
                cos.WriteTag(2, WireFormat.WireType.LengthDelimited);
                cos.WriteLength(DataMetricSize(s));
                WriteDataMetric(cos, s);
            }
            cos.WriteTag(3, WireFormat.WireType.Varint);
            cos.WriteUInt64(seq);
            cos.Flush();
            CheckSize(cos, size);
            Commit(span, rented, size, output);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        _seq = (byte)(seq == 255 ? 0 : seq + 1);
    }

    /// <summary>NDEATH (the will): bdSeq only, no seq.</summary>
    public static byte[] EncodeDeath(ulong bdSeq, DateTime nowUtc)
    {
        var ts = Millis(nowUtc);
        var metric = BirthMetricSize(BdSeqMetric, null, ts, SparkplugDataType.UInt64, null) + UInt64Field(11, bdSeq % 256);
        var size = UInt64Field(1, ts) + Nested(2, metric);
        var bytes = new byte[size];
        var cos = new CodedOutputStream(bytes);
        cos.WriteTag(1, WireFormat.WireType.Varint);
        cos.WriteUInt64(ts);
        WriteBirthMetric(cos, BdSeqMetric, null, ts, SparkplugDataType.UInt64, null, w => { w.WriteTag(11, WireFormat.WireType.Varint); w.WriteUInt64(bdSeq % 256); }, UInt64Field(11, bdSeq % 256));
        cos.Flush();
        return bytes;
    }

    // ------------------------------------------------------------------ sizes and writers

    private static ulong Millis(DateTime utc) => (ulong)Math.Max(0, (DateTime.SpecifyKind(utc, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond);

    private static int UInt64Field(int field, ulong value) => CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeUInt64Size(value);
    private static int BoolField(int field, bool value) => CodedOutputStream.ComputeTagSize(field) + 1;
    private static int StringField(int field, string value) => CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeStringSize(value);
    private static int Nested(int field, int size) => CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(size) + size;

    private static int PropertySetSize(string key, int valueSize) =>
        StringField(1, key) + Nested(2, valueSize);

    private static int BirthMetricSize(string name, ulong? alias, ulong ts, SparkplugDataType type, string? unit)
    {
        var size = StringField(1, name) + UInt64Field(3, ts) + UInt64Field(4, (ulong)type);
        if (alias is { } a) size += UInt64Field(2, a);
        if (unit is not null) size += Nested(9, PropertySetSize(UnitProperty, UInt64Field(1, (ulong)SparkplugDataType.String) + StringField(8, unit)));
        return size;
    }

    private static void WriteBirthMetric(CodedOutputStream w, string name, ulong? alias, ulong ts, SparkplugDataType type, string? unit,
        Action<CodedOutputStream> writeValue, int valueSize)
    {
        w.WriteTag(2, WireFormat.WireType.LengthDelimited);
        w.WriteLength(BirthMetricSize(name, alias, ts, type, unit) + valueSize);
        w.WriteTag(1, WireFormat.WireType.LengthDelimited);
        w.WriteString(name);
        if (alias is { } a)
        {
            w.WriteTag(2, WireFormat.WireType.Varint);
            w.WriteUInt64(a);
        }
        w.WriteTag(3, WireFormat.WireType.Varint);
        w.WriteUInt64(ts);
        w.WriteTag(4, WireFormat.WireType.Varint);
        w.WriteUInt32((uint)type);
        writeValue(w);
        if (unit is not null)
        {
            var valueSz = UInt64Field(1, (ulong)SparkplugDataType.String) + StringField(8, unit);
            w.WriteTag(9, WireFormat.WireType.LengthDelimited);
            w.WriteLength(PropertySetSize(UnitProperty, valueSz));
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(UnitProperty);
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteLength(valueSz);
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteUInt32((uint)SparkplugDataType.String);
            w.WriteTag(8, WireFormat.WireType.LengthDelimited);
            w.WriteString(unit);
        }
    }

    private static int DataHeaderSize(ulong alias, ulong ts) => UInt64Field(2, alias) + UInt64Field(3, ts);

    private static void WriteDataHeader(CodedOutputStream w, ulong alias, ulong ts)
    {
        w.WriteTag(2, WireFormat.WireType.Varint);
        w.WriteUInt64(alias);
        w.WriteTag(3, WireFormat.WireType.Varint);
        w.WriteUInt64(ts);
    }

    private static int QualitySize(uint code) => UInt64Field(1, (ulong)SparkplugDataType.UInt32) + CodedOutputStream.ComputeTagSize(3) + CodedOutputStream.ComputeUInt32Size(code);

    private int DataMetricSize(in Sample s)
    {
        var m = _metrics[s.TagId];
        var size = DataHeaderSize(m.Alias, Millis(s.SourceTimestamp)) + ValueSize(s.Value, m.Type);
        if (!s.Quality.IsGood || s.Quality.Code != 0) size += Nested(9, PropertySetSize(QualityProperty, QualitySize(s.Quality.Code)));
        return size;
    }

    private void WriteDataMetric(CodedOutputStream w, in Sample s)
    {
        var m = _metrics[s.TagId];
        WriteDataHeader(w, m.Alias, Millis(s.SourceTimestamp));
        WriteValue(w, s.Value, m.Type);
        if (!s.Quality.IsGood || s.Quality.Code != 0)
        {
            var code = s.Quality.Code;
            w.WriteTag(9, WireFormat.WireType.LengthDelimited);
            w.WriteLength(PropertySetSize(QualityProperty, QualitySize(code)));
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(QualityProperty);
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteLength(QualitySize(code));
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteUInt32((uint)SparkplugDataType.UInt32);
            w.WriteTag(3, WireFormat.WireType.Varint);
            w.WriteUInt32(code);
        }
    }

    private static int ValueSize(SampleValue v, SparkplugDataType type)
    {
        if (!v.HasValue) return BoolField(7, true);
        return type switch
        {
            SparkplugDataType.Double => CodedOutputStream.ComputeTagSize(13) + 8,
            SparkplugDataType.Boolean => BoolField(14, true),
            SparkplugDataType.Int64 => UInt64Field(11, (ulong)v.AsInt64),
            _ => StringField(15, v.ToString()),
        };
    }

    private static void WriteValue(CodedOutputStream w, SampleValue v, SparkplugDataType type)
    {
        if (!v.HasValue)
        {
            w.WriteTag(7, WireFormat.WireType.Varint);
            w.WriteBool(true);
            return;
        }
        switch (type)
        {
            case SparkplugDataType.Double:
                w.WriteTag(13, WireFormat.WireType.Fixed64);
                w.WriteDouble(v.AsDouble);
                break;
            case SparkplugDataType.Boolean:
                w.WriteTag(14, WireFormat.WireType.Varint);
                w.WriteBool(v.AsBoolean);
                break;
            case SparkplugDataType.Int64:
                w.WriteTag(11, WireFormat.WireType.Varint);
                w.WriteUInt64((ulong)v.AsInt64);
                break;
            default:
                w.WriteTag(15, WireFormat.WireType.LengthDelimited);
                w.WriteString(v.ToString());
                break;
        }
    }

    // CodedOutputStream (3.25) writes to arrays or streams: encode into a rented array, then copy into the writer.
    private static byte[] ArrayFor(Span<byte> span, int size, out byte[]? rented)
    {
        _ = span;
        rented = ArrayPool<byte>.Shared.Rent(size);
        return rented;
    }

    private static void Commit(Span<byte> span, byte[]? rented, int size, IBufferWriter<byte> output)
    {
        rented.AsSpan(0, size).CopyTo(span);
        output.Advance(size);
    }

    private static void CheckSize(CodedOutputStream cos, int expected)
    {
        if (cos.Position != expected) throw new InvalidOperationException($"Sparkplug encoder wrote {cos.Position} bytes but computed {expected}.");
    }

    private sealed record MetricInfo(ulong Alias, SparkplugDataType Type, string? Unit);
}
