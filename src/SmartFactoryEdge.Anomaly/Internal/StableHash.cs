namespace SmartFactoryEdge.Anomaly.Internal;

/// <summary>
/// A 128-bit hash that is the same in every process and on every machine (unlike <see cref="HashCode"/>): two FNV-1a
/// lanes over the UTF-16 code units with different offset bases, each finished with the SplitMix64 mixer. For telling
/// one configuration from another, not for security: it needs no cryptographic library, which on Linux means OpenSSL
/// and about 10 MB of resident memory loaded just to fingerprint a checkpoint.
/// </summary>
internal static class StableHash
{
    private const ulong Prime = 0x0000_0100_0000_01B3;

    public static string Hex128(string text)
    {
        ulong a = 0xCBF2_9CE4_8422_2325, b = 0x84222325_CBF29CE4 ^ 0x9E37_79B9_7F4A_7C15;
        foreach (var c in text)
        {
            a = (a ^ (byte)c) * Prime;
            a = (a ^ (byte)(c >> 8)) * Prime;
            b = (b ^ (byte)(c >> 8)) * Prime;
            b = (b ^ (byte)c) * Prime;
        }
        return $"{Mix(a ^ (ulong)text.Length):x16}{Mix(b):x16}";
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}
