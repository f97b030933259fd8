using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Center.Ingest;

/// <summary>A metric as an NBIRTH declared it.</summary>
public sealed record SparkplugMetric(string Name, uint DataType, string? Unit);

/// <summary>
/// The alias tables of Sparkplug edge nodes, learnt from NBIRTH. NBIRTH/NDEATH are subscribed without a share group, so
/// every center instance holds every table while NDATA is split between them.
/// </summary>
public sealed class SparkplugSessions
{
    private readonly ConcurrentDictionary<(string Site, string Node), Dictionary<ulong, SparkplugMetric>> _nodes = new();

    public void Born(string site, string node, Dictionary<ulong, SparkplugMetric> aliases) => _nodes[(site, node)] = aliases;

    public bool TryGet(string site, string node, out Dictionary<ulong, SparkplugMetric> aliases) => _nodes.TryGetValue((site, node), out aliases!);
}

/// <summary>
/// Strict Sparkplug B 3.0 payload decoding (sparkplug_b.proto Payload/Metric/PropertySet) over a span, following
/// docs/wire-contract.md: NDATA carries <c>sfe/batchSeq</c> (alias 1), <c>sfe/replayed</c> (alias 2) and one metric per
/// sample by alias. Every length is checked against what is left; errors name the byte offset.
/// </summary>
internal static class SparkplugDecoder
{
    private const ulong BatchSeqAlias = 1;
    private const ulong ReplayedAlias = 2;

    public static CenterMessage Decode(string topic, ReadOnlyMemory<byte> payload, long received, SparkplugSessions sessions, StringCache strings)
    {
        var parts = topic.Split('/');
        if (parts.Length != 4 || parts[1].Length == 0 || parts[3].Length == 0)
            return CenterMessage.Dead(topic, payload, "topic is not spBv1.0/{group}/{type}/{node} (device-level messages are not read)", received);
        var site = parts[1];
        var node = parts[3];
        try
        {
            return parts[2] switch
            {
                "NBIRTH" => Birth(topic, site, node, payload, received, sessions, strings),
                "NDEATH" => Death(topic, site, node, payload, received),
                "NDATA" => Data(topic, site, node, payload, received, sessions),
                _ => new CenterMessage(null, null, null, null, Ignored: true),
            };
        }
        catch (SparkplugFormatException ex)
        {
            return CenterMessage.Dead(topic, payload, ex.Message, received);
        }
    }

    private static CenterMessage Birth(string topic, string site, string node, ReadOnlyMemory<byte> payload, long received, SparkplugSessions sessions, StringCache strings)
    {
        var r = new ProtoReader(payload.Span);
        var aliases = new Dictionary<ulong, SparkplugMetric>();
        ulong timestamp = 0;
        string? gatewayId = null;
        while (r.More)
        {
            var (field, wire) = r.Tag();
            if (field == 1 && wire == 0) timestamp = r.Varint();
            else if (field == 2 && wire == 2)
            {
                var m = ReadMetric(r.Bytes(), r.Offset);
                if (m.Name is null) throw new SparkplugFormatException($"NBIRTH metric without a name (byte {r.Offset})");
                if (m.Name == "sfe/gatewayId") gatewayId = m.String;
                if (m.Alias is { } alias && alias > ReplayedAlias)
                {
                    if (aliases.ContainsKey(alias)) throw new SparkplugFormatException($"NBIRTH declares alias {alias} twice (byte {r.Offset})");
                    aliases[alias] = new SparkplugMetric(strings.Get(m.Name.AsSpan()), m.DataType, m.Unit);
                }
            }
            else r.SkipField(wire);
        }
        if (gatewayId is not null && gatewayId != node) throw new SparkplugFormatException($"NBIRTH sfe/gatewayId {gatewayId} does not match node {node}");
        sessions.Born(site, node, aliases);
        return new CenterMessage(null, null, new StateRecord(site, node, true, Micros(timestamp), received, "sparkplug-b"), null);
    }

    private static CenterMessage Death(string topic, string site, string node, ReadOnlyMemory<byte> payload, long received)
    {
        var r = new ProtoReader(payload.Span);
        ulong timestamp = 0;
        while (r.More)
        {
            var (field, wire) = r.Tag();
            if (field == 1 && wire == 0) timestamp = r.Varint();
            else r.SkipField(wire);
        }
        return new CenterMessage(null, null, new StateRecord(site, node, false, timestamp == 0 ? received : Micros(timestamp), received, "sparkplug-b"), null);
    }

