using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core;

namespace SmartFactoryEdge.OpcUa.SecureChannel;

/// <summary>
/// Encrypts a UserName token's password for a user token policy with security (Part 4, 7.36.2.2 and 7.36.4):
/// plaintext = UInt32 length + password + server nonce, RSA-encrypted with the server certificate's public key.
/// Needed on None endpoints whose UserName policy says Basic256Sha256 (node-opcua does this).
/// </summary>
public static class UserTokenEncryption
{
    public const string RsaOaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep";
    public const string RsaOaepSha256 = "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256";

    /// <summary>Returns the encrypted secret and the algorithm URI for <paramref name="policyUri"/>.</summary>
    /// <exception cref="NotSupportedException">The policy is not one this client can encrypt for.</exception>
    /// <exception cref="ProtocolViolationException">The server certificate or nonce is missing or unreadable.</exception>
    public static (byte[] Secret, string Algorithm) Encrypt(string policyUri, byte[] password, byte[]? serverCertificate, byte[]? serverNonce)
    {
        var (padding, algorithm) = policyUri.Split('#').Last() switch
        {
            "Basic256Sha256" or "Basic256" or "Aes128_Sha256_RsaOaep" => (RSAEncryptionPadding.OaepSHA1, RsaOaep),
            "Aes256_Sha256_RsaPss" => (RSAEncryptionPadding.OaepSHA256, RsaOaepSha256),
            _ => throw new NotSupportedException($"User token encryption for {policyUri} is not supported."),
        };
        if (serverCertificate is not { Length: > 0 }) throw new ProtocolViolationException("The server sent no certificate to encrypt the password with.");
        if (serverNonce is not { Length: >= 32 }) throw new ProtocolViolationException("The server sent no nonce (32 bytes or more) for the password encryption.");
        using var cert = X509CertificateLoader.LoadCertificate(FirstDerElement(serverCertificate));
        using var rsa = cert.GetRSAPublicKey() ?? throw new ProtocolViolationException("The server certificate has no RSA key.");
        var plain = new byte[4 + password.Length + serverNonce.Length];
        BinaryPrimitives.WriteInt32LittleEndian(plain, password.Length + serverNonce.Length);
        password.CopyTo(plain, 4);
        serverNonce.CopyTo(plain, 4 + password.Length);
        var keyBytes = rsa.KeySize / 8;
        var block = keyBytes - (padding == RSAEncryptionPadding.OaepSHA1 ? 42 : 66);
        using var output = new MemoryStream();
        for (int offset = 0; offset < plain.Length; offset += block)
        {
            var encrypted = rsa.Encrypt(plain.AsSpan(offset, Math.Min(block, plain.Length - offset)).ToArray(), padding);
            output.Write(encrypted);
        }
        CryptographicOperations.ZeroMemory(plain);
        return (output.ToArray(), algorithm);
    }

    /// <summary>A certificate field may hold a chain of DER certificates: take the first (the leaf).</summary>
    public static byte[] FirstDerElement(byte[] der)
    {
        if (der.Length < 2 || der[0] != 0x30) return der;
        int length, header;
        if ((der[1] & 0x80) == 0) { length = der[1]; header = 2; }
        else
        {
            var n = der[1] & 0x7F;
            if (n is 0 or > 4 || der.Length < 2 + n) return der;
            length = 0;
            for (int i = 0; i < n; i++) length = (length << 8) | der[2 + i];
            header = 2 + n;
        }
        return header + length <= der.Length ? der[..(header + length)] : der;
    }
}
