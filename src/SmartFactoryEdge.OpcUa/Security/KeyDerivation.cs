using System.Security.Cryptography;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>Symmetric keys of one direction of a secure channel.</summary>
public sealed record DerivedKeys(byte[] SigningKey, byte[] EncryptingKey, byte[] InitializationVector);

/// <summary>
/// P_SHA256 (RFC 5246, 5) and the secure-channel key derivation of Part 6, 6.7.5: the client's keys are
/// P_SHA256(ServerNonce, ClientNonce), the server's keys P_SHA256(ClientNonce, ServerNonce), each split into
/// signing key, encrypting key and initialization vector in that order.
/// </summary>
public static class KeyDerivation
{
    /// <summary>Fills <paramref name="output"/> with P_SHA256(secret, seed).</summary>
    public static void PSha256(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        const int hashLength = 32;
        Span<byte> a = stackalloc byte[hashLength];
        Span<byte> block = stackalloc byte[hashLength];
        var aAndSeed = new byte[hashLength + seed.Length];
        seed.CopyTo(aAndSeed.AsSpan(hashLength));
        // A(1) = HMAC(secret, seed)
        HMACSHA256.HashData(secret, seed, a);
        for (int offset = 0; offset < output.Length; offset += hashLength)
        {
            a.CopyTo(aAndSeed);
            HMACSHA256.HashData(secret, aAndSeed, block);
            block[..Math.Min(hashLength, output.Length - offset)].CopyTo(output[offset..]);
            HMACSHA256.HashData(secret, a, a); // A(i+1) = HMAC(secret, A(i))
        }
        CryptographicOperations.ZeroMemory(aAndSeed);
    }

    /// <summary>Keys for messages the client sends (secret = server nonce, seed = client nonce).</summary>
    public static DerivedKeys ClientKeys(SecurityPolicyInfo policy, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce)
        => Derive(policy, serverNonce, clientNonce);

    /// <summary>Keys for messages the server sends (secret = client nonce, seed = server nonce).</summary>
    public static DerivedKeys ServerKeys(SecurityPolicyInfo policy, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce)
        => Derive(policy, clientNonce, serverNonce);

    private static DerivedKeys Derive(SecurityPolicyInfo policy, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed)
    {
        var material = new byte[policy.SigningKeyLength + policy.EncryptionKeyLength + policy.EncryptionBlockSize];
        PSha256(secret, seed, material);
        var keys = new DerivedKeys(
            material[..policy.SigningKeyLength],
            material[policy.SigningKeyLength..(policy.SigningKeyLength + policy.EncryptionKeyLength)],
            material[(policy.SigningKeyLength + policy.EncryptionKeyLength)..]);
        CryptographicOperations.ZeroMemory(material);
        return keys;
    }
}
