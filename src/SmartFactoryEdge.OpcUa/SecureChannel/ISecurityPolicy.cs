using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.SecureChannel;

/// <summary>
/// What a security policy does to secure-channel chunks (Part 6, 6.7). The channel asks the policy for the
/// asymmetric header of OpenSecureChannel, the nonces, the per-chunk overhead, and lets it sign/encrypt each
/// outgoing chunk and verify/decrypt each incoming one. <see cref="NoneSecurityPolicy"/> is the only one
/// implemented so far; Basic256Sha256 plugs in here (issue 6) without touching the channel's chunking.
/// </summary>
public interface ISecurityPolicy
{
    /// <summary>The policy URI, e.g. http://opcfoundation.org/UA/SecurityPolicy#None.</summary>
    string Uri { get; }

    MessageSecurityMode Mode { get; }

    /// <summary>Our certificate (DER) for the asymmetric header, or null.</summary>
    byte[]? ClientCertificate { get; }

    /// <summary>SHA-1 thumbprint of the server certificate for the asymmetric header, or null.</summary>
    byte[]? ServerCertificateThumbprint { get; }

    /// <summary>A fresh client nonce for OpenSecureChannel (empty for None).</summary>
    byte[]? CreateClientNonce();

    /// <summary>Called when a token is issued or renewed, to derive symmetric keys from the nonces.</summary>
    void OnTokenIssued(uint tokenId, byte[]? clientNonce, byte[]? serverNonce);

    /// <summary>Bytes added to each symmetric chunk after the body (padding + signature), at most.</summary>
    int MaxSymmetricOverhead { get; }

    /// <summary>Signs and encrypts a symmetric chunk in place; returns its final length. <paramref name="bodyEnd"/> is where the plain body ends.</summary>
    int SecureSymmetricChunk(Span<byte> chunk, int securedStart, int bodyEnd);

    /// <summary>Verifies and decrypts an incoming chunk in place; returns where its plain body ends.</summary>
    /// <exception cref="Core.ProtocolViolationException">The signature does not verify.</exception>
    int UnsecureChunk(Span<byte> chunk, int securedStart, bool asymmetric);
}

/// <summary>SecurityPolicy None: no signing, no encryption (Part 7, SecurityPolicy None).</summary>
public sealed class NoneSecurityPolicy : ISecurityPolicy
{
    public const string PolicyUri = "http://opcfoundation.org/UA/SecurityPolicy#None";

    public static readonly NoneSecurityPolicy Instance = new();

    public string Uri => PolicyUri;

    public MessageSecurityMode Mode => MessageSecurityMode.None;

    public byte[]? ClientCertificate => null;

    public byte[]? ServerCertificateThumbprint => null;

    public byte[]? CreateClientNonce() => [];

    public void OnTokenIssued(uint tokenId, byte[]? clientNonce, byte[]? serverNonce) { }

    public int MaxSymmetricOverhead => 0;

    public int SecureSymmetricChunk(Span<byte> chunk, int securedStart, int bodyEnd) => bodyEnd;

    public int UnsecureChunk(Span<byte> chunk, int securedStart, bool asymmetric) => chunk.Length;
}
