using SmartFactoryEdge.Core;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// Padding of encrypted secure-channel chunks (Part 6, 6.7.2.5): PaddingSize (1 byte), PaddingSize bytes each
/// equal to PaddingSize, and ExtraPaddingSize (the high byte of the padding size) only when the encrypting key
/// is larger than 2048 bits. Sequence header + body + padding + signature must fill whole plaintext blocks.
/// </summary>
public static class MessagePadding
{
    /// <summary>True when the key needs the ExtraPaddingSize byte (RSA keys above 2048 bits; never for AES).</summary>
    public static bool NeedsExtraPaddingByte(int encryptingKeyBits) => encryptingKeyBits > 2048;

    /// <summary>Total bytes to append after the body (size byte(s) included).</summary>
    /// <param name="plainLength">Bytes encrypted before the padding: sequence header + body.</param>
    public static int Length(int plainLength, int signatureLength, int plainBlockSize, bool extraPaddingByte)
    {
        var sizeBytes = extraPaddingByte ? 2 : 1;
        var unpadded = plainLength + sizeBytes + signatureLength;
        return (plainBlockSize - unpadded % plainBlockSize) % plainBlockSize + sizeBytes;
    }

    /// <summary>Writes <paramref name="length"/> padding bytes (as returned by <see cref="Length"/>).</summary>
    public static void Write(Span<byte> destination, int length, bool extraPaddingByte)
    {
        var padCount = length - (extraPaddingByte ? 2 : 1);
        var low = (byte)padCount;
        destination[..(padCount + 1)].Fill(low);
        if (extraPaddingByte) destination[padCount + 1] = (byte)(padCount >> 8);
    }

    /// <summary>Checks the padding at the end of <paramref name="plain"/> (decrypted, signature removed) and returns its length.</summary>
    /// <exception cref="ProtocolViolationException">The padding is inconsistent.</exception>
    public static int Read(ReadOnlySpan<byte> plain, bool extraPaddingByte)
    {
        var sizeBytes = extraPaddingByte ? 2 : 1;
        if (plain.Length < sizeBytes) throw new ProtocolViolationException($"Chunk too short ({plain.Length} bytes) for its padding.");
        var low = plain[^sizeBytes];
        var padCount = extraPaddingByte ? (plain[^1] << 8) | low : low;
        var total = padCount + sizeBytes;
        if (total > plain.Length) throw new ProtocolViolationException($"Padding size {padCount} exceeds the {plain.Length}-byte chunk.");
        var padding = plain.Slice(plain.Length - total, padCount + 1);
        if (padding.ContainsAnyExcept(low)) throw new ProtocolViolationException($"Padding bytes do not all equal the padding size {low} (offset {plain.Length - total}).");
        return total;
    }
}
