using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// Signs/encrypts and verifies/decrypts secure-channel chunks for one side of a channel (Part 6, 6.7.2-6.7.5):
/// OpenSecureChannel chunks asymmetrically (sign with our key, RSA-OAEP encrypt with the peer's, from the
/// sequence header on; the message size in the header is the final, encrypted size and is signed), other chunks
/// symmetrically with the keys derived from the nonces (HMAC-SHA256; AES-CBC in SignAndEncrypt). Padding per
/// <see cref="MessagePadding"/>. Keys of the previous token stay valid for receiving after a renewal.
/// Not yet wired into <see cref="SecureChannel.UaSecureChannel"/> (see the README).
/// </summary>
public sealed class ChunkSecurity : IDisposable
{
    private readonly SecurityPolicyInfo _policy;
    private readonly bool _isClient;
    private readonly RSA _ownKey;
    private readonly RSA _peerKey;
    private readonly Dictionary<uint, (SymmetricCrypto Send, SymmetricCrypto Receive)> _tokens = [];
    private uint _currentToken;

    /// <param name="ownCertificate">Our certificate with its private key.</param>
    /// <param name="peerCertificate">The peer's certificate (already validated).</param>
    /// <param name="isClient">True on the client side (decides which derived keys send and which receive).</param>
    public ChunkSecurity(SecurityPolicyInfo policy, MessageSecurityMode mode, X509Certificate2 ownCertificate, X509Certificate2 peerCertificate, bool isClient = true)
    {
        if (mode is not (MessageSecurityMode.Sign or MessageSecurityMode.SignAndEncrypt))
            throw new ArgumentException($"Mode {mode} needs no chunk security.", nameof(mode));
        _policy = policy;
        Mode = mode;
        _isClient = isClient;
        _ownKey = ownCertificate.GetRSAPrivateKey() ?? throw new ArgumentException("Our certificate has no RSA private key.", nameof(ownCertificate));
        _peerKey = peerCertificate.GetRSAPublicKey() ?? throw new ArgumentException("The peer certificate has no RSA key.", nameof(peerCertificate));
        foreach (var (key, who) in new[] { (_ownKey, "our"), (_peerKey, "the peer's") })
            if (key.KeySize < policy.MinAsymmetricKeyLength || key.KeySize > policy.MaxAsymmetricKeyLength)
                throw new ArgumentException($"{who} key has {key.KeySize} bits; {policy.Name} allows {policy.MinAsymmetricKeyLength}-{policy.MaxAsymmetricKeyLength}.");
        OwnCertificate = ownCertificate.RawData;
        PeerThumbprint = SHA1.HashData(peerCertificate.RawData);
    }

    public MessageSecurityMode Mode { get; }

    public string PolicyUri => _policy.Uri;

    /// <summary>Our certificate (DER) for the asymmetric security header.</summary>
    public byte[] OwnCertificate { get; }

    /// <summary>SHA-1 thumbprint of the peer certificate for the asymmetric security header.</summary>
    public byte[] PeerThumbprint { get; }

    private bool Encrypts => Mode == MessageSecurityMode.SignAndEncrypt;

    public byte[] CreateNonce() => RandomNumberGenerator.GetBytes(_policy.NonceLength);

    /// <summary>Derives the keys of a newly issued or renewed token; the previous token's keys stay for receiving.</summary>
    public void OnTokenIssued(uint tokenId, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce)
    {
        if (clientNonce.Length != _policy.NonceLength || serverNonce.Length != _policy.NonceLength)
            throw new ProtocolViolationException($"{_policy.Name} needs {_policy.NonceLength}-byte nonces, got client {clientNonce.Length} and server {serverNonce.Length}.");
        var client = new SymmetricCrypto(KeyDerivation.ClientKeys(_policy, clientNonce, serverNonce));
        var server = new SymmetricCrypto(KeyDerivation.ServerKeys(_policy, clientNonce, serverNonce));
        foreach (var old in _tokens.Keys.Where(t => t != _currentToken).ToList())
        {
            _tokens[old].Send.Dispose();
            _tokens[old].Receive.Dispose();
            _tokens.Remove(old);
        }
        _tokens[tokenId] = _isClient ? (client, server) : (server, client);
        _currentToken = tokenId;
    }

    /// <summary>How many body bytes fit into a chunk of <paramref name="bufferLength"/> bytes whose sequence header starts at <paramref name="sequenceStart"/>.</summary>
    public int MaxBodySize(int bufferLength, int sequenceStart, bool asymmetric)
    {
        if (asymmetric)
        {
            var blocks = (bufferLength - sequenceStart) / AsymmetricCrypto.CipherBlockSize(_peerKey);
            return blocks * AsymmetricCrypto.PlainBlockSize(_peerKey, _policy) - 8 - AsymmetricCrypto.SignatureLength(_ownKey) - (MessagePadding.NeedsExtraPaddingByte(_peerKey.KeySize) ? 2 : 1);
        }
        if (!Encrypts) return bufferLength - sequenceStart - 8 - _policy.SymmetricSignatureLength;
        var usable = (bufferLength - sequenceStart) / _policy.EncryptionBlockSize * _policy.EncryptionBlockSize;
        return usable - 8 - _policy.SymmetricSignatureLength - 1;
    }

