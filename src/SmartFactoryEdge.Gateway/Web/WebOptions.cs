using System.ComponentModel.DataAnnotations;
using System.Net;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>The gateway's local web UI and JSON API (the `web` section; see Web/README.md).</summary>
public sealed record WebOptions : IValidatableConfig
{
    public const string SectionName = "web";

    /// <summary>Serve the web UI; false keeps the section but starts nothing.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The IP address to listen on; 127.0.0.1 keeps the UI on the gateway itself (use 0.0.0.0 for the plant LAN).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 takes a free port (the log line "Web UI listening on ..." names it).</summary>
    [Range(0, 65535)]
    public int Port { get; init; } = 8080;

    /// <summary>The login password as a PBKDF2 hash (`sfe web hash-password`); never the password itself.</summary>
    public string? PasswordHash { get; init; }

    /// <summary>An environment variable holding the hash instead (read at start); used when passwordHash is absent.</summary>
    public string? PasswordHashEnvironmentVariable { get; init; } = "SFE_WEB_PASSWORD_HASH";

    /// <summary>How long a login lasts; the session cookie expires after this (no sliding renewal).</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Login attempts allowed per client address and minute; more get 429.</summary>
    [Range(1, 10_000)]
    public int LoginAttemptsPerMinute { get; init; } = 10;

    /// <summary>Points kept per tag for the trend chart.</summary>
    [Range(2, 10_000)]
    public int TrendPoints { get; init; } = 300;

    public IEnumerable<(string? Key, string Message)> Validate()
    {
        if (!IPAddress.TryParse(Address, out _))
            yield return ("address", $"'{Address}' is not an IP address (use 127.0.0.1, 0.0.0.0 or the address of one interface)");
        if (PasswordHash is not null && !PasswordHasher.TryParse(PasswordHash, out _, out _, out _))
            yield return ("passwordHash", $"is not a hash made by `sfe web hash-password` ({PasswordHasher.FormatDescription})");
        if (PasswordHash is null && string.IsNullOrWhiteSpace(PasswordHashEnvironmentVariable))
            yield return ("passwordHash", "set passwordHash (from `sfe web hash-password`) or passwordHashEnvironmentVariable; the web UI needs a login");
        if (SessionLifetime < TimeSpan.FromSeconds(5) || SessionLifetime > TimeSpan.FromDays(30))
            yield return ("sessionLifetime", $"must be between 5s and 30 days (got {SessionLifetime})");
    }
}
