using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Security;

/// <summary>
/// The application signatures of CreateSession/ActivateSession (Part 4, 5.6.2-5.6.3): the client signs the server
/// certificate followed by the server nonce; the server signs the client certificate followed by the client nonce,
/// both with the policy's asymmetric signature algorithm.
/// </summary>
public static class SessionSignatures
{
    /// <summary>ActivateSession's clientSignature over serverCertificate + serverNonce.</summary>
    public static SignatureData CreateClientSignature(SecurityPolicyInfo policy, X509Certificate2 ownCertificate, byte[] serverCertificate, byte[] serverNonce)
    {
        using var key = ownCertificate.GetRSAPrivateKey() ?? throw new ArgumentException("Our certificate has no RSA private key.", nameof(ownCertificate));
        return new SignatureData(policy.AsymmetricSignatureAlgorithm, AsymmetricCrypto.Sign(key, policy, [.. serverCertificate, .. serverNonce]));
    }

    /// <summary>
    /// ActivateSession's userTokenSignature for an X.509 identity token (Part 4, 5.6.3.1 and 7.36.5): the same data
    /// (serverCertificate + the last serverNonce), signed with the user certificate's private key using the asymmetric
    /// signature algorithm of the token policy's SecurityPolicy.
    /// </summary>
    public static SignatureData CreateUserTokenSignature(SecurityPolicyInfo policy, X509Certificate2 userCertificate, byte[] serverCertificate, byte[] serverNonce)
    {
        using var key = userCertificate.GetRSAPrivateKey() ?? throw new ArgumentException($"The user certificate '{userCertificate.Subject}' has no RSA private key.", nameof(userCertificate));
        return new SignatureData(policy.AsymmetricSignatureAlgorithm, AsymmetricCrypto.Sign(key, policy, [.. serverCertificate, .. serverNonce]));
    }

    /// <summary>Checks CreateSession's serverSignature over clientCertificate + clientNonce.</summary>
    public static bool VerifyServerSignature(SecurityPolicyInfo policy, X509Certificate2 serverCertificate, byte[] clientCertificate, byte[] clientNonce, SignatureData signature)
    {
        if (signature.Signature is not { Length: > 0 } bytes || signature.Algorithm != policy.AsymmetricSignatureAlgorithm) return false;
        using var key = serverCertificate.GetRSAPublicKey();
        return key is not null && AsymmetricCrypto.Verify(key, policy, [.. clientCertificate, .. clientNonce], bytes);
    }
}
