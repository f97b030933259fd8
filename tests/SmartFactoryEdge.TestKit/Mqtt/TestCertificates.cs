using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartFactoryEdge.TestKit.Mqtt;

/// <summary>
/// A throw-away PKI made in process with CertificateRequest: a CA, a server certificate for 127.0.0.1/localhost and a
/// client certificate (CN gateway01), written as PEM (and the client also as PFX, password "test") into a folder.
/// </summary>
public sealed class TestCertificates
{
    public const string PfxPassword = "test";

    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }
    public string CaFile => Path.Combine(Directory, "ca.crt");
    public string ServerCertFile => Path.Combine(Directory, "server.crt");
    public string ServerKeyFile => Path.Combine(Directory, "server.key");
    public string ClientCertFile => Path.Combine(Directory, "client.crt");
    public string ClientKeyFile => Path.Combine(Directory, "client.key");
    public string ClientPfxFile => Path.Combine(Directory, "client.pfx");
    /// <summary>A second CA that signed nothing we use: trusting it must fail the handshake.</summary>
    public string OtherCaFile => Path.Combine(Directory, "other-ca.crt");

    public static TestCertificates Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var result = new TestCertificates(directory);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = MakeCa("CN=SFE Test CA", caKey, now);
        File.WriteAllText(result.CaFile, ca.ExportCertificatePem());
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = MakeCa("CN=SFE Other CA", otherKey, now);
        File.WriteAllText(result.OtherCaFile, other.ExportCertificatePem());

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverReq = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        serverReq.CertificateExtensions.Add(san.Build());
        serverReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, false));
        serverReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverReq.Create(ca, now, now.AddDays(2), RandomSerial());
        File.WriteAllText(result.ServerCertFile, server.ExportCertificatePem());
        File.WriteAllText(result.ServerKeyFile, serverKey.ExportPkcs8PrivateKeyPem());

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientReq = new CertificateRequest("CN=gateway01", clientKey, HashAlgorithmName.SHA256);
        clientReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        clientReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        clientReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientReq.Create(ca, now, now.AddDays(2), RandomSerial());
        File.WriteAllText(result.ClientCertFile, client.ExportCertificatePem());
        File.WriteAllText(result.ClientKeyFile, clientKey.ExportPkcs8PrivateKeyPem());
        using var withKey = client.CopyWithPrivateKey(clientKey);
        File.WriteAllBytes(result.ClientPfxFile, withKey.Export(X509ContentType.Pkcs12, PfxPassword));
        return result;
    }

    private static X509Certificate2 MakeCa(string name, ECDsa key, DateTimeOffset now)
    {
        var req = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(now, now.AddDays(3));
    }

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        return serial;
    }
}
