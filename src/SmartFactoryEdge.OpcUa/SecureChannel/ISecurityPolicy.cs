using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.SecureChannel;

/// <summary>
/// What a security policy does to secure-channel chunks (Part 6, 6.7). The channel asks the policy for the
/// asymmetric header of OpenSecureChannel, the nonces, the per-chunk overhead, and lets it sign/encrypt each
/// outgoing chunk and verify/decrypt each incoming one. <see cref="NoneSecurityPolicy"/>
/// and <see cref="MessageSecurityPolicy"/> (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss) implement it.
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

    /// <summary>How many body bytes fit into a chunk buffer of <paramref name="bufferLength"/> bytes whose sequence header starts at <paramref name="sequenceStart"/>.</summary>
    int MaxBodySize(int bufferLength, int sequenceStart, bool asymmetric);

    /// <summary>
    /// Pads, signs and encrypts a chunk in place (asymmetrically for OpenSecureChannel); writes the final size into the
    /// message header before signing and returns it. <paramref name="bodyEnd"/> is where the plain body ends.
    /// </summary>
    int SecureChunk(Span<byte> chunk, int sequenceStart, int bodyEnd, bool asymmetric);

    /// <summary>Verifies and decrypts an incoming chunk in place; returns where its plain body ends.</summary>
    /// <exception cref="Core.ProtocolViolationException">The signature does not verify.</exception>
    int UnsecureChunk(Span<byte> chunk, int sequenceStart, bool asymmetric);
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

    public int MaxBodySize(int bufferLength, int sequenceStart, bool asymmetric) => bufferLength - sequenceStart - 8;

    public int SecureChunk(Span<byte> chunk, int sequenceStart, int bodyEnd, bool asymmetric) => bodyEnd;

    public int UnsecureChunk(Span<byte> chunk, int sequenceStart, bool asymmetric) => chunk.Length;
}
