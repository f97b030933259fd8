using System.Security.Cryptography;
using SmartFactoryEdge.Core;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// The asymmetric half of a security policy (Part 6, 6.7.2, OpenSecureChannel): RSA-OAEP encryption block by
/// block (SHA-1 for Basic256Sha256 and Aes128_Sha256_RsaOaep, SHA-256 for Aes256_Sha256_RsaPss) and RSA
/// signatures over SHA-256 (PKCS#1 v1.5, or PSS for Aes256_Sha256_RsaPss).
/// </summary>
public static class AsymmetricCrypto
{
    /// <summary>Plaintext bytes per RSA block for this policy's OAEP.</summary>
    public static int PlainBlockSize(RSA key, SecurityPolicyInfo policy) => key.KeySize / 8 - policy.OaepOverhead;

    /// <summary>Ciphertext bytes per RSA block (the key's modulus length).</summary>
    public static int CipherBlockSize(RSA key) => key.KeySize / 8;

    /// <summary>Encrypts <paramref name="plain"/> (a whole number of plaintext blocks, or any length) block by block.</summary>
    public static byte[] Encrypt(RSA publicKey, SecurityPolicyInfo policy, ReadOnlySpan<byte> plain)
    {
        var plainBlock = PlainBlockSize(publicKey, policy);
        var cipherBlock = CipherBlockSize(publicKey);
        var blocks = (plain.Length + plainBlock - 1) / plainBlock;
        var output = new byte[blocks * cipherBlock];
        for (int i = 0; i < blocks; i++)
        {
            var part = plain.Slice(i * plainBlock, Math.Min(plainBlock, plain.Length - i * plainBlock));
            if (!publicKey.TryEncrypt(part, output.AsSpan(i * cipherBlock, cipherBlock), policy.AsymmetricEncryptionPadding, out var written) || written != cipherBlock)
                throw new CryptographicException("RSA block encryption produced an unexpected length.");
        }
        return output;
    }

    /// <summary>Decrypts RSA blocks; returns the concatenated plaintext.</summary>
    /// <exception cref="ProtocolViolationException">The length is not a whole number of blocks or a block does not decrypt.</exception>
    public static byte[] Decrypt(RSA privateKey, SecurityPolicyInfo policy, ReadOnlySpan<byte> cipher)
    {
        var cipherBlock = CipherBlockSize(privateKey);
        if (cipher.Length % cipherBlock != 0) throw new ProtocolViolationException($"Asymmetric ciphertext of {cipher.Length} bytes is not a multiple of the {cipherBlock}-byte RSA block.");
        var plainBlock = PlainBlockSize(privateKey, policy);
        var output = new byte[cipher.Length / cipherBlock * plainBlock];
        var length = 0;
        for (int offset = 0; offset < cipher.Length; offset += cipherBlock)
        {
            try
            {
                if (!privateKey.TryDecrypt(cipher.Slice(offset, cipherBlock), output.AsSpan(length), policy.AsymmetricEncryptionPadding, out var written))
                    throw new ProtocolViolationException($"RSA block at offset {offset} decrypts to more than {plainBlock} bytes.");
                length += written;
            }
            catch (CryptographicException e)
            {
                throw new ProtocolViolationException($"RSA block at offset {offset} does not decrypt with our key ({policy.Name}): {e.Message}");
            }
        }
        return output[..length];
    }

    /// <summary>Signature length in bytes (the key's modulus length).</summary>
    public static int SignatureLength(RSA key) => key.KeySize / 8;

    public static byte[] Sign(RSA privateKey, SecurityPolicyInfo policy, ReadOnlySpan<byte> data)
        => privateKey.SignData(data.ToArray(), policy.AsymmetricSignatureHash, policy.AsymmetricSignaturePadding);

    public static bool Verify(RSA publicKey, SecurityPolicyInfo policy, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        => publicKey.VerifyData(data, signature, policy.AsymmetricSignatureHash, policy.AsymmetricSignaturePadding);
}
