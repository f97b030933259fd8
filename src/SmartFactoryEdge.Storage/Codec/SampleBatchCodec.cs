using System.Buffers;
using System.Buffers.Binary;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Storage.Codec;

/// <summary>
/// The outbox's compact binary encoding of one batch of samples (format version 1, docs in the project README):
/// <code>
/// version:u8=1  kind:u8=1  count:varint
/// tagCount:varint  tag*:(len:varint utf8)      -- tag ids, dictionary-coded per batch
/// unitCount:varint unit*:(len:varint utf8)     -- units, dictionary-coded per batch (index 0 = no unit)
/// baseTicks:i64le                               -- source timestamp of the first sample
/// sample*: tagIndex:varint unitIndex:varint
///          head:u8 (bits 0-2 value kind, bit 3 received delta follows, bit 4 quality follows; other bits zero)
///          sourceDelta:zigzag (ticks from the previous sample's source timestamp)
///          [receivedDelta:zigzag] (ticks from this sample's source timestamp; absent = same as source)
///          [quality:varint] (the 32-bit StatusCode; absent = Good)
///          value (Double: f64le, Boolean: u8, Int64: zigzag, String: len+utf8, None: nothing)
/// crc32c:u32le over everything before it
/// </code>
/// A Good numeric sample whose received time equals its source time costs about 14 bytes (8 of them the double).
/// Decoding rejects every malformed blob with <see cref="OutboxRecordCorruptException"/> naming the offset.
/// </summary>
public sealed class SampleBatchCodec
{
    /// <summary>The format version this codec writes and reads.</summary>
    public const byte Version = 1;

    internal const byte KindSamples = 1;
    internal const byte KindAnomalyEvent = 2;
    private const int MinSampleBytes = 4;
    private const byte KindMask = 0x07, HasReceivedDelta = 0x08, HasQuality = 0x10;
    private const string What = "sample batch";

    private readonly BlobWriter _writer = new();
    private readonly Dictionary<string, int> _tags = new(StringComparer.Ordinal);
    private readonly List<string> _tagList = [];
    private readonly Dictionary<string, int> _units = new(StringComparer.Ordinal);
    private readonly List<string> _unitList = [];

    /// <summary>Encodes <paramref name="samples"/> into a new blob. An instance is reusable but not thread-safe.</summary>
    public byte[] Encode(ReadOnlySpan<Sample> samples)
    {
        _tags.Clear();
        _tagList.Clear();
        _units.Clear();
        _unitList.Clear();
        string? lastTag = null;
        string? lastUnit = null;
        foreach (ref readonly var s in samples)
        {
            if (!ReferenceEquals(s.TagId, lastTag))
            {
                lastTag = s.TagId ?? throw new ArgumentException("A sample without a tag id cannot be stored.", nameof(samples));
                if (_tags.TryAdd(lastTag, _tagList.Count)) _tagList.Add(lastTag);
            }
            if (s.Unit is { } unit && !ReferenceEquals(unit, lastUnit))
            {
                lastUnit = unit;
                if (_units.TryAdd(unit, _unitList.Count + 1)) _unitList.Add(unit);
            }
        }

        var w = _writer;
        w.Reset();
        w.WriteByte(Version);
        w.WriteByte(KindSamples);
        w.WriteVarUInt64((ulong)samples.Length);
        w.WriteVarUInt64((ulong)_tagList.Count);
        foreach (var t in _tagList) w.WriteString(t);
        w.WriteVarUInt64((ulong)_unitList.Count);
        foreach (var u in _unitList) w.WriteString(u);
        long prev = samples.Length > 0 ? samples[0].SourceTimestamp.Ticks : 0;
        w.WriteInt64(prev);

        int tagIndex = -1, unitIndex, lastUnitIndex = 0;
        lastTag = null;
        lastUnit = null;
        foreach (ref readonly var s in samples)
        {
            if (!ReferenceEquals(s.TagId, lastTag))
            {
                lastTag = s.TagId;
                tagIndex = _tags[lastTag];
            }
            if (s.Unit is null) unitIndex = 0;
            else
            {
                if (!ReferenceEquals(s.Unit, lastUnit))
                {
                    lastUnit = s.Unit;
                    lastUnitIndex = _units[lastUnit];
                }
                unitIndex = lastUnitIndex;
            }
            long src = s.SourceTimestamp.Ticks;
            long recvDelta = s.ReceivedTimestamp.Ticks - src;
            var v = s.Value;
            byte head = (byte)((byte)v.Kind | (recvDelta != 0 ? HasReceivedDelta : 0) | (s.Quality.Code != 0 ? HasQuality : 0));
            w.WriteVarUInt64((ulong)tagIndex);
            w.WriteVarUInt64((ulong)unitIndex);
            w.WriteByte(head);
            w.WriteZigZag64(src - prev);
            if (recvDelta != 0) w.WriteZigZag64(recvDelta);
            if (s.Quality.Code != 0) w.WriteVarUInt64(s.Quality.Code);
            prev = src;
            switch (v.Kind)
            {
                case SampleValueKind.Double: w.WriteDouble(v.AsDouble); break;
                case SampleValueKind.Boolean: w.WriteByte(v.AsBoolean ? (byte)1 : (byte)0); break;
                case SampleValueKind.Int64: w.WriteZigZag64(v.AsInt64); break;
                case SampleValueKind.String: w.WriteString(v.AsString!); break;
                default: break;
            }
        }
        return w.FinishWithChecksum();
    }

