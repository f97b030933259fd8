using SmartFactoryEdge.OpcUa.SecureChannel;

namespace SmartFactoryEdge.OpcUa.Session;

/// <summary>How a session is created and kept alive.</summary>
public sealed record UaSessionOptions
{
    public string ApplicationName { get; init; } = "SmartFactoryEdge";

    public string ApplicationUri { get; init; } = "urn:smartfactoryedge:gateway";

    public string SessionName { get; init; } = "sfe";

    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>User name for a UserName token; null logs in anonymously.</summary>
    public string? UserName { get; init; }

    /// <summary>Password for <see cref="UserName"/> (never logged).</summary>
    public string? Password { get; init; }

    /// <summary>
    /// X.509 user identity (Part 4, 7.36.5), with its RSA private key (see <see cref="Security.UserCertificate"/>);
    /// takes precedence over <see cref="UserName"/>. The caller owns and disposes it.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? UserCertificate { get; init; }

    /// <summary>Publish requests kept outstanding per session.</summary>
    public int OutstandingPublishRequests { get; init; } = 3;

    public SecureChannelOptions Channel { get; init; } = new();

    /// <summary>Message security; null keeps the plain SecurityPolicy None channel without endpoint selection.</summary>
    public UaSecurityOptions? Security { get; init; }
}
