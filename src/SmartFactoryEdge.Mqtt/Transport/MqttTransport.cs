using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Mqtt.Client;

namespace SmartFactoryEdge.Mqtt.Transport;

/// <summary>
/// Opens the byte stream to the broker: TCP (no Nagle, <see cref="SocketStream"/>) and optionally TLS through SslStream, with the server
/// certificate checked against the system store or a CA file (custom root trust), and an optional client certificate.
/// Socket and TLS failures become <see cref="PeerUnavailableException"/> naming the endpoint.
/// </summary>
public static class MqttTransport
{
    public static async Task<Stream> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = $"{options.Host}:{options.Port}";
        SocketStream network;
        try
        {
            network = await SocketStream.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new PeerUnavailableException($"MQTT broker {endpoint}: TCP connect failed: {e.SocketErrorCode} ({e.Message})", e);
        }
        if (!options.Tls.UseTls) return network;
        return await AuthenticateAsync(network, options, endpoint, cancellationToken).ConfigureAwait(false);
    }

    // TLS in its own method: certificate types in ConnectAsync made the JIT load System.Security.Cryptography (~1.4 MB
    // resident) in every gateway, also those with a plain TCP uplink
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<Stream> AuthenticateAsync(Stream network, MqttClientOptions options, string endpoint, CancellationToken cancellationToken)
    {
        var tls = options.Tls;
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            var auth = new SslClientAuthenticationOptions
            {
                TargetHost = tls.TargetHost ?? options.Host,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EnabledSslProtocols = SslProtocols.None, // the OS default: TLS 1.2 and 1.3
            };
            var trust = LoadCaFile(tls.CaFile);
            auth.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(tls, trust, certificate, errors);
            if (tls.ClientCertificateFile is not null)
                auth.ClientCertificates = [LoadClientCertificate(tls)];
            await ssl.AuthenticateAsClientAsync(auth, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new PeerUnavailableException($"MQTT broker {endpoint}: TLS handshake failed: {e.Message}", e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static X509Certificate2Collection? LoadCaFile(string? caFile)
    {
        if (caFile is null) return null;
        if (!File.Exists(caFile)) throw new FileNotFoundException($"MQTT TLS CA file '{caFile}' does not exist.", caFile);
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(caFile);
        if (collection.Count == 0) throw new InvalidOperationException($"MQTT TLS CA file '{caFile}' holds no PEM certificate.");
        return collection;
    }

    internal static X509Certificate2 LoadClientCertificate(MqttClientTlsOptions tls)
    {
        var file = tls.ClientCertificateFile!;
        if (!File.Exists(file)) throw new FileNotFoundException($"MQTT client certificate '{file}' does not exist.", file);
        var ext = Path.GetExtension(file).ToLowerInvariant();
        if (ext is ".pfx" or ".p12")
            return X509CertificateLoader.LoadPkcs12FromFile(file, tls.ClientCertificatePassword);
        return X509Certificate2.CreateFromPemFile(file, tls.ClientKeyFile);
    }

    private static bool Validate(MqttClientTlsOptions tls, X509Certificate2Collection? trust, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (tls.AllowUntrustedCertificates) return true;
        if (certificate is null) return false;
        if (trust is null) return errors == SslPolicyErrors.None;
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
