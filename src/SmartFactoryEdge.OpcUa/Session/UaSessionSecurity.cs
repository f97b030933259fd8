using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Session;

/// <summary>Message security of a session: which endpoint to pick and where our certificate and trust list live.</summary>
public sealed record UaSecurityOptions
{
    /// <summary>None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss, or Best (the most secure offered that we support).</summary>
    public string SecurityPolicy { get; init; } = "Best";

    /// <summary>None, Sign, SignAndEncrypt or Best.</summary>
    public string SecurityMode { get; init; } = "Best";

    /// <summary>PKI folder (own, trusted, issuers, rejected).</summary>
    public string PkiPath { get; init; } = "pki";

    /// <summary>Trust an unknown server certificate on first contact (copies it to trusted/; logged as a warning).</summary>
    public bool AutoAcceptUntrusted { get; init; }
}

/// <summary>The endpoint chosen for a session and the certificates of both sides.</summary>
internal sealed class UaSessionSecurity
{
    public required EndpointDescription Endpoint { get; init; }
    public required SecurityPolicyInfo? Policy { get; init; }
    public required X509Certificate2? Own { get; init; }
    public required X509Certificate2? Server { get; init; }
    public required byte[]? ServerDer { get; init; }

    public bool IsNone => Policy is null;

    public ISecurityPolicy CreateChannelPolicy()
        => Policy is null ? NoneSecurityPolicy.Instance : new MessageSecurityPolicy(Policy, Endpoint.SecurityMode, Own!, Server!);

    /// <summary>
    /// Picks an endpoint: the configured policy/mode, or (Best) the most secure one we support, SignAndEncrypt before
    /// Sign, then by policy rank and the server's SecurityLevel. None only when configured explicitly.
    /// </summary>
    public static EndpointDescription Select(IReadOnlyList<EndpointDescription> endpoints, UaSecurityOptions options, string endpointUrl)
    {
        var wantNone = string.Equals(options.SecurityPolicy, "None", StringComparison.OrdinalIgnoreCase)
            || string.Equals(options.SecurityMode, "None", StringComparison.OrdinalIgnoreCase);
        if (wantNone)
        {
            return endpoints.FirstOrDefault(e => e.SecurityMode == MessageSecurityMode.None)
                ?? throw new NotSupportedException($"{endpointUrl} offers no SecurityPolicy None endpoint (configured securityPolicy/securityMode None).");
        }
        var candidates = endpoints
            .Select(e => (Endpoint: e, Policy: SecurityPolicyInfo.Find(e.SecurityPolicyUri)))
            .Where(c => c.Policy is not null && c.Endpoint.SecurityMode is MessageSecurityMode.Sign or MessageSecurityMode.SignAndEncrypt)
            .Where(c => string.Equals(options.SecurityPolicy, "Best", StringComparison.OrdinalIgnoreCase) || string.Equals(c.Policy!.Name, options.SecurityPolicy, StringComparison.OrdinalIgnoreCase))
            .Where(c => string.Equals(options.SecurityMode, "Best", StringComparison.OrdinalIgnoreCase) || string.Equals(c.Endpoint.SecurityMode.ToString(), options.SecurityMode, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(c => c.Endpoint.SecurityMode == MessageSecurityMode.SignAndEncrypt)
            .ThenByDescending(c => c.Policy!.SecurityRank)
            .ThenByDescending(c => c.Endpoint.SecurityLevel)
            .ToList();
        if (candidates.Count == 0)
        {
            var offered = string.Join(", ", endpoints.Select(e => $"{e.SecurityPolicyUri?.Split('#').LastOrDefault()}/{e.SecurityMode}"));
            throw new NotSupportedException(
                $"{endpointUrl} offers no endpoint with securityPolicy {options.SecurityPolicy} and securityMode {options.SecurityMode} that we support (offered: {offered}).");
        }
        return candidates[0].Endpoint;
    }
}