    /// <summary>Reads the sample count from a blob's header without decoding it (the checksum is not verified).</summary>
    public static int PeekCount(ReadOnlySpan<byte> blob)
    {
        var r = new BlobReader(blob, 0, What, blob.Length);
        if (r.ReadByte() != Version) throw r.Fail("unknown format version");
        if (r.ReadByte() != KindSamples) throw r.Fail("not a sample batch");
        return r.ReadCount(blob.Length / MinSampleBytes, "sample count");
    }

    /// <summary>Decodes a blob written by <see cref="Encode"/>.</summary>
    /// <exception cref="OutboxRecordCorruptException">The blob is truncated, corrupt, of another version or kind.</exception>
    public static Sample[] Decode(ReadOnlySpan<byte> blob) => Decode(blob, verifyChecksum: true);

    internal static Sample[] Decode(ReadOnlySpan<byte> blob, bool verifyChecksum) => DecodeCore(blob, verifyChecksum, reuse: null, out _);

    /// <summary>
    /// Decodes into <paramref name="reuse"/>'s pooled buffers: the samples come in an array rented from
    /// <see cref="ArrayPool{T}.Shared"/> (<paramref name="count"/> of them are valid), tag ids and units from its string cache.
    /// </summary>
    internal static Sample[] DecodeCore(ReadOnlySpan<byte> blob, bool verifyChecksum, SampleBatchDecoder? reuse, out int count)
    {
        var body = CheckEnvelope(blob, KindSamples, What, verifyChecksum);
        var r = new BlobReader(body, 2, What, blob.Length);
        count = r.ReadCount(body.Length / MinSampleBytes, "sample count");
        int tagCount = r.ReadCount(Math.Max(1, r.Remaining / 2), "tag count");
        if (count > 0 && tagCount == 0) throw r.Fail("samples without a tag dictionary");
        var cache = reuse?.Strings;
        var tags = reuse?.TagScratch(tagCount) ?? new string[tagCount];
        for (int i = 0; i < tagCount; i++) tags[i] = r.ReadString("tag id", allowEmpty: false, cache);
        int unitCount = r.ReadCount(r.Remaining, "unit count");
        var units = reuse?.UnitScratch(unitCount + 1) ?? new string?[unitCount + 1];
        units[0] = null;
        for (int i = 1; i <= unitCount; i++) units[i] = r.ReadString("unit", allowEmpty: true, cache);
        long prev = r.ReadInt64();
        if (count > r.Remaining / MinSampleBytes) throw r.Fail($"sample count {count} needs more bytes than the {r.Remaining} left");

        var samples = reuse is null ? new Sample[count] : ArrayPool<Sample>.Shared.Rent(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                int tag = r.ReadCount(tagCount - 1, "tag index");
                int unit = r.ReadCount(unitCount, "unit index");
                byte head = r.ReadByte();
                if ((head & ~(KindMask | HasReceivedDelta | HasQuality)) != 0) throw r.Fail($"unknown sample header bits 0x{head:X2}");
                long src = unchecked(prev + r.ReadZigZag64());
                var source = r.ToDateTime(src, "source timestamp");
                var received = source;
                if ((head & HasReceivedDelta) != 0) received = r.ToDateTime(unchecked(src + r.ReadZigZag64()), "received timestamp");
                var quality = (head & HasQuality) != 0 ? new StatusCode(r.ReadVarUInt32()) : StatusCode.Good;
                int kind = head & KindMask;
                SampleValue value = (SampleValueKind)kind switch
                {
                    SampleValueKind.None => SampleValue.None,
                    SampleValueKind.Double => SampleValue.FromDouble(r.ReadDouble()),
                    SampleValueKind.Boolean => ReadBoolean(ref r),
                    SampleValueKind.Int64 => SampleValue.FromInt64(r.ReadZigZag64()),
                    SampleValueKind.String => SampleValue.FromString(r.ReadString("string value", allowEmpty: true)),
                    _ => throw r.Fail($"unknown value kind {kind}"),
                };
                samples[i] = new Sample(tags[tag], source, received, value, quality, units[unit]);
                prev = src;
            }
            if (r.Remaining != 0) throw r.Fail($"{r.Remaining} trailing bytes after the last sample");
        }
        catch when (reuse is not null)
        {
            SampleBatchDecoder.Return(samples, count);
            throw;
        }
        finally
        {
            // the scratch tables must not keep strings of a batch alive beyond the cache's own
            if (reuse is not null)
            {
                Array.Clear(tags, 0, tagCount);
                Array.Clear(units, 0, unitCount + 1);
            }
        }
        return samples;
    }

    private static SampleValue ReadBoolean(ref BlobReader r)
    {
        byte b = r.ReadByte();
        if (b > 1) throw r.Fail($"boolean byte {b} is neither 0 nor 1");
        return SampleValue.FromBoolean(b == 1);
    }

    /// <summary>Checks length, version, kind and checksum; returns the blob without its checksum.</summary>
    internal static ReadOnlySpan<byte> CheckEnvelope(ReadOnlySpan<byte> blob, byte kind, string what, bool verifyChecksum)
    {
        if (blob.Length < 6) throw new OutboxRecordCorruptException(what, 0, blob.Length, "shorter than the 6-byte minimum");
        if (blob[0] != Version) throw new OutboxRecordCorruptException(what, 0, blob.Length, $"unknown format version {blob[0]} (this build reads {Version})");
        if (blob[1] != kind) throw new OutboxRecordCorruptException(what, 1, blob.Length, $"record kind {blob[1]} where {kind} was expected");
        var body = blob[..^4];
        if (verifyChecksum)
        {
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(blob[^4..]);
            uint actual = Crc32C.Compute(body);
            if (stored != actual)
                throw new OutboxRecordCorruptException(what, blob.Length - 4, blob.Length, $"checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})");
        }
        return body;
    }
}
