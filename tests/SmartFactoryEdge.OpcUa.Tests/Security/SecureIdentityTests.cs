using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.OpcUa.Tests.Integration;
using SmartFactoryEdge.TestKit.OpcUa;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>
/// Every security policy in both modes (and None) with every identity type (anonymous, user name, X.509 user
/// certificate) through a real session against one node-opcua server: connect, read, and a subscription delivers.
/// </summary>
public sealed class SecureIdentityTests : IClassFixture<SecureIdentityTests.UserCertificateFixture>, IDisposable
{
    private readonly UserCertificateFixture _fixture;
    private readonly string _pki = Directory.CreateTempSubdirectory("sfe-identity-").FullName;

    public SecureIdentityTests(UserCertificateFixture fixture) => _fixture = fixture;

    public void Dispose() => Directory.Delete(_pki, recursive: true);

    /// <summary>A node-opcua server with all policies and modes that trusts one user certificate (made here).</summary>
    public sealed class UserCertificateFixture : IAsyncLifetime
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("sfe-user-certs-").FullName;

        public OpcUaTestServer Server { get; private set; } = null!;

        public string Url => Server.EndpointUrl;

        /// <summary>Trusted by the server.</summary>
        public X509Certificate2 TrustedUser { get; } = UserCertificateFile.Create("alice", DateTimeOffset.UtcNow);

        /// <summary>Not in the server's user trust list.</summary>
        public X509Certificate2 UntrustedUser { get; } = UserCertificateFile.Create("mallory", DateTimeOffset.UtcNow);

        public async Task InitializeAsync()
        {
            var trusted = Path.Combine(_dir, "alice.der");
            await File.WriteAllBytesAsync(trusted, TrustedUser.RawData);
            Server = await OpcUaTestServer.StartAsync("--load", "10", "--load-ms", "100", "--security", "all", "--trust-user-cert", trusted);
        }

        public async Task DisposeAsync()
        {
            if (Server is not null) await Server.DisposeAsync();
            TrustedUser.Dispose();
            UntrustedUser.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var policy in new[] { "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss" })
        foreach (var mode in new[] { "Sign", "SignAndEncrypt" })
        foreach (var identity in new[] { "anonymous", "username", "x509" })
            data.Add(policy, mode, identity);
        foreach (var identity in new[] { "anonymous", "username", "x509" }) data.Add("None", "None", identity);
        return data;
    }

    private UaSessionOptions Options(string policy, string mode, string identity) => new()
    {
        ApplicationUri = "urn:sfe:test:identity",
        Security = new UaSecurityOptions { SecurityPolicy = policy, SecurityMode = mode, PkiPath = _pki, AutoAcceptUntrusted = true },
        UserName = identity == "username" ? "operator" : null,
        Password = identity == "username" ? "operator-pw" : null,
        UserCertificate = identity == "x509" ? _fixture.TrustedUser : null,
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task SessionReadsAndSubscribes(string policy, string mode, string identity)
    {
        await using var session = await UaSession.ConnectAsync(_fixture.Url, Options(policy, mode, identity));
        Assert.Equal(policy == "None" ? NoneSecurityPolicy.PolicyUri : SecurityPolicyInfo.Supported.Single(p => p.Name == policy).Uri, session.Channel.Policy.Uri);
        Assert.Equal(mode, session.Channel.Policy.Mode.ToString());

        var value = Assert.Single(await session.ReadAsync([new ReadValueId(NodeId.Parse("ns=1;s=Line1.Press01.Temperature"))], CancellationToken.None));
        Assert.True(value.StatusCode.IsGood, value.StatusCode.ToString());

        // two data changes of a variable that changes every 100 ms arrive through the publish loop
        var changes = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        var subscription = await session.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(100), (_, message) =>
        {
            foreach (var c in message.DataChanges)
                if (Interlocked.Increment(ref seen) == 2) changes.TrySetResult(Convert.ToDouble(c.Value.Value.Value, System.Globalization.CultureInfo.InvariantCulture));
        }, CancellationToken.None);
        var created = Assert.Single(await subscription.CreateMonitoredItemsAsync(
            [new MonitoredItemSpec { NodeId = NodeId.Parse("ns=1;s=Load.Var0003"), ClientHandle = 1, SamplingInterval = 0 }], CancellationToken.None));
        Assert.True(created.StatusCode.IsGood, created.StatusCode.ToString());
        Assert.InRange(await changes.Task.WaitAsync(TimeSpan.FromSeconds(20)), 3, 1_000_000);
        await session.CloseAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("Aes256_Sha256_RsaPss", "SignAndEncrypt")]
    [InlineData("None", "None")]
    public async Task UntrustedUserCertificateIsRefusedWithBadIdentityTokenRejected(string policy, string mode)
    {
        var options = Options(policy, mode, "x509") with { UserCertificate = _fixture.UntrustedUser };
        var ex = await Assert.ThrowsAsync<ServiceResultException>(() => UaSession.ConnectAsync(_fixture.Url, options));
        Assert.Equal(StatusCodes.BadIdentityTokenRejected, ex.StatusCode.Code);
        Assert.Contains("BadIdentityTokenRejected", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_fixture.UntrustedUser.Thumbprint, ex.Message, StringComparison.Ordinal);
        Assert.Contains(_fixture.Url, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointsListMarksTheEndpointBestPicks()
    {
        var output = new StringWriter();
        await Tools.OpcUaProbe.EndpointsAsync(_fixture.Url, output, CancellationToken.None);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length); // None + 3 policies x 2 modes
        var best = Assert.Single(lines, l => l.EndsWith("<- Best", StringComparison.Ordinal));
        Assert.Contains("Aes256_Sha256_RsaPss/SignAndEncrypt", best, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("None/None", StringComparison.Ordinal) && l.Contains("Certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongPasswordNamesBadUserAccessDeniedTheUserAndTheEndpoint()
    {
        var options = Options("Aes128_Sha256_RsaOaep", "SignAndEncrypt", "username") with { Password = "not-the-password" };
        var ex = await Assert.ThrowsAsync<ServiceResultException>(() => UaSession.ConnectAsync(_fixture.Url, options));
        Assert.Equal(StatusCodes.BadUserAccessDenied, ex.StatusCode.Code);
        Assert.Contains("BadUserAccessDenied", ex.Message, StringComparison.Ordinal);
        Assert.Contains("user 'operator'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_fixture.Url, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Aes128_Sha256_RsaOaep/SignAndEncrypt", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>User certificates for tests: self-signed RSA-2048 with a user URI, as an operator would be given one.</summary>
public static class UserCertificateFile
{
    public static X509Certificate2 Create(string user, DateTimeOffset now, TimeSpan? validity = null)
    {
        var options = new ApplicationCertificateOptions { ApplicationUri = $"urn:sfe:user:{user}", ApplicationName = user, HostNames = ["localhost"], Validity = validity ?? TimeSpan.FromDays(30) };
        return ApplicationCertificate.Create(options, now);
    }
}