    private static CenterMessage Data(string topic, string site, string node, ReadOnlyMemory<byte> payload, long received, SparkplugSessions sessions)
    {
        if (!sessions.TryGet(site, node, out var aliases))
            return CenterMessage.Dead(topic, payload, $"NDATA from node {node} before any NBIRTH: its aliases are unknown", received);
        var r = new ProtoReader(payload.Span);
        ulong created = 0;
        long? batchSeq = null;
        var replayed = false;
        var rows = new List<SampleRow>(64);
        while (r.More)
        {
            var (field, wire) = r.Tag();
            if (field == 1 && wire == 0) created = r.Varint();
            else if (field == 2 && wire == 2)
            {
                var at = r.Offset;
                var m = ReadMetric(r.Bytes(), at);
                if (m.Alias is not { } alias) throw new SparkplugFormatException($"NDATA metric without an alias (byte {at})");
                if (alias == BatchSeqAlias)
                {
                    if (m.Long is not { } l || l > long.MaxValue) throw new SparkplugFormatException($"sfe/batchSeq has no valid long value (byte {at})");
                    batchSeq = (long)l;
                }
                else if (alias == ReplayedAlias) replayed = m.Bool ?? false;
                else
                {
                    if (!aliases.TryGetValue(alias, out var def)) throw new SparkplugFormatException($"NDATA alias {alias} was not declared by the last NBIRTH (byte {at})");
                    if (m.Timestamp is not { } ts) throw new SparkplugFormatException($"metric {def.Name} has no timestamp (byte {at})");
                    rows.Add(new SampleRow(site, node, TelemetryDecoder.AssetOf(def.Name), def.Name, Micros(ts), received, m.Quality ?? 0, def.Unit, ValueOf(m, def, at)));
                }
            }
            else r.SkipField(wire);
        }
        if (batchSeq is null) throw new SparkplugFormatException("NDATA without sfe/batchSeq (alias 1)");
        return new CenterMessage(new DecodedBatch(site, node, batchSeq.Value, replayed, Micros(created), received, "sparkplug-b", rows), null, null, null);
    }

    private static SampleValue ValueOf(in MetricFields m, SparkplugMetric def, int at)
    {
        if (m.IsNull) return SampleValue.None;
        return def.DataType switch
        {
            10 => m.Double is { } d ? SampleValue.FromDouble(d) : throw new SparkplugFormatException($"metric {def.Name} (Double) has no double_value (byte {at})"),
            9 => m.Float is { } f ? SampleValue.FromDouble(f) : throw new SparkplugFormatException($"metric {def.Name} (Float) has no float_value (byte {at})"),
            11 => m.Bool is { } b ? SampleValue.FromBoolean(b) : throw new SparkplugFormatException($"metric {def.Name} (Boolean) has no boolean_value (byte {at})"),
            >= 1 and <= 3 or 5 or 6 or 7 => m.Int is { } i ? SampleValue.FromInt64(def.DataType <= 3 ? (int)i : i) : m.Long is { } li ? SampleValue.FromInt64((long)li) : throw new SparkplugFormatException($"metric {def.Name} has no int_value (byte {at})"),
            4 or 8 => m.Long is { } l ? SampleValue.FromInt64((long)l) : throw new SparkplugFormatException($"metric {def.Name} (Int64) has no long_value (byte {at})"),
            12 or 14 or 15 => m.String is { } s ? SampleValue.FromString(s) : throw new SparkplugFormatException($"metric {def.Name} (String) has no string_value (byte {at})"),
            _ => throw new SparkplugFormatException($"metric {def.Name} has unsupported datatype {def.DataType} (byte {at})"),
        };
    }

    private static long Micros(ulong millis) => millis > long.MaxValue / 1000 ? throw new SparkplugFormatException($"timestamp {millis} ms is out of range") : (long)millis * 1000;

    private ref struct MetricFields
    {
        public string? Name;
        public ulong? Alias;
        public ulong? Timestamp;
        public uint DataType;
        public bool IsNull;
        public uint? Int;
        public ulong? Long;
        public float? Float;
        public double? Double;
        public bool? Bool;
        public string? String;
        public string? Unit;
        public uint? Quality;
    }

