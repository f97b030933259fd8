using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.OpcUa.Source;
using SmartFactoryEdge.OpcUa.Tools;
using SmartFactoryEdge.OpcUa.Tests.Integration;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>UaSession and OpcUaSource with message security against node-opcua: endpoint selection and server trust.</summary>
public sealed class SecureSessionTests : IClassFixture<SecureChannelSecurityTests.AllPoliciesFixture>, IDisposable
{
    private readonly SecureChannelSecurityTests.AllPoliciesFixture _fixture;
    private readonly string _pki = Directory.CreateTempSubdirectory("sfe-secure-session-").FullName;

    public SecureSessionTests(SecureChannelSecurityTests.AllPoliciesFixture fixture) => _fixture = fixture;

    public void Dispose() => Directory.Delete(_pki, recursive: true);

    private UaSessionOptions Session(string policy = "Best", string mode = "Best", bool autoAccept = false) => new()
    {
        ApplicationUri = "urn:sfe:test:secure-session",
        Security = new UaSecurityOptions { SecurityPolicy = policy, SecurityMode = mode, PkiPath = _pki, AutoAcceptUntrusted = autoAccept },
    };

    [Fact]
    public async Task UntrustedServerIsRefusedUntilTrustedThenBasic256Sha256SignAndEncryptSubscribes()
    {
        var ex = await Assert.ThrowsAsync<CertificateValidationException>(() => UaSession.ConnectAsync(_fixture.Url, Session("Basic256Sha256", "SignAndEncrypt")));
        Assert.Equal(StatusCodes.BadCertificateUntrusted, ex.StatusCode);
        var store = new PkiStore(_pki);
        var rejected = Assert.Single(store.LoadCertificates(store.RejectedCerts));
        Assert.Contains(Path.Combine("rejected", "certs"), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"sfe opcua certs trust {rejected.Thumbprint}", ex.Message, StringComparison.Ordinal);

        // what `sfe opcua certs trust THUMBPRINT --pki DIR` runs
        Assert.Equal(0, await OpcUaCerts.TrustAsync(_pki, rejected.Thumbprint, TextWriter.Null, TextWriter.Null, CancellationToken.None));
        var writer = new CollectingWriter();
        var health = new HealthRegistry();
        var source = new OpcUaSource(new OpcUaEndpointOptions
        {
            Name = "secure",
            EndpointUrl = _fixture.Url,
            SecurityPolicy = "Basic256Sha256",
            SecurityMode = "SignAndEncrypt",
            PkiPath = _pki,
            PublishingIntervalMs = 100,
            Tags =
            [
                new() { Id = "press.temperature", NodeId = "ns=1;s=Line1.Press01.Temperature", SamplingIntervalMs = 50 },
                new() { Id = "load.0", NodeId = "ns=1;s=Load.Var0000", SamplingIntervalMs = 0 },
            ],
        }, health);
        using var stop = new CancellationTokenSource();
        var run = source.RunAsync(writer, stop.Token);
        Sample first;
        try { first = await writer.WaitForAsync(s => s.TagId == "press.temperature" && s.Quality.IsGood, TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { Assert.Fail(string.Join("\n", health.Snapshot().Select(h => h.ToString())) + "\n" + string.Join("\n", writer.Samples.Take(5))); throw; }
        Assert.InRange(first.Value.AsDouble, 30, 90);
        // a changing value keeps arriving through the subscription on the encrypted channel
        var load = await writer.WaitForAsync(s => s.TagId == "load.0" && s.Quality.IsGood, TimeSpan.FromSeconds(30), includeExisting: true);
        await writer.WaitForAsync(s => s.TagId == "load.0" && s.Quality.IsGood && s.SourceTimestamp > load.SourceTimestamp, TimeSpan.FromSeconds(30));
        var channelPolicy = source.Client!.Session!.Channel.Policy;
        Assert.Equal(SecurityPolicyInfo.Basic256Sha256.Uri, channelPolicy.Uri);
        Assert.Equal(MessageSecurityMode.SignAndEncrypt, channelPolicy.Mode);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task BestPicksTheMostSecureSignAndEncryptEndpointAndReads()
    {
        await using var session = await UaSession.ConnectAsync(_fixture.Url, Session(autoAccept: true));
        Assert.Equal(SecurityPolicyInfo.Supported[0].Uri, session.Channel.Policy.Uri);
        Assert.Equal(MessageSecurityMode.SignAndEncrypt, session.Channel.Policy.Mode);
        var value = Assert.Single(await session.ReadAsync([new ReadValueId(NodeId.Parse("ns=1;s=Line1.Press01.Temperature"))], CancellationToken.None));
        Assert.True(value.StatusCode.IsGood);
        var store = new PkiStore(_pki);
        Assert.Single(store.LoadCertificates(store.TrustedCerts));
    }

    [Fact]
    public async Task SessionMovesOntoANewSecuredChannelAfterTheOldOneIsDropped()
    {
        var old = await UaSession.ConnectAsync(_fixture.Url, Session("Aes256_Sha256_RsaPss", "SignAndEncrypt", autoAccept: true));
        await old.DisposeAsync(); // channel gone, the session stays on the server
        await using var moved = await UaSession.ReactivateAsync(old, CancellationToken.None);
        Assert.Equal(old.SessionId, moved.SessionId);
        Assert.NotSame(old.Channel, moved.Channel);
        Assert.Equal(SecurityPolicyInfo.Aes256Sha256RsaPss.Uri, moved.Channel.Policy.Uri);
        Assert.Equal(MessageSecurityMode.SignAndEncrypt, moved.Channel.Policy.Mode);
        var value = Assert.Single(await moved.ReadAsync([new ReadValueId(NodeId.Parse("ns=1;s=Line1.Press01.Temperature"))], CancellationToken.None));
        Assert.True(value.StatusCode.IsGood);
    }

    [Theory]
    [InlineData("Basic256Sha256", "Sign", "operator-pw", true)]
    [InlineData("Aes256_Sha256_RsaPss", "SignAndEncrypt", "wrong", false)]
    public async Task UserNameLoginOnASecuredEndpoint(string policy, string mode, string password, bool accepted)
    {
        var options = Session(policy, mode, autoAccept: true) with { UserName = "operator", Password = password };
        if (accepted)
        {
            await using var session = await UaSession.ConnectAsync(_fixture.Url, options);
            Assert.Equal(mode, session.Channel.Policy.Mode.ToString());
            return;
        }
        var ex = await Assert.ThrowsAsync<ServiceResultException>(() => UaSession.ConnectAsync(_fixture.Url, options));
        Assert.Contains("ActivateSession", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Aes128_Sha256_RsaOaep", "Sign")]
    [InlineData("None", "Best")]
    public async Task ConfiguredPolicyAndModeAreUsed(string policy, string mode)
    {
        await using var session = await UaSession.ConnectAsync(_fixture.Url, Session(policy, mode, autoAccept: true));
        var expected = policy == "None" ? NoneSecurityPolicy.PolicyUri : SecurityPolicyInfo.Supported.Single(p => p.Name == policy).Uri;
        Assert.Equal(expected, session.Channel.Policy.Uri);
        Assert.Equal(policy == "None" ? MessageSecurityMode.None : MessageSecurityMode.Sign, session.Channel.Policy.Mode);
        Assert.Single(await session.ReadAsync([new ReadValueId(NodeId.Parse("i=2258"))], CancellationToken.None));
    }
}
