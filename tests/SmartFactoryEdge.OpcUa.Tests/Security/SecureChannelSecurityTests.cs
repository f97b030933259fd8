using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Tests.Integration;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>A Basic256Sha256 SignAndEncrypt secure channel to node-opcua: validation, asymmetric open, symmetric requests.</summary>
public sealed class SecureChannelSecurityTests : IClassFixture<OpcUaServerFixture>, IDisposable
{
    private readonly OpcUaServerFixture _fixture;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sfe-pki-it-{Guid.NewGuid():N}");

    public SecureChannelSecurityTests(OpcUaServerFixture fixture) => _fixture = fixture;

    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); }

    [Fact]
    public async Task Basic256Sha256SignAndEncryptChannelCarriesRequests()
    {
        var endpoints = await Session.UaSession.GetEndpointsAsync(_fixture.Url);
        var endpoint = endpoints.First(e => e.SecurityPolicyUri == SecurityPolicyInfo.Basic256Sha256.Uri && e.SecurityMode == MessageSecurityMode.SignAndEncrypt);
        var serverDer = UserTokenEncryption.FirstDerElement(endpoint.ServerCertificate!);

        // the server certificate is not trusted until an operator trusts it
        var store = new PkiStore(_root);
        var validator = new CertificateValidator(store);
        var error = Assert.Throws<CertificateValidationException>(() => validator.Validate(serverDer, _fixture.Url, endpoint.Server.ApplicationUri));
        Assert.Equal(StatusCodes.BadCertificateUntrusted, error.StatusCode);
        using var serverCert = X509CertificateLoader.LoadCertificate(serverDer);
        Assert.NotNull(store.Trust(serverCert.Thumbprint));
        // node-opcua's certificate names the machine's host name; validate as a client that dialled that name
        var dialled = HostNamed(serverCert, "127.0.0.1") ? _fixture.Url : _fixture.Url.Replace("127.0.0.1", System.Net.Dns.GetHostName(), StringComparison.Ordinal);
        validator.Validate(serverDer, dialled, endpoint.Server.ApplicationUri);

        using var own = ApplicationCertificate.LoadOrCreate(store, new ApplicationCertificateOptions { ApplicationUri = "urn:sfe:test:client", HostNames = ["localhost"] });
        using var policy = new MessageSecurityPolicy(SecurityPolicyInfo.Basic256Sha256, MessageSecurityMode.SignAndEncrypt, own, serverCert);
        await using var channel = new UaSecureChannel(_fixture.Url, policy);
        await channel.OpenAsync(CancellationToken.None);
        Assert.NotEqual(0u, channel.ChannelId);
        for (int i = 0; i < 3; i++)
        {
            var response = await channel.SendRequestAsync<GetEndpointsResponse>(new GetEndpointsRequest { EndpointUrl = _fixture.Url }, null, CancellationToken.None);
            Assert.Contains(response.Endpoints, e => e.SecurityMode == MessageSecurityMode.SignAndEncrypt);
        }
        Assert.Equal(SecurityPolicyInfo.Basic256Sha256.Uri, policy.Uri);

        // a session on the secure channel (hand-made here: UaSession does not take a policy yet) reads a value
        var clientNonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var create = await channel.SendRequestAsync<CreateSessionResponse>(new CreateSessionRequest
        {
            ClientDescription = new ApplicationDescription { ApplicationUri = "urn:sfe:test:client", ApplicationName = new LocalizedText(null, "sfe test"), ApplicationType = ApplicationType.Client },
            EndpointUrl = _fixture.Url,
            SessionName = "secure",
            ClientNonce = clientNonce,
            ClientCertificate = own.RawData,
            RequestedSessionTimeout = 60000,
        }, null, CancellationToken.None);
        Assert.True(SessionSignatures.VerifyServerSignature(SecurityPolicyInfo.Basic256Sha256, serverCert, own.RawData, clientNonce, create.ServerSignature));
        var anonymous = endpoint.UserIdentityTokens.First(t => t.TokenType == UserTokenType.Anonymous);
        var activate = new ActivateSessionRequest
        {
            ClientSignature = SessionSignatures.CreateClientSignature(SecurityPolicyInfo.Basic256Sha256, own, serverDer, create.ServerNonce!),
            UserIdentityToken = new AnonymousIdentityToken(anonymous.PolicyId),
            LocaleIds = ["en"],
        };
        activate.RequestHeader.AuthenticationToken = create.AuthenticationToken;
        await channel.SendRequestAsync<ActivateSessionResponse>(activate, null, CancellationToken.None);
        var read = new ReadRequest { NodesToRead = [new ReadValueId(NodeId.Parse("ns=1;s=Line1.Press01.Temperature"))] };
        read.RequestHeader.AuthenticationToken = create.AuthenticationToken;
        var value = Assert.Single((await channel.SendRequestAsync<ReadResponse>(read, null, CancellationToken.None)).Results);
        Assert.True(value.StatusCode.IsGood);
        Assert.False(double.IsNaN(value.Value.ToDouble()));

        // encrypting for the wrong server key: node-opcua cannot decrypt the OpenSecureChannel and refuses the channel
        using var impostor = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:impostor" }, DateTimeOffset.UtcNow);
        using var wrongPolicy = new MessageSecurityPolicy(SecurityPolicyInfo.Basic256Sha256, MessageSecurityMode.SignAndEncrypt, own, X509CertificateLoader.LoadCertificate(impostor.RawData));
        await using var refused = new UaSecureChannel(_fixture.Url, wrongPolicy, new SecureChannelOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        await Assert.ThrowsAnyAsync<Exception>(() => refused.OpenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SecuredTokenIsRenewedAndRequestsContinue()
    {
        var endpoints = await Session.UaSession.GetEndpointsAsync(_fixture.Url);
        var endpoint = endpoints.First(e => e.SecurityPolicyUri == SecurityPolicyInfo.Basic256Sha256.Uri && e.SecurityMode == MessageSecurityMode.SignAndEncrypt);
        using var serverCert = X509CertificateLoader.LoadCertificate(UserTokenEncryption.FirstDerElement(endpoint.ServerCertificate!));
        using var own = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:sfe:test:renew" }, DateTimeOffset.UtcNow);
        using var policy = new MessageSecurityPolicy(SecurityPolicyInfo.Basic256Sha256, MessageSecurityMode.SignAndEncrypt, own, serverCert);
        await using var channel = new UaSecureChannel(_fixture.Url, policy, new SecureChannelOptions { TokenLifetime = TimeSpan.FromSeconds(2) });
        var renewed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.TokenRenewed += _ => { if (channel.Renewals >= 2) renewed.TrySetResult(); };
        await channel.OpenAsync(CancellationToken.None);
        var firstToken = channel.TokenId;
        await renewed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEqual(firstToken, channel.TokenId);
        var response = await channel.SendRequestAsync<GetEndpointsResponse>(new GetEndpointsRequest { EndpointUrl = _fixture.Url }, null, CancellationToken.None);
        Assert.NotEmpty(response.Endpoints);
        Assert.True(channel.IsOpen);
    }

    /// <summary>A server with every policy in Sign and SignAndEncrypt.</summary>
    public sealed class AllPoliciesFixture : OpcUaServerFixture
    {
        protected override string[] Arguments => ["--load", "10", "--security", "all"];
    }

    private static bool HostNamed(X509Certificate2 cert, string host)
    {
        var (_, dns, ips) = CertificateValidator.SubjectAlternativeNames(cert);
        return dns.Contains(host) || ips.Any(i => i.ToString() == host);
    }
}
