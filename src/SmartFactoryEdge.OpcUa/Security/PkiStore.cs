using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// The PKI folder layout of an OPC UA application (as the OPC Foundation stacks and node-opcua use it):
/// own/certs + own/private (our certificate and key), trusted/certs + trusted/crl (trust anchors and their
/// CRLs), issuers/certs + issuers/crl (CAs used to build chains, not trusted by themselves), rejected/certs
/// (certificates we refused, for an operator to trust). Certificates are DER files named
/// "&lt;CN&gt; [&lt;SHA-1 thumbprint&gt;].der".
/// </summary>
public sealed class PkiStore
{
    public PkiStore(string root)
    {
        Root = Path.GetFullPath(root);
        foreach (var dir in new[] { OwnCerts, OwnPrivate, TrustedCerts, TrustedCrl, IssuerCerts, IssuerCrl, RejectedCerts })
            Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(OwnPrivate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Root { get; }
    public string OwnCerts => Path.Combine(Root, "own", "certs");
    public string OwnPrivate => Path.Combine(Root, "own", "private");
    public string TrustedCerts => Path.Combine(Root, "trusted", "certs");
    public string TrustedCrl => Path.Combine(Root, "trusted", "crl");
    public string IssuerCerts => Path.Combine(Root, "issuers", "certs");
    public string IssuerCrl => Path.Combine(Root, "issuers", "crl");
    public string RejectedCerts => Path.Combine(Root, "rejected", "certs");

    /// <summary>"CN [THUMBPRINT].der" with characters unsafe in file names replaced.</summary>
    public static string FileName(X509Certificate2 certificate)
    {
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (string.IsNullOrWhiteSpace(cn)) cn = "certificate";
        var safe = string.Concat(cn.Select(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' ? c : '_'));
        return $"{safe} [{certificate.Thumbprint}].der";
    }

    public IReadOnlyList<X509Certificate2> LoadCertificates(string folder)
    {
        var list = new List<X509Certificate2>();
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            try { list.Add(X509CertificateLoader.LoadCertificateFromFile(file)); }
            catch (CryptographicException) { /* not a certificate: ignore stray files */ }
        }
        return list;
    }

    public IReadOnlyList<byte[]> LoadCrls(string folder)
        => [.. Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];

    /// <summary>Writes a certificate into a folder (replacing a file of the same thumbprint); returns the path.</summary>
    public static string Save(string folder, X509Certificate2 certificate)
    {
        var path = Path.Combine(folder, FileName(certificate));
        File.WriteAllBytes(path, certificate.RawData);
        return path;
    }

    /// <summary>Every certificate in trusted, issuers and rejected, with its state.</summary>
    public IReadOnlyList<(string State, X509Certificate2 Certificate)> List()
        => [.. LoadCertificates(TrustedCerts).Select(c => ("trusted", c)),
            .. LoadCertificates(IssuerCerts).Select(c => ("issuer", c)),
            .. LoadCertificates(RejectedCerts).Select(c => ("rejected", c))];

    /// <summary>Moves a certificate (by thumbprint, or a unique prefix of it) from rejected to trusted.</summary>
    /// <returns>The new path, or null when no rejected certificate matches.</returns>
    public string? Trust(string thumbprint) => Move(RejectedCerts, TrustedCerts, thumbprint);

    /// <summary>Moves a certificate from trusted to rejected.</summary>
    public string? Reject(string thumbprint) => Move(TrustedCerts, RejectedCerts, thumbprint);

    /// <summary>Deletes a certificate from trusted, issuers and rejected; returns how many files were removed.</summary>
    public int Remove(string thumbprint)
    {
        var removed = 0;
        foreach (var folder in new[] { TrustedCerts, IssuerCerts, RejectedCerts })
            foreach (var file in Find(folder, thumbprint)) { File.Delete(file); removed++; }
        return removed;
    }

    private static string? Move(string from, string to, string thumbprint)
    {
        var files = Find(from, thumbprint);
        if (files.Count != 1) return null;
        var target = Path.Combine(to, Path.GetFileName(files[0]));
        File.Move(files[0], target, overwrite: true);
        return target;
    }

    private static List<string> Find(string folder, string thumbprint)
    {
        if (thumbprint.Length < 4) return [];
        var list = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            try
            {
                using var cert = X509CertificateLoader.LoadCertificateFromFile(file);
                if (cert.Thumbprint.StartsWith(thumbprint, StringComparison.OrdinalIgnoreCase)) list.Add(file);
            }
            catch (CryptographicException) { }
        }
        return list;
    }
}