    private static MetricFields ReadMetric(ReadOnlySpan<byte> span, int baseOffset)
    {
        var r = new ProtoReader(span, baseOffset);
        var m = new MetricFields();
        while (r.More)
        {
            var (field, wire) = r.Tag();
            switch (field, wire)
            {
                case (1, 2): m.Name = r.String(); break;
                case (2, 0): m.Alias = r.Varint(); break;
                case (3, 0): m.Timestamp = r.Varint(); break;
                case (4, 0): m.DataType = (uint)r.Varint(); break;
                case (7, 0): m.IsNull = r.Varint() != 0; break;
                case (9, 2): ReadProperties(r.Bytes(), r.Offset, ref m); break;
                case (10, 0): m.Int = (uint)r.Varint(); break;
                case (11, 0): m.Long = r.Varint(); break;
                case (12, 5): m.Float = BitConverter.Int32BitsToSingle((int)r.Fixed32()); break;
                case (13, 1): m.Double = BitConverter.Int64BitsToDouble((long)r.Fixed64()); break;
                case (14, 0): m.Bool = r.Varint() != 0; break;
                case (15, 2): m.String = r.String(); break;
                default: r.SkipField(wire); break;
            }
        }
        return m;
    }

    private static void ReadProperties(ReadOnlySpan<byte> span, int baseOffset, ref MetricFields m)
    {
        var r = new ProtoReader(span, baseOffset);
        var keys = new List<string>(2);
        var index = 0;
        while (r.More)
        {
            var (field, wire) = r.Tag();
            if (field == 1 && wire == 2) keys.Add(r.String());
            else if (field == 2 && wire == 2)
            {
                var at = r.Offset;
                var v = new ProtoReader(r.Bytes(), at);
                if (index >= keys.Count) throw new SparkplugFormatException($"property value without a key (byte {at})");
                var key = keys[index++];
                ulong? number = null;
                string? text = null;
                while (v.More)
                {
                    var (f, w) = v.Tag();
                    if ((f == 3 || f == 4) && w == 0) number = v.Varint();
                    else if (f == 8 && w == 2) text = v.String();
                    else v.SkipField(w);
                }
                if (key == "Quality")
                {
                    if (number is not { } q || q > uint.MaxValue) throw new SparkplugFormatException($"property Quality is not a UInt32 (byte {at})");
                    m.Quality = (uint)q;
                }
                else if (key == "engUnit") m.Unit = text;
            }
            else r.SkipField(wire);
        }
    }
}

/// <summary>A Sparkplug payload that does not follow the protobuf encoding or the wire contract.</summary>
internal sealed class SparkplugFormatException(string message) : Exception(message);

/// <summary>Minimal strict protobuf reader over a span: varints of at most 10 bytes, lengths checked against the remainder.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> span, int baseOffset = 0)
{
    private readonly ReadOnlySpan<byte> _span = span;
    private int _pos;

    public readonly bool More => _pos < _span.Length;

    public readonly int Offset => baseOffset + _pos;

    public (int Field, int Wire) Tag()
    {
        var at = Offset;
        var tag = Varint();
        var field = tag >> 3;
        if (field == 0 || field > 536_870_911) throw new SparkplugFormatException($"invalid protobuf field number {field} (byte {at})");
        return ((int)field, (int)(tag & 7));
    }

    public ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _span.Length) throw new SparkplugFormatException($"truncated varint (byte {Offset})");
            var b = _span[_pos++];
            if (shift == 63 && b > 1) throw new SparkplugFormatException($"varint overflows 64 bits (byte {Offset - 1})");
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new SparkplugFormatException($"varint longer than 10 bytes (byte {Offset})");
    }

    public uint Fixed32()
    {
        if (_span.Length - _pos < 4) throw new SparkplugFormatException($"truncated fixed32 (byte {Offset})");
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_span[_pos..]);
        _pos += 4;
        return v;
    }

    public ulong Fixed64()
    {
        if (_span.Length - _pos < 8) throw new SparkplugFormatException($"truncated fixed64 (byte {Offset})");
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_span[_pos..]);
        _pos += 8;
        return v;
    }

    public ReadOnlySpan<byte> Bytes()
    {
        var at = Offset;
        var length = Varint();
        if (length > (ulong)(_span.Length - _pos)) throw new SparkplugFormatException($"length {length} runs past the end of the payload (byte {at})");
        var slice = _span.Slice(_pos, (int)length);
        _pos += (int)length;
        return slice;
    }

    public string String()
    {
        var at = Offset;
        var bytes = Bytes();
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SparkplugFormatException($"string is not valid UTF-8 (byte {at})");
        }
    }

    public void SkipField(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Fixed64(); break;
            case 2: Bytes(); break;
            case 5: Fixed32(); break;
            default: throw new SparkplugFormatException($"unsupported protobuf wire type {wire} (byte {Offset})");
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
