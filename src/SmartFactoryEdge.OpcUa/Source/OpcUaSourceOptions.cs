using System.ComponentModel.DataAnnotations;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Source;

/// <summary>
/// The OPC UA sources of a gateway: YAML section <c>sources.opcua</c>, a list of endpoints.
/// <code>
/// sources:
///   opcua:
///     - name: press01
///       endpointUrl: opc.tcp://10.0.0.5:4840/UA/Sim
///       publishingIntervalMs: 1000
///       tags:
///         - id: press01.temperature
///           nodeId: ns=1;s=Line1.Press01.Temperature
///           samplingIntervalMs: 100
///           deadband: { type: Absolute, value: 0.1 }
///         - id: press01.pressure
///           browsePath: Objects/Line1/Press01/Pressure
/// </code>
/// </summary>
public static class OpcUaSourceSection
{
    /// <summary>Configuration path of the endpoint list.</summary>
    public const string SectionName = "sources:opcua";
}

/// <summary>One OPC UA server to subscribe to.</summary>
public sealed record OpcUaEndpointOptions
{
    public const string SectionName = OpcUaSourceSection.SectionName;

    /// <summary>Short name for logs, health and the source name ("opcua:&lt;name&gt;").</summary>
    [Required]
    public string Name { get; init; } = "";

    /// <summary>opc.tcp://host:port/path of the server (message security per SecurityPolicy/SecurityMode).</summary>
    [Required]
    public string EndpointUrl { get; init; } = "";

    /// <summary>Optional user name (the password comes from the environment, never from YAML).</summary>
    public string? UserName { get; init; }

    /// <summary>Name of the environment variable holding the password for <see cref="UserName"/>.</summary>
    public string? PasswordEnvironmentVariable { get; init; }

    /// <summary>
    /// X.509 user identity: a certificate file (PEM or DER, with <see cref="UserPrivateKey"/>) or a PKCS#12 file
    /// (.pfx/.p12). Instead of <see cref="UserName"/>; loaded and checked (key pair, validity) at start-up.
    /// </summary>
    public string? UserCertificate { get; init; }

    /// <summary>PEM private key (PKCS#1, PKCS#8 or encrypted PKCS#8) of <see cref="UserCertificate"/>.</summary>
    public string? UserPrivateKey { get; init; }

    /// <summary>Name of the environment variable holding the password of the .pfx or of the encrypted key.</summary>
    public string? UserCertificatePasswordEnvironmentVariable { get; init; }

    /// <summary>None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss or Best (most secure offered that we support). None only when set explicitly.</summary>
    public string SecurityPolicy { get; init; } = "Best";

    /// <summary>None, Sign, SignAndEncrypt or Best.</summary>
    public string SecurityMode { get; init; } = "Best";

    /// <summary>PKI folder: own certificate, trusted/issuers/rejected server certificates (see <c>sfe opcua certs</c>).</summary>
    public string PkiPath { get; init; } = "pki";

    /// <summary>Trust an unknown server certificate on first contact (logged as a warning). Off by default.</summary>
    public bool AutoAcceptUntrusted { get; init; }

    /// <summary>Default publishing interval of the tags, ms.</summary>
    [Range(10, 3_600_000)]
    public int PublishingIntervalMs { get; init; } = 1000;

    /// <summary>Default sampling interval, ms; -1 samples at the publishing interval.</summary>
    [Range(-1, 3_600_000)]
    public int SamplingIntervalMs { get; init; } = -1;

    /// <summary>Default server-side queue per item (values kept between publishes).</summary>
    [Range(1, 10_000)]
    public int QueueSize { get; init; } = 10;

    /// <summary>Publishing intervals without data before the server sends a keep-alive.</summary>
    [Range(1, 1000)]
    public int MaxKeepAliveCount { get; init; } = 5;

    /// <summary>
    /// Publish requests kept outstanding; null sizes it from the tag count (servers put at most ~1000 notifications
    /// in one message, so 10k tags at 100 ms need many messages per interval): 3 + tags / 1000, at most 20.
    /// </summary>
    [Range(1, 100)]
    public int? OutstandingPublishRequests { get; init; }

    public List<OpcUaTagOptions> Tags { get; init; } = [];
}

/// <summary>One tag read from the server: by NodeId or by browse path from the Objects folder.</summary>
public sealed record OpcUaTagOptions
{
    /// <summary>The gateway's tag id (unique per gateway).</summary>
    [Required]
    public string Id { get; init; } = "";

    /// <summary>e.g. ns=1;s=Line1.Press01.Temperature.</summary>
    public string? NodeId { get; init; }

    /// <summary>e.g. Objects/Line1/Press01/Temperature (browse names; "2:Name" for another namespace).</summary>
    public string? BrowsePath { get; init; }

    public int? PublishingIntervalMs { get; init; }

    public int? SamplingIntervalMs { get; init; }

    public int? QueueSize { get; init; }

    public OpcUaDeadbandOptions? Deadband { get; init; }

