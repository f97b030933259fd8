using System.Formats.Asn1;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>A server certificate failed validation; <see cref="StatusCode"/> is the OPC UA reason (Part 4, 7.39).</summary>
public sealed class CertificateValidationException(uint statusCode, string message)
    : Exception($"{new StatusCode(statusCode).Name}: {message}")
{
    public uint StatusCode { get; } = statusCode;
}

/// <summary>
/// Validates a server's application instance certificate against the PKI folder (Part 4, 6.1.3): trusted when the
/// certificate itself or a CA of its chain (built from trusted/ and issuers/) is in trusted/certs; then the
/// validity period, the host name of the endpoint URL in the SAN (DNS or IP), the server's ApplicationUri in the
/// SAN, and revocation against the CRLs in trusted/crl and issuers/crl (signed by the CA that issued them).
/// An untrusted certificate is written to rejected/certs and named in the error.
/// </summary>
public sealed class CertificateValidator(PkiStore store, TimeProvider? time = null, ILogger<CertificateValidator>? logger = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger<CertificateValidator>.Instance;

    /// <summary>Validates <paramref name="der"/> (a leaf, possibly followed by its chain) for a connection to <paramref name="endpointUrl"/>.</summary>
    /// <param name="applicationUri">The server's ApplicationUri from its endpoint description, or null to skip the URI check.</param>
    /// <exception cref="CertificateValidationException">With BadCertificateInvalid/Untrusted/TimeInvalid/HostNameInvalid/UriInvalid/Revoked.</exception>
    public void Validate(byte[] der, string endpointUrl, string? applicationUri)
    {
        X509Certificate2 certificate;
        try { certificate = X509CertificateLoader.LoadCertificate(SecureChannel.UserTokenEncryption.FirstDerElement(der)); }
        catch (CryptographicException e)
        {
            throw new CertificateValidationException(StatusCodes.BadCertificateInvalid, $"The server certificate of {endpointUrl} cannot be read: {e.Message}");
        }
        using (certificate)
        {
            var name = $"'{certificate.Subject}' (thumbprint {certificate.Thumbprint})";
            var trusted = store.LoadCertificates(store.TrustedCerts);
            var issuers = store.LoadCertificates(store.IssuerCerts);
            try
            {
                var chain = BuildChain(certificate, trusted, issuers);
                if (chain is null || !chain.Any(c => trusted.Any(t => t.Thumbprint == c.Thumbprint)))
                {
                    var path = PkiStore.Save(store.RejectedCerts, certificate);
                    ValidatorLog.Rejected(_logger, endpointUrl, certificate.Thumbprint, path);
                    throw new CertificateValidationException(StatusCodes.BadCertificateUntrusted,
                        $"The server certificate {name} of {endpointUrl} is not trusted. It was saved to {path}; " +
                        $"trust it with 'sfe opcua certs trust {certificate.Thumbprint} --pki {store.Root}' (or copy it to {store.TrustedCerts}).");
                }
                var now = _time.GetUtcNow();
                foreach (var element in chain)
                {
                    if (now < element.NotBefore.ToUniversalTime() || now > element.NotAfter.ToUniversalTime())
                        throw new CertificateValidationException(StatusCodes.BadCertificateTimeInvalid,
                            $"The certificate '{element.Subject}' in the chain of {endpointUrl} is valid from {element.NotBefore.ToUniversalTime():u} to {element.NotAfter.ToUniversalTime():u}, not now ({now.UtcDateTime:u}).");
                }
                var (uris, dnsNames, ips) = SubjectAlternativeNames(certificate);
                var host = new Uri(endpointUrl.Replace("opc.tcp://", "tcp://", StringComparison.OrdinalIgnoreCase)).Host;
                if (!HostMatches(host, dnsNames, ips))
                    throw new CertificateValidationException(StatusCodes.BadCertificateHostNameInvalid,
                        $"The server certificate {name} does not name the host '{host}' of {endpointUrl}; it names [{string.Join(", ", dnsNames.Concat(ips.Select(i => i.ToString())))}].");
                if (applicationUri is not null && !uris.Contains(applicationUri, StringComparer.Ordinal))
                    throw new CertificateValidationException(StatusCodes.BadCertificateUriInvalid,
                        $"The server certificate {name} carries the URI(s) [{string.Join(", ", uris)}], but {endpointUrl} says its ApplicationUri is '{applicationUri}'.");
                CheckRevocation(chain, endpointUrl);
            }
            finally
            {
                foreach (var c in trusted.Concat(issuers)) c.Dispose();
            }
        }
    }

    /// <summary>Leaf first, up to a self-signed root or as far as the known certificates go; null when a signature does not verify.</summary>
    private static List<X509Certificate2>? BuildChain(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> trusted, IReadOnlyList<X509Certificate2> issuers)
    {
        var chain = new List<X509Certificate2> { leaf };
        var current = leaf;
        while (chain.Count < 8 && current.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData) is false)
        {
            var parent = trusted.Concat(issuers).FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData) && SignedBy(current, c));
            if (parent is null) break;
            chain.Add(parent);
            current = parent;
        }
        return chain.Count == 1 && IsSelfSigned(leaf) && !SignedBy(leaf, leaf) ? null : chain;
    }

    private static bool IsSelfSigned(X509Certificate2 c) => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData);

    /// <summary>True when <paramref name="issuer"/>'s key verifies <paramref name="subject"/>'s signature.</summary>
    private static bool SignedBy(X509Certificate2 subject, X509Certificate2 issuer)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(issuer);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreWrongUsage | X509VerificationFlags.IgnoreInvalidBasicConstraints;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (ReferenceEquals(subject, issuer) || subject.Thumbprint == issuer.Thumbprint)
            return chain.Build(subject);
        chain.Build(subject);
        return chain.ChainElements.Count >= 2 && chain.ChainElements[1].Certificate.Thumbprint == issuer.Thumbprint
            && chain.ChainElements[0].ChainElementStatus.All(s => s.Status is X509ChainStatusFlags.NoError or X509ChainStatusFlags.NotTimeValid or X509ChainStatusFlags.RevocationStatusUnknown or X509ChainStatusFlags.OfflineRevocation);
    }

    private static bool HostMatches(string host, List<string> dnsNames, List<IPAddress> ips)
    {
        if (IPAddress.TryParse(host, out var ip)) return ips.Any(i => i.Equals(ip)) || dnsNames.Contains(host, StringComparer.OrdinalIgnoreCase);
        return dnsNames.Any(d => string.Equals(d, host, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>URIs (tag 6), DNS names (tag 2) and IP addresses (tag 7) of the SAN extension (RFC 5280, 4.2.1.6).</summary>
    public static (List<string> Uris, List<string> DnsNames, List<IPAddress> Ips) SubjectAlternativeNames(X509Certificate2 certificate)
    {
        List<string> uris = [], dns = [];
        List<IPAddress> ips = [];
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null) return (uris, dns, ips);
        try
        {
            var seq = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (seq.HasData)
            {
                var tag = seq.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific) { seq.ReadEncodedValue(); continue; }
                switch (tag.TagValue)
                {
                    case 2: dns.Add(seq.ReadCharacterString(UniversalTagNumber.IA5String, tag)); break;
                    case 6: uris.Add(seq.ReadCharacterString(UniversalTagNumber.IA5String, tag)); break;
                    case 7: ips.Add(new IPAddress(seq.ReadOctetString(tag))); break;
                    default: seq.ReadEncodedValue(); break;
                }
            }
        }
        catch (AsnContentException) { /* a malformed SAN names nothing */ }
        return (uris, dns, ips);
    }

    private void CheckRevocation(List<X509Certificate2> chain, string endpointUrl)
    {
        var crls = store.LoadCrls(store.TrustedCrl).Concat(store.LoadCrls(store.IssuerCrl)).ToList();
        if (crls.Count == 0) return;
        for (int i = 0; i + 1 < chain.Count; i++)
        {
            var (subject, issuer) = (chain[i], chain[i + 1]);
            foreach (var crl in crls)
            {
                if (!TryReadCrl(crl, issuer, out var revoked)) continue;
                var serial = new BigInteger(subject.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);
                if (revoked.Contains(serial))
                    throw new CertificateValidationException(StatusCodes.BadCertificateRevoked,
                        $"The certificate '{subject.Subject}' (serial {subject.SerialNumber}) in the chain of {endpointUrl} is revoked by the CRL of '{issuer.Subject}'.");
            }
        }
    }

    /// <summary>Reads the revoked serial numbers of a DER CRL (RFC 5280, 5.1) issued and signed (RSA) by <paramref name="issuer"/>.</summary>
    internal static bool TryReadCrl(byte[] crl, X509Certificate2 issuer, out HashSet<BigInteger> revoked)
    {
        revoked = [];
        try
        {
            var outer = new AsnReader(crl, AsnEncodingRules.DER).ReadSequence();
            var tbsEncoded = outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            var signature = outer.ReadBitString(out _);
            var hash = oid switch
            {
                "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
                "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
                "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
                "1.2.840.113549.1.1.5" => HashAlgorithmName.SHA1,
                _ => default,
            };
            using var key = issuer.GetRSAPublicKey();
            if (hash == default || key is null || !key.VerifyData(tbsEncoded.Span, signature, hash, RSASignaturePadding.Pkcs1)) return false;
            var tbs = new AsnReader(tbsEncoded, AsnEncodingRules.DER).ReadSequence();
            if (tbs.PeekTag() == Asn1Tag.Integer) tbs.ReadInteger();
            tbs.ReadSequence(); // signature algorithm
            var issuerName = tbs.ReadEncodedValue();
            if (!issuerName.Span.SequenceEqual(issuer.SubjectName.RawData)) return false;
            tbs.ReadEncodedValue(); // thisUpdate
            if (tbs.HasData && (tbs.PeekTag() == Asn1Tag.UtcTime || tbs.PeekTag() == Asn1Tag.GeneralizedTime)) tbs.ReadEncodedValue();
            if (tbs.HasData && tbs.PeekTag() == Asn1Tag.Sequence)
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(entry.ReadInteger());
                }
            }
            return true;
        }
        catch (AsnContentException) { return false; }
        catch (CryptographicException) { return false; }
    }
}

/// <summary>Event ids 1401-1499 (the block after Source in EventIds).</summary>
internal static partial class ValidatorLog
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Rejected the untrusted server certificate of {Endpoint} (thumbprint {Thumbprint}); saved to {Path}")]
    public static partial void Rejected(ILogger logger, string endpoint, string thumbprint, string path);
}
