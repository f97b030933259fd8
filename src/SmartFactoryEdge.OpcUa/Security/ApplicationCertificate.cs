using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>What our application instance certificate says about us.</summary>
public sealed record ApplicationCertificateOptions
{
    public const string SectionName = "opcua:certificate";

    /// <summary>Our ApplicationUri; goes into the subject alternative name and must match CreateSession's.</summary>
    public string ApplicationUri { get; init; } = $"urn:{Dns.GetHostName()}:SmartFactoryEdge";

    public string ApplicationName { get; init; } = "SmartFactoryEdge";

    /// <summary>DNS names and IP addresses for the subject alternative name (default: this host's name).</summary>
    public IReadOnlyList<string> HostNames { get; init; } = [Dns.GetHostName()];

    public int KeySize { get; init; } = 2048;

    public TimeSpan Validity { get; init; } = TimeSpan.FromDays(5 * 365);
}

/// <summary>
/// Our application instance certificate (Part 6, 6.2.2): loaded from own/ of the PKI folder, or generated on first
/// start as a self-signed RSA certificate with the ApplicationUri (and host names) in the subject alternative name,
/// KeyUsage digitalSignature+nonRepudiation+keyEncipherment+dataEncipherment+keyCertSign and ExtendedKeyUsage
/// serverAuth+clientAuth, signed with SHA-256. An expired certificate (or one not yet valid) is renewed at start:
/// the old files are kept as *.expired-THUMBPRINT and a warning names both thumbprints, because servers that trusted
/// the old certificate must now trust the new one (a gateway that runs unattended should not stop on a date).
/// </summary>
public static class ApplicationCertificate
{
    private const string CertFile = "SmartFactoryEdge.der";
    private const string KeyFile = "SmartFactoryEdge.pem";

    /// <summary>Loads our certificate with its private key, creating both on first start.</summary>
    public static X509Certificate2 LoadOrCreate(PkiStore store, ApplicationCertificateOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        var certPath = Path.Combine(store.OwnCerts, CertFile);
        var keyPath = Path.Combine(store.OwnPrivate, KeyFile);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        string? expired = null;
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            using var publicOnly = X509CertificateLoader.LoadCertificateFromFile(certPath);
            if (now >= publicOnly.NotBefore.ToUniversalTime() && now <= publicOnly.NotAfter.ToUniversalTime())
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(File.ReadAllText(keyPath));
                return publicOnly.CopyWithPrivateKey(rsa);
            }
            expired = $"{publicOnly.Thumbprint} (valid {publicOnly.NotBefore.ToUniversalTime():u} to {publicOnly.NotAfter.ToUniversalTime():u})";
            File.Move(certPath, $"{certPath}.expired-{publicOnly.Thumbprint}", overwrite: true);
            File.Move(keyPath, $"{keyPath}.expired-{publicOnly.Thumbprint}", overwrite: true);
        }
        var certificate = Create(options, now);
        if (expired is not null && logger is not null) CertificateLog.Renewed(logger, expired, certificate.Thumbprint, certPath);
        File.WriteAllBytes(certPath, certificate.RawData);
        using (var key = certificate.GetRSAPrivateKey()!)
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return certificate;
    }

    /// <summary>Creates a self-signed application instance certificate (not stored).</summary>
    public static X509Certificate2 Create(ApplicationCertificateOptions options, DateTimeOffset now)
    {
        using var rsa = RSA.Create(options.KeySize);
        var host = options.HostNames.FirstOrDefault() ?? "localhost";
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(options.ApplicationName);
        subject.AddDomainComponent(host.Replace('.', '-'));
        var request = new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(options.ApplicationUri));
        foreach (var name in options.HostNames)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.KeyEncipherment
            | X509KeyUsageFlags.DataEncipherment | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = now.AddDays(-1);
        return request.CreateSelfSigned(notBefore, now.Add(options.Validity));
    }
}

internal static partial class CertificateLog
{
    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Our OPC UA application certificate {Old} is outside its validity period; created a new one {NewThumbprint} in {Path}. Servers that trusted the old certificate must trust the new one.")]
    public static partial void Renewed(ILogger logger, string old, string newThumbprint, string path);
}
