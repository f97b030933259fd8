using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// Loads the X.509 certificate of a user identity token (Part 4, 7.36.5) with its RSA private key: a PKCS#12 file
/// (.pfx/.p12, password optional), or a certificate file (DER or PEM) plus a PEM private key file (PKCS#1 or PKCS#8,
/// encrypted PKCS#8 with a password). Checked at start-up: an unreadable file, a missing or non-RSA key, a key that
/// does not belong to the certificate, or a certificate outside its validity period each give a message naming the file.
/// </summary>
public static class UserCertificate
{
    /// <exception cref="ArgumentException">The files cannot be used; the message says which one and why.</exception>
    public static X509Certificate2 Load(string certificatePath, string? privateKeyPath, string? password, TimeProvider? time = null)
    {
        if (!File.Exists(certificatePath)) throw new ArgumentException($"User certificate file '{certificatePath}' does not exist.");
        X509Certificate2 certificate;
        var extension = Path.GetExtension(certificatePath).ToLowerInvariant();
        try
        {
            if (extension is ".pfx" or ".p12")
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password, X509KeyStorageFlags.EphemeralKeySet);
            }
            else
            {
                if (privateKeyPath is null) throw new ArgumentException($"User certificate '{certificatePath}' needs a private key file (userPrivateKey), or use a .pfx.");
                if (!File.Exists(privateKeyPath)) throw new ArgumentException($"User private key file '{privateKeyPath}' does not exist.");
                using var publicOnly = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
                using var rsa = RSA.Create();
                var pem = File.ReadAllText(privateKeyPath);
                if (password is { Length: > 0 }) rsa.ImportFromEncryptedPem(pem, password);
                else rsa.ImportFromPem(pem);
                certificate = publicOnly.CopyWithPrivateKey(rsa);
            }
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"User certificate '{certificatePath}'{(privateKeyPath is null ? "" : $" with key '{privateKeyPath}'")} cannot be loaded: {e.Message}", e);
        }
        catch (ArgumentException e) when (e.InnerException is null && !e.Message.StartsWith("User ", StringComparison.Ordinal))
        {
            throw new ArgumentException($"User private key '{privateKeyPath}' cannot be read: {e.Message}", e);
        }
        using (var key = certificate.GetRSAPrivateKey())
        {
            if (key is null)
            {
                certificate.Dispose();
                throw new ArgumentException($"User certificate '{certificatePath}' has no RSA private key (OPC UA user tokens need RSA).");
            }
        }
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            var message = $"User certificate '{certificate.Subject}' ({certificatePath}) is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}, not now ({now.UtcDateTime:u}).";
            certificate.Dispose();
            throw new ArgumentException(message);
        }
        return certificate;
    }
}