    /// <summary>
    /// Secures the chunk in place: <paramref name="chunk"/> holds the message header, security header, the sequence header at
    /// <paramref name="sequenceStart"/> and the body up to <paramref name="bodyEnd"/>. Writes the final size into the header; returns it.
    /// </summary>
    public int SecureChunk(Span<byte> chunk, int sequenceStart, int bodyEnd, bool asymmetric)
    {
        if (asymmetric)
        {
            var signatureLength = AsymmetricCrypto.SignatureLength(_ownKey);
            var plainBlock = AsymmetricCrypto.PlainBlockSize(_peerKey, _policy);
            var extra = MessagePadding.NeedsExtraPaddingByte(_peerKey.KeySize);
            var padding = MessagePadding.Length(bodyEnd - sequenceStart, signatureLength, plainBlock, extra);
            MessagePadding.Write(chunk[bodyEnd..], padding, extra);
            var plainLength = bodyEnd + padding + signatureLength - sequenceStart;
            var size = sequenceStart + plainLength / plainBlock * AsymmetricCrypto.CipherBlockSize(_peerKey);
            if (size > chunk.Length) throw new ArgumentException($"Chunk buffer of {chunk.Length} bytes is too small for {size}.", nameof(chunk));
            BinaryPrimitives.WriteUInt32LittleEndian(chunk[4..], (uint)size);
            AsymmetricCrypto.Sign(_ownKey, _policy, chunk[..(bodyEnd + padding)]).CopyTo(chunk[(bodyEnd + padding)..]);
            AsymmetricCrypto.Encrypt(_peerKey, _policy, chunk.Slice(sequenceStart, plainLength)).CopyTo(chunk[sequenceStart..]);
            return size;
        }
        var keys = CurrentKeys().Send;
        var end = bodyEnd;
        if (Encrypts)
        {
            var padding = MessagePadding.Length(bodyEnd - sequenceStart, keys.SignatureLength, keys.BlockSize, false);
            MessagePadding.Write(chunk[bodyEnd..], padding, false);
            end += padding;
        }
        var total = end + keys.SignatureLength;
        BinaryPrimitives.WriteUInt32LittleEndian(chunk[4..], (uint)total);
        keys.Sign(chunk[..end], chunk.Slice(end, keys.SignatureLength));
        if (Encrypts) keys.Encrypt(chunk[sequenceStart..total]);
        return total;
    }

    /// <summary>Verifies and decrypts a received chunk in place; returns where its plain body ends.</summary>
    /// <exception cref="ProtocolViolationException">Unknown token, bad signature, bad padding or undecryptable data (names the offset).</exception>
    public int UnsecureChunk(Span<byte> chunk, int sequenceStart, bool asymmetric)
    {
        if (asymmetric)
        {
            var plain = AsymmetricCrypto.Decrypt(_ownKey, _policy, chunk[sequenceStart..]);
            plain.CopyTo(chunk[sequenceStart..]);
            var signatureLength = AsymmetricCrypto.SignatureLength(_peerKey);
            var signed = sequenceStart + plain.Length - signatureLength;
            if (signed < sequenceStart + 8) throw new ProtocolViolationException($"Asymmetric chunk of {chunk.Length} bytes is too short for its signature.");
            if (!AsymmetricCrypto.Verify(_peerKey, _policy, chunk[..signed], chunk.Slice(signed, signatureLength)))
                throw new ProtocolViolationException($"The asymmetric signature ({_policy.AsymmetricSignatureAlgorithm}) of the OpenSecureChannel chunk does not verify.");
            return signed - MessagePadding.Read(chunk[sequenceStart..signed], MessagePadding.NeedsExtraPaddingByte(_ownKey.KeySize));
        }
        var tokenId = BinaryPrimitives.ReadUInt32LittleEndian(chunk[12..]);
        if (!_tokens.TryGetValue(tokenId, out var pair)) throw new ProtocolViolationException($"Chunk uses unknown security token {tokenId}.");
        var keys = pair.Receive;
        if (Encrypts) keys.Decrypt(chunk[sequenceStart..]);
        var signatureStart = chunk.Length - keys.SignatureLength;
        if (signatureStart < sequenceStart + 8) throw new ProtocolViolationException($"Chunk of {chunk.Length} bytes is too short for its signature.");
        if (!keys.Verify(chunk[..signatureStart], chunk[signatureStart..]))
            throw new ProtocolViolationException($"The HMAC-SHA256 signature of a {chunk.Length}-byte chunk (token {tokenId}) does not verify.");
        return Encrypts ? signatureStart - MessagePadding.Read(chunk[sequenceStart..signatureStart], false) : signatureStart;
    }

    private (SymmetricCrypto Send, SymmetricCrypto Receive) CurrentKeys()
        => _tokens.TryGetValue(_currentToken, out var keys) ? keys : throw new InvalidOperationException("No security token issued yet.");

    public void Dispose()
    {
        foreach (var (send, receive) in _tokens.Values) { send.Dispose(); receive.Dispose(); }
        _tokens.Clear();
        _ownKey.Dispose();
        _peerKey.Dispose();
    }
}
