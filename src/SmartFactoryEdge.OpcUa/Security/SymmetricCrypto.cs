using System.Security.Cryptography;
using SmartFactoryEdge.Core;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// The symmetric half of a security policy for one direction of a channel (Part 6, 6.7.2): HMAC-SHA256
/// signatures and AES-CBC encryption without .NET padding (the chunk carries OPC UA padding, see
/// <see cref="MessagePadding"/>). One instance per token and direction; not thread-safe.
/// </summary>
public sealed class SymmetricCrypto : IDisposable
{
    private readonly byte[] _signingKey;
    private readonly byte[] _iv;
    private readonly Aes _aes;

    public SymmetricCrypto(DerivedKeys keys)
    {
        _signingKey = keys.SigningKey;
        _iv = keys.InitializationVector;
        _aes = Aes.Create();
        _aes.Key = keys.EncryptingKey;
    }

    public int SignatureLength => 32;

    public int BlockSize => 16;

    /// <summary>HMAC-SHA256 of <paramref name="data"/> into <paramref name="signature"/> (32 bytes).</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => HMACSHA256.HashData(_signingKey, data, signature);

    /// <summary>Constant-time check of an HMAC-SHA256 signature.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_signingKey, data, expected);
        return signature.Length == 32 && CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    /// <summary>AES-CBC encrypts whole blocks in place.</summary>
    public void Encrypt(Span<byte> data)
    {
        CheckBlocks(data.Length);
        _aes.EncryptCbc(data, _iv, data, PaddingMode.None);
    }

    /// <summary>AES-CBC decrypts whole blocks in place.</summary>
    public void Decrypt(Span<byte> data)
    {
        CheckBlocks(data.Length);
        _aes.DecryptCbc(data, _iv, data, PaddingMode.None);
    }

    private void CheckBlocks(int length)
    {
        if (length % BlockSize != 0) throw new ProtocolViolationException($"Encrypted part of {length} bytes is not a multiple of the {BlockSize}-byte AES block.");
    }

    public void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_signingKey);
    }
}
