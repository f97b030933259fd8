using System.Security.Cryptography;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// One OPC UA security policy as data (Part 7, "SecurityPolicy" profiles; Part 6, 6.1): algorithm URIs, key and
/// nonce lengths, and the .NET paddings/hashes that implement them. <see cref="Supported"/> lists them from the
/// most to the least secure, which is the order endpoint selection prefers.
/// </summary>
public sealed record SecurityPolicyInfo
{
    public const string HmacSha256 = "http://www.w3.org/2000/09/xmldsig#hmac-sha256";
    public const string Aes128Cbc = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    public const string Aes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaPssSha256 = "http://opcfoundation.org/UA/security/rsa-pss-sha2-256";
    public const string RsaOaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep";
    public const string RsaOaepSha256 = "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256";
    public const string PSha256 = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha256";

    public required string Uri { get; init; }

    /// <summary>Short name, the part after '#'.</summary>
    public required string Name { get; init; }

    /// <summary>Higher is more secure; used to pick the best endpoint.</summary>
    public required int SecurityRank { get; init; }

    public string SymmetricSignatureAlgorithm { get; init; } = HmacSha256;

    public required string SymmetricEncryptionAlgorithm { get; init; }

    public required string AsymmetricSignatureAlgorithm { get; init; }

    public required string AsymmetricEncryptionAlgorithm { get; init; }

    public string KeyDerivationAlgorithm { get; init; } = PSha256;

    /// <summary>Length in bytes of the derived symmetric signing key (DerivedSignatureKeyLength / 8).</summary>
    public int SigningKeyLength { get; init; } = 32;

    /// <summary>Length in bytes of the derived AES key.</summary>
    public required int EncryptionKeyLength { get; init; }

    /// <summary>AES block size and initialization vector length in bytes.</summary>
    public int EncryptionBlockSize { get; init; } = 16;

    /// <summary>Length in bytes of the symmetric signature (HMAC-SHA256).</summary>
    public int SymmetricSignatureLength { get; init; } = 32;

    /// <summary>Client/server nonce length in bytes for OpenSecureChannel.</summary>
    public int NonceLength { get; init; } = 32;

    public int MinAsymmetricKeyLength { get; init; } = 2048;

    public int MaxAsymmetricKeyLength { get; init; } = 4096;

    /// <summary>The OAEP padding of the asymmetric encryption.</summary>
    public required RSAEncryptionPadding AsymmetricEncryptionPadding { get; init; }

    /// <summary>The RSA signature padding (PKCS#1 v1.5 or PSS), always over SHA-256 here.</summary>
    public required RSASignaturePadding AsymmetricSignaturePadding { get; init; }

    public HashAlgorithmName AsymmetricSignatureHash { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Bytes OAEP takes from each RSA block: 2 × hash length + 2.</summary>
    public int OaepOverhead => AsymmetricEncryptionPadding == RSAEncryptionPadding.OaepSHA256 ? 66 : 42;

    public static readonly SecurityPolicyInfo Basic256Sha256 = new()
    {
        Uri = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256",
        Name = "Basic256Sha256",
        SecurityRank = 2,
        SymmetricEncryptionAlgorithm = Aes256Cbc,
        EncryptionKeyLength = 32,
        AsymmetricSignatureAlgorithm = RsaSha256,
        AsymmetricSignaturePadding = RSASignaturePadding.Pkcs1,
        AsymmetricEncryptionAlgorithm = RsaOaep,
        AsymmetricEncryptionPadding = RSAEncryptionPadding.OaepSHA1,
    };

    public static readonly SecurityPolicyInfo Aes128Sha256RsaOaep = new()
    {
        Uri = "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
        Name = "Aes128_Sha256_RsaOaep",
        SecurityRank = 1,
        SymmetricEncryptionAlgorithm = Aes128Cbc,
        EncryptionKeyLength = 16,
        AsymmetricSignatureAlgorithm = RsaSha256,
        AsymmetricSignaturePadding = RSASignaturePadding.Pkcs1,
        AsymmetricEncryptionAlgorithm = RsaOaep,
        AsymmetricEncryptionPadding = RSAEncryptionPadding.OaepSHA1,
    };

    public static readonly SecurityPolicyInfo Aes256Sha256RsaPss = new()
    {
        Uri = "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
        Name = "Aes256_Sha256_RsaPss",
        SecurityRank = 3,
        SymmetricEncryptionAlgorithm = Aes256Cbc,
        EncryptionKeyLength = 32,
        AsymmetricSignatureAlgorithm = RsaPssSha256,
        AsymmetricSignaturePadding = RSASignaturePadding.Pss,
        AsymmetricEncryptionAlgorithm = RsaOaepSha256,
        AsymmetricEncryptionPadding = RSAEncryptionPadding.OaepSHA256,
    };

    /// <summary>The supported policies, most secure first.</summary>
    public static readonly IReadOnlyList<SecurityPolicyInfo> Supported = [Aes256Sha256RsaPss, Basic256Sha256, Aes128Sha256RsaOaep];

    /// <summary>The policy for a URI, or null when we do not support it (None is not a policy here).</summary>
    public static SecurityPolicyInfo? Find(string? uri) => Supported.FirstOrDefault(p => string.Equals(p.Uri, uri, StringComparison.Ordinal));
}
