using System.Buffers;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Storage.Codec;

/// <summary>
/// Decodes sample batches without per-batch garbage: samples land in an array rented from
/// <see cref="ArrayPool{T}.Shared"/> (give it back with <see cref="Return"/>), tag ids and units come from a bounded
/// string cache, the per-batch dictionaries are reused. One instance serves one reader at a time (not thread-safe).
/// </summary>
public sealed class SampleBatchDecoder
{
    private string[] _tags = [];
    private string?[] _units = [];

    /// <param name="maxCachedStrings">Distinct tag ids and units kept; past it the cache starts over.</param>
    public SampleBatchDecoder(int maxCachedStrings = 65_536) => Strings = new StringCache(maxCachedStrings);

    internal StringCache Strings { get; }

    /// <summary>Decodes a blob written by <see cref="SampleBatchCodec.Encode"/> into a rented array.</summary>
    /// <returns>The rented array; the first <paramref name="count"/> samples are the batch.</returns>
    /// <exception cref="OutboxRecordCorruptException">The blob is truncated, corrupt, of another version or kind.</exception>
    public Sample[] Decode(ReadOnlySpan<byte> blob, out int count) => SampleBatchCodec.DecodeCore(blob, verifyChecksum: true, this, out count);

    /// <summary>Gives a decoded array back to the pool (its first <paramref name="count"/> entries are cleared first).</summary>
    public static void Return(Sample[] samples, int count)
    {
        ArgumentNullException.ThrowIfNull(samples);
        Array.Clear(samples, 0, Math.Min(count, samples.Length));
        ArrayPool<Sample>.Shared.Return(samples);
    }

    internal string[] TagScratch(int length) => _tags.Length >= length ? _tags : _tags = new string[Math.Max(length, _tags.Length * 2)];

    internal string?[] UnitScratch(int length) => _units.Length >= length ? _units : _units = new string?[Math.Max(length, _units.Length * 2)];
}
