using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>Every supported policy in Sign and SignAndEncrypt against node-opcua ("--security all"): open, session, read.</summary>
public sealed class SecurityPolicyMatrixTests : IClassFixture<SecureChannelSecurityTests.AllPoliciesFixture>
{
    private static readonly X509Certificate2 Own = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:sfe:test:matrix", HostNames = ["localhost"] }, DateTimeOffset.UtcNow);
    private readonly SecureChannelSecurityTests.AllPoliciesFixture _fixture;

    public SecurityPolicyMatrixTests(SecureChannelSecurityTests.AllPoliciesFixture fixture) => _fixture = fixture;

    public static TheoryData<string, MessageSecurityMode> Cases()
    {
        var data = new TheoryData<string, MessageSecurityMode>();
        foreach (var p in SecurityPolicyInfo.Supported)
            foreach (var m in new[] { MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt })
                data.Add(p.Name, m);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PolicyAndModeReadAValue(string policyName, MessageSecurityMode mode)
    {
        var info = SecurityPolicyInfo.Supported.Single(p => p.Name == policyName);
        var endpoints = await Session.UaSession.GetEndpointsAsync(_fixture.Url);
        var endpoint = endpoints.First(e => e.SecurityPolicyUri == info.Uri && e.SecurityMode == mode);
        var serverDer = UserTokenEncryption.FirstDerElement(endpoint.ServerCertificate!);
        using var serverCert = X509CertificateLoader.LoadCertificate(serverDer);
        using var policy = new MessageSecurityPolicy(info, mode, Own, serverCert);
        await using var channel = new UaSecureChannel(_fixture.Url, policy);
        await channel.OpenAsync(CancellationToken.None);

        var clientNonce = RandomNumberGenerator.GetBytes(32);
        var create = await channel.SendRequestAsync<CreateSessionResponse>(new CreateSessionRequest
        {
            ClientDescription = new ApplicationDescription { ApplicationUri = "urn:sfe:test:matrix", ApplicationName = new LocalizedText(null, "sfe matrix"), ApplicationType = ApplicationType.Client },
            EndpointUrl = _fixture.Url,
            SessionName = $"{policyName}-{mode}",
            ClientNonce = clientNonce,
            ClientCertificate = Own.RawData,
            RequestedSessionTimeout = 60000,
        }, null, CancellationToken.None);
        Assert.True(SessionSignatures.VerifyServerSignature(info, serverCert, Own.RawData, clientNonce, create.ServerSignature));
        var activate = new ActivateSessionRequest
        {
            ClientSignature = SessionSignatures.CreateClientSignature(info, Own, serverDer, create.ServerNonce!),
            UserIdentityToken = new AnonymousIdentityToken(endpoint.UserIdentityTokens.First(t => t.TokenType == UserTokenType.Anonymous).PolicyId),
            LocaleIds = ["en"],
        };
        activate.RequestHeader.AuthenticationToken = create.AuthenticationToken;
        await channel.SendRequestAsync<ActivateSessionResponse>(activate, null, CancellationToken.None);
        var read = new ReadRequest { NodesToRead = [new ReadValueId(NodeId.Parse("ns=1;s=Line1.Press01.Temperature"))] };
        read.RequestHeader.AuthenticationToken = create.AuthenticationToken;
        var value = Assert.Single((await channel.SendRequestAsync<ReadResponse>(read, null, CancellationToken.None)).Results);
        Assert.True(value.StatusCode.IsGood);
        Assert.False(double.IsNaN(value.Value.ToDouble()));

        // a response of many secured chunks (2.4 MB), and a request large enough to need several chunks of ours
        var large = new ReadRequest { NodesToRead = [.. Enumerable.Repeat(new ReadValueId(new NodeId("Types.LargeArray", 1)), 1).Concat(Enumerable.Range(0, 3000).Select(i => new ReadValueId(NodeId.Parse("ns=1;s=Line1.Press01.Temperature"))))] };
        large.RequestHeader.AuthenticationToken = create.AuthenticationToken;
        var results = (await channel.SendRequestAsync<ReadResponse>(large, TimeSpan.FromSeconds(30), CancellationToken.None)).Results;
        Assert.Equal(3001, results.Length);
        Assert.Equal(300000, ((double[])results[0].Value.Value!).Length);
    }
}
