namespace SmartFactoryEdge.Storage.Codec;

/// <summary>
/// A stored outbox record (a sample batch or an anomaly event blob) failed to decode: wrong version, bad checksum,
/// a length or index past the end. <see cref="Offset"/> is the byte offset inside the blob where decoding stopped.
/// </summary>
public sealed class OutboxRecordCorruptException : FormatException
{
    public OutboxRecordCorruptException(string what, int offset, int length, string reason)
        : base($"Corrupt {what} blob at byte {offset} of {length}: {reason}")
    {
        Offset = offset;
        Length = length;
    }

    /// <summary>Byte offset in the blob where decoding stopped.</summary>
    public int Offset { get; }

    /// <summary>Length of the blob.</summary>
    public int Length { get; }
}
