using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.SecureChannel;

/// <summary>
/// Message security for the RSA/AES policies (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss) in
/// Sign or SignAndEncrypt mode, plugged into <see cref="UaSecureChannel"/>: our application instance certificate
/// and the server certificate (validate it with <see cref="CertificateValidator"/> first) drive the asymmetric
/// OpenSecureChannel; the nonces of each issued/renewed token derive the symmetric keys (see <see cref="ChunkSecurity"/>).
/// </summary>
public sealed class MessageSecurityPolicy : ISecurityPolicy, IDisposable
{
    private readonly ChunkSecurity _security;

    public MessageSecurityPolicy(SecurityPolicyInfo policy, MessageSecurityMode mode, X509Certificate2 clientCertificate, X509Certificate2 serverCertificate)
    {
        _security = new ChunkSecurity(policy, mode, clientCertificate, serverCertificate, isClient: true);
        Policy = policy;
    }

    public SecurityPolicyInfo Policy { get; }

    public string Uri => Policy.Uri;

    public MessageSecurityMode Mode => _security.Mode;

    public byte[]? ClientCertificate => _security.OwnCertificate;

    public byte[]? ServerCertificateThumbprint => _security.PeerThumbprint;

    public byte[]? CreateClientNonce() => _security.CreateNonce();

    public void OnTokenIssued(uint tokenId, byte[]? clientNonce, byte[]? serverNonce)
        => _security.OnTokenIssued(tokenId, clientNonce ?? [], serverNonce ?? []);

    public int MaxBodySize(int bufferLength, int sequenceStart, bool asymmetric) => _security.MaxBodySize(bufferLength, sequenceStart, asymmetric);

    public int SecureChunk(Span<byte> chunk, int sequenceStart, int bodyEnd, bool asymmetric) => _security.SecureChunk(chunk, sequenceStart, bodyEnd, asymmetric);

    public int UnsecureChunk(Span<byte> chunk, int sequenceStart, bool asymmetric) => _security.UnsecureChunk(chunk, sequenceStart, asymmetric);

    public void Dispose() => _security.Dispose();
}