    /// <summary>Unit symbol; when absent, the server's EngineeringUnits property is used.</summary>
    public string? Unit { get; init; }
}

/// <summary>Data-change deadband: Absolute (in engineering units) or Percent (of the EURange).</summary>
public sealed record OpcUaDeadbandOptions
{
    public DeadbandType Type { get; init; } = DeadbandType.Absolute;

    [Range(0, double.MaxValue)]
    public double Value { get; init; }
}

/// <summary>Checks rules that compare fields; messages name the endpoint and tag.</summary>
public static class OpcUaOptionsValidator
{
    private static readonly string[] SecurityPolicies = ["Best", "None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];
    private static readonly string[] SecurityModes = ["Best", "None", "Sign", "SignAndEncrypt"];

    public static IReadOnlyList<string> Validate(IReadOnlyList<OpcUaEndpointOptions> endpoints)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tagIds = new HashSet<string>(StringComparer.Ordinal);
        for (int e = 0; e < endpoints.Count; e++)
        {
            var ep = endpoints[e];
            var where = $"{OpcUaSourceSection.SectionName}[{e}]";
            if (string.IsNullOrWhiteSpace(ep.Name)) errors.Add($"{where}.name is empty.");
            else if (!names.Add(ep.Name)) errors.Add($"{where}.name '{ep.Name}' is used twice.");
            if (!Uri.TryCreate(ep.EndpointUrl, UriKind.Absolute, out var uri) || uri.Scheme != "opc.tcp")
                errors.Add($"{where}.endpointUrl '{ep.EndpointUrl}' is not an opc.tcp:// URL.");
            if (ep.Tags.Count == 0) errors.Add($"{where}.tags is empty.");
            if (!SecurityPolicies.Contains(ep.SecurityPolicy, StringComparer.OrdinalIgnoreCase))
                errors.Add($"{where}.securityPolicy '{ep.SecurityPolicy}' is not one of {string.Join(", ", SecurityPolicies)}.");
            if (!SecurityModes.Contains(ep.SecurityMode, StringComparer.OrdinalIgnoreCase))
                errors.Add($"{where}.securityMode '{ep.SecurityMode}' is not one of {string.Join(", ", SecurityModes)}.");
            if (ep.UserCertificate is { Length: > 0 } certificate)
            {
                if (ep.UserName is { Length: > 0 }) errors.Add($"{where} sets both userName and userCertificate; choose one identity.");
                CheckUserCertificate(ep, where, certificate, errors);
            }
            else if (ep.UserPrivateKey is { Length: > 0 })
            {
                errors.Add($"{where}.userPrivateKey is set without userCertificate.");
            }
            for (int t = 0; t < ep.Tags.Count; t++)
            {
                var tag = ep.Tags[t];
                var tw = $"{where}.tags[{t}]";
                if (!Core.Tags.TagDefinition.IsValidId(tag.Id)) errors.Add($"{tw}.id '{tag.Id}' is not a valid tag id.");
                else if (!tagIds.Add(tag.Id)) errors.Add($"{tw}.id '{tag.Id}' is used twice.");
                if (string.IsNullOrWhiteSpace(tag.NodeId) == string.IsNullOrWhiteSpace(tag.BrowsePath))
                    errors.Add($"{tw} needs exactly one of nodeId and browsePath.");
                if (tag.NodeId is { Length: > 0 } n && !Encoding.NodeId.TryParse(n, out _))
                    errors.Add($"{tw}.nodeId '{n}' is not a NodeId (e.g. ns=1;s=Line1.Temp or i=2258).");
                if (tag.Deadband is { Type: DeadbandType.Percent, Value: > 100 })
                    errors.Add($"{tw}.deadband.value {tag.Deadband.Value} is above 100 percent.");
            }
        }
        return errors;
    }

    // kept out of Validate: a certificate local there makes the JIT load System.Security.Cryptography (~1.4 MB resident)
    // in every gateway, also those that never use a certificate
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CheckUserCertificate(OpcUaEndpointOptions ep, string where, string certificate, List<string> errors)
    {
        try
        {
            using var loaded = LoadUserCertificate(ep);
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{where}.userCertificate '{certificate}': {ex.Message}");
        }
    }

    /// <summary>Loads the endpoint's X.509 user certificate with its key (password from the environment), or null when none is configured.</summary>
    /// <exception cref="ArgumentException">The files cannot be used; the message says why.</exception>
    public static System.Security.Cryptography.X509Certificates.X509Certificate2? LoadUserCertificate(OpcUaEndpointOptions endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.UserCertificate is not { Length: > 0 } path) return null;
        var password = endpoint.UserCertificatePasswordEnvironmentVariable is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env) : null;
        if (endpoint.UserCertificatePasswordEnvironmentVariable is { Length: > 0 } name && password is null)
            throw new ArgumentException($"the environment variable {name} (userCertificatePasswordEnvironmentVariable) is not set.");
        return Security.UserCertificate.Load(path, endpoint.UserPrivateKey, password);
    }
}
