using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Tools;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>The handlers behind <c>sfe opcua certs list|trust|reject|remove</c>.</summary>
public sealed class OpcUaCertsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-certs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 ServerCertificate(string name) =>
        ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = $"urn:test:{name}", ApplicationName = name, HostNames = ["localhost"] },
            DateTimeOffset.UtcNow);

    [Fact]
    public async Task TrustMovesARejectedCertificateAndListShowsIt()
    {
        var store = new PkiStore(_dir);
        using var cert = ServerCertificate("PressServer");
        PkiStore.Save(store.RejectedCerts, cert);

        var before = new StringWriter();
        Assert.Equal(0, await OpcUaCerts.ListAsync(_dir, before, CancellationToken.None));
        Assert.Matches($@"^rejected +{cert.Thumbprint} .*CN=PressServer", before.ToString());

        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await OpcUaCerts.TrustAsync(_dir, cert.Thumbprint[..8].ToLowerInvariant(), output, error, CancellationToken.None));
        Assert.Equal("", error.ToString());
        Assert.Contains(Path.Combine("trusted", "certs"), output.ToString(), StringComparison.Ordinal);

        var after = new StringWriter();
        await OpcUaCerts.ListAsync(_dir, after, CancellationToken.None);
        Assert.Matches($@"^trusted +{cert.Thumbprint} ", after.ToString());
        Assert.DoesNotContain("rejected", after.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectAndRemoveChangeTheTrustList()
    {
        var store = new PkiStore(_dir);
        using var cert = ServerCertificate("Robot");
        PkiStore.Save(store.TrustedCerts, cert);
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(0, await OpcUaCerts.RejectAsync(_dir, cert.Thumbprint, output, error, CancellationToken.None));
        Assert.Single(store.LoadCertificates(store.RejectedCerts));
        Assert.Empty(store.LoadCertificates(store.TrustedCerts));

        Assert.Equal(0, await OpcUaCerts.RemoveAsync(_dir, cert.Thumbprint, output, error, CancellationToken.None));
        Assert.Empty(store.List());
        var empty = new StringWriter();
        await OpcUaCerts.ListAsync(_dir, empty, CancellationToken.None);
        Assert.StartsWith("no certificates", empty.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("trust")]
    [InlineData("reject")]
    [InlineData("remove")]
    public async Task UnknownOrTooShortThumbprintFailsWithAClearMessage(string verb)
    {
        var store = new PkiStore(_dir);
        using var cert = ServerCertificate("Other");
        PkiStore.Save(store.RejectedCerts, cert);
        foreach (var thumbprint in new[] { "DEADBEEF", cert.Thumbprint[..3] })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = verb switch
            {
                "trust" => await OpcUaCerts.TrustAsync(_dir, thumbprint, output, error, CancellationToken.None),
                "reject" => await OpcUaCerts.RejectAsync(_dir, thumbprint, output, error, CancellationToken.None),
                _ => await OpcUaCerts.RemoveAsync(_dir, thumbprint, output, error, CancellationToken.None),
            };
            Assert.Equal(1, code);
            Assert.Contains(thumbprint, error.ToString(), StringComparison.Ordinal);
        }
        Assert.Single(store.LoadCertificates(store.RejectedCerts));
    }
}
