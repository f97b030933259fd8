using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Security;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

public sealed class CertificateValidatorTests : IDisposable
{
    private const string Endpoint = "opc.tcp://127.0.0.1:4840/UA/Test";
    private const string ServerUri = "urn:test:server";
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sfe-pki-test-{Guid.NewGuid():N}");
    private readonly PkiStore _store;

    public CertificateValidatorTests() => _store = new PkiStore(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static X509Certificate2 ServerCertificate(string host = "127.0.0.1", string uri = ServerUri, int validFromDays = -1, int validToDays = 30)
    {
        using var rsa = RSA.Create(2048);
        var request = LeafRequest(rsa, host, uri);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(validFromDays), DateTimeOffset.UtcNow.AddDays(validToDays));
    }

    private static CertificateRequest LeafRequest(RSA rsa, string host, string uri)
    {
        var request = new CertificateRequest("CN=Test Server", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        if (IPAddress.TryParse(host, out var ip)) san.AddIpAddress(ip); else san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        return request;
    }

    private static X509Certificate2 CertificateAuthority(string subject)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest(subject, caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        return caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddYears(1));
    }

    private CertificateValidationException Rejects(X509Certificate2 certificate, string endpoint = Endpoint, string? uri = ServerUri)
        => Assert.Throws<CertificateValidationException>(() => new CertificateValidator(_store).Validate(certificate.RawData, endpoint, uri));

    [Fact]
    public void TrustedCertificateIsAccepted()
    {
        using var cert = ServerCertificate();
        PkiStore.Save(_store.TrustedCerts, cert);
        new CertificateValidator(_store).Validate(cert.RawData, Endpoint, ServerUri);
        Assert.Empty(Directory.GetFiles(_store.RejectedCerts));
    }

    [Fact]
    public void UntrustedCertificateIsSavedUnderRejectedThenTrusted()
    {
        using var cert = ServerCertificate();
        var error = Rejects(cert);
        Assert.Equal(StatusCodes.BadCertificateUntrusted, error.StatusCode);
        Assert.Contains(cert.Thumbprint, error.Message);
        Assert.Contains("not trusted", error.Message);
        var rejected = Assert.Single(Directory.GetFiles(_store.RejectedCerts));
        Assert.Equal(cert.RawData, File.ReadAllBytes(rejected));
        Assert.Contains(_store.List(), e => e.State == "rejected" && e.Certificate.Thumbprint == cert.Thumbprint);

        Assert.NotNull(_store.Trust(cert.Thumbprint[..8]));
        new CertificateValidator(_store).Validate(cert.RawData, Endpoint, ServerUri);
        Assert.Empty(Directory.GetFiles(_store.RejectedCerts));

        Assert.NotNull(_store.Reject(cert.Thumbprint));
        Assert.Equal(StatusCodes.BadCertificateUntrusted, Rejects(cert).StatusCode);
        Assert.Equal(1, _store.Remove(cert.Thumbprint));
        Assert.Empty(_store.List());
    }

    [Fact]
    public void ExpiredCertificateIsRejectedWithItsDates()
    {
        using var cert = ServerCertificate(validFromDays: -30, validToDays: -1);
        PkiStore.Save(_store.TrustedCerts, cert);
        var error = Rejects(cert);
        Assert.Equal(StatusCodes.BadCertificateTimeInvalid, error.StatusCode);
        Assert.Contains("valid from", error.Message);
    }

    [Fact]
    public void WrongHostNameIsRejected()
    {
        using var cert = ServerCertificate(host: "plc-17.factory.local");
        PkiStore.Save(_store.TrustedCerts, cert);
        var error = Rejects(cert);
        Assert.Equal(StatusCodes.BadCertificateHostNameInvalid, error.StatusCode);
        Assert.Contains("plc-17.factory.local", error.Message);
        new CertificateValidator(_store).Validate(cert.RawData, "opc.tcp://PLC-17.factory.local:4840", ServerUri);
    }

    [Fact]
    public void WrongApplicationUriIsRejected()
    {
        using var cert = ServerCertificate();
        PkiStore.Save(_store.TrustedCerts, cert);
        Assert.Equal(StatusCodes.BadCertificateUriInvalid, Rejects(cert, uri: "urn:other").StatusCode);
        new CertificateValidator(_store).Validate(cert.RawData, Endpoint, applicationUri: null);
    }

    [Fact]
    public void LeafIsTrustedThroughATrustedCaAndRevokedByItsCrl()
    {
        using var ca = CertificateAuthority("CN=Test CA");
        using var leafKey = RSA.Create(2048);
        var leafRequest = LeafRequest(leafKey, "127.0.0.1", ServerUri);
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [0x01, 0x23, 0x45]);

        // the CA alone is not a trust anchor when it is only an issuer
        PkiStore.Save(_store.IssuerCerts, ca);
        Assert.Equal(StatusCodes.BadCertificateUntrusted, Rejects(leaf).StatusCode);

        File.Delete(Directory.GetFiles(_store.IssuerCerts).Single());
        PkiStore.Save(_store.TrustedCerts, ca);
        new CertificateValidator(_store).Validate(leaf.RawData, Endpoint, ServerUri);

        // an empty CRL changes nothing; one listing the leaf's serial rejects it
        var builder = new CertificateRevocationListBuilder();
        File.WriteAllBytes(Path.Combine(_store.TrustedCrl, "ca-empty.crl"), builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        new CertificateValidator(_store).Validate(leaf.RawData, Endpoint, ServerUri);
        builder.AddEntry(leaf);
        File.WriteAllBytes(Path.Combine(_store.TrustedCrl, "ca.crl"), builder.Build(ca, new BigInteger(2), DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        var error = Rejects(leaf);
        Assert.Equal(StatusCodes.BadCertificateRevoked, error.StatusCode);
        Assert.Contains("revoked", error.Message);
    }

    [Fact]
    public void CrlSignedByAnotherKeyIsIgnored()
    {
        using var ca = CertificateAuthority("CN=Test CA");
        using var other = CertificateAuthority("CN=Test CA");
        var crl = new CertificateRevocationListBuilder().Build(other, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(CertificateValidator.TryReadCrl(crl, other, out _));
        Assert.False(CertificateValidator.TryReadCrl(crl, ca, out _));
        Assert.False(CertificateValidator.TryReadCrl([0x30, 0x03, 0x02, 0x01], ca, out _));
    }

    [Fact]
    public void GarbageIsAnInvalidCertificate()
        => Assert.Equal(StatusCodes.BadCertificateInvalid,
            Assert.Throws<CertificateValidationException>(() => new CertificateValidator(_store).Validate([0x30, 0x82, 0x01], Endpoint, null)).StatusCode);
}
