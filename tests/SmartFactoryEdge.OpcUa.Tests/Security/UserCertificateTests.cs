using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.OpcUa.Security;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>Loading X.509 user certificates at start-up and the userTokenSignature made with them.</summary>
public sealed class UserCertificateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-user-cert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void LoadsPemCertificateWithPemKeyAndPfxWithPassword()
    {
        using var cert = UserCertificateFile.Create("alice", DateTimeOffset.UtcNow);
        using var key = cert.GetRSAPrivateKey()!;
        var certPath = Write("alice.pem", cert.ExportCertificatePem());
        var keyPath = Write("alice.key", key.ExportPkcs8PrivateKeyPem());
        using (var pem = UserCertificate.Load(certPath, keyPath, null))
        {
            Assert.Equal(cert.Thumbprint, pem.Thumbprint);
            Assert.True(pem.HasPrivateKey);
        }
        var encryptedKey = Write("alice-enc.key", key.ExportEncryptedPkcs8PrivateKeyPem("secret".AsSpan(),
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        using (var encrypted = UserCertificate.Load(certPath, encryptedKey, "secret")) Assert.True(encrypted.HasPrivateKey);

        var pfxPath = Path.Combine(_dir, "alice.pfx");
        File.WriteAllBytes(pfxPath, cert.Export(X509ContentType.Pkcs12, "pfx-pw"));
        using var pfx = UserCertificate.Load(pfxPath, null, "pfx-pw");
        Assert.Equal(cert.Thumbprint, pfx.Thumbprint);
        Assert.True(pfx.HasPrivateKey);
    }

    [Fact]
    public void EveryUnusableFileGivesAMessageNamingIt()
    {
        using var cert = UserCertificateFile.Create("bob", DateTimeOffset.UtcNow);
        using var otherKey = RSA.Create(2048);
        var certPath = Write("bob.pem", cert.ExportCertificatePem());
        var wrongKey = Write("other.key", otherKey.ExportPkcs8PrivateKeyPem());
        var garbage = Write("garbage.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        Assert.Contains("missing.pem", Assert.Throws<ArgumentException>(() => UserCertificate.Load(Path.Combine(_dir, "missing.pem"), wrongKey, null)).Message, StringComparison.Ordinal);
        Assert.Contains("needs a private key", Assert.Throws<ArgumentException>(() => UserCertificate.Load(certPath, null, null)).Message, StringComparison.Ordinal);
        Assert.Contains("other.key", Assert.Throws<ArgumentException>(() => UserCertificate.Load(certPath, wrongKey, null)).Message, StringComparison.Ordinal);
        Assert.Contains("garbage.key", Assert.Throws<ArgumentException>(() => UserCertificate.Load(certPath, garbage, null)).Message, StringComparison.Ordinal);

        using var expired = UserCertificateFile.Create("carol", DateTimeOffset.UtcNow.AddDays(-60), TimeSpan.FromDays(10));
        using var expiredKey = expired.GetRSAPrivateKey()!;
        var expiredPath = Write("carol.pem", expired.ExportCertificatePem());
        var expiredKeyPath = Write("carol.key", expiredKey.ExportPkcs8PrivateKeyPem());
        var message = Assert.Throws<ArgumentException>(() => UserCertificate.Load(expiredPath, expiredKeyPath, null)).Message;
        Assert.Contains("carol.pem", message, StringComparison.Ordinal);
        Assert.Contains($"to {expired.NotAfter.ToUniversalTime():u}", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Basic256Sha256")]
    [InlineData("Aes128_Sha256_RsaOaep")]
    [InlineData("Aes256_Sha256_RsaPss")]
    public void UserTokenSignatureCoversServerCertificateAndNonceWithThePolicyAlgorithm(string name)
    {
        var policy = SecurityPolicyInfo.Supported.Single(p => p.Name == name);
        using var user = UserCertificateFile.Create("alice", DateTimeOffset.UtcNow);
        var serverCertificate = RandomNumberGenerator.GetBytes(700);
        var nonce = RandomNumberGenerator.GetBytes(32);
        var signature = SessionSignatures.CreateUserTokenSignature(policy, user, serverCertificate, nonce);
        Assert.Equal(policy.AsymmetricSignatureAlgorithm, signature.Algorithm);
        using var publicKey = user.GetRSAPublicKey()!;
        var padding = name == "Aes256_Sha256_RsaPss" ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        byte[] signed = [.. serverCertificate, .. nonce];
        Assert.True(publicKey.VerifyData(signed, signature.Signature!, HashAlgorithmName.SHA256, padding));
        signed[^1] ^= 1;
        Assert.False(publicKey.VerifyData(signed, signature.Signature!, HashAlgorithmName.SHA256, padding));
    }
}
