using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>The built <c>sfe opcua certs</c> executable against a PKI folder.</summary>
public sealed class OpcUaCertsCliTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-certs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Code, string Output)> SfeAsync(params string[] args)
    {
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), args, _dir, name: "sfe");
        var code = await sfe.WaitForExitAsync(Guard);
        return (code, sfe.Output);
    }

    [Fact]
    public async Task TrustsARejectedServerCertificateAndListsIt()
    {
        var pki = Path.Combine(_dir, "pki");
        var store = new PkiStore(pki);
        using var cert = ApplicationCertificate.Create(
            new ApplicationCertificateOptions { ApplicationUri = "urn:test:Press", ApplicationName = "PressServer", HostNames = ["localhost"] }, DateTimeOffset.UtcNow);
        PkiStore.Save(store.RejectedCerts, cert);

        var (listCode, before) = await SfeAsync("opcua", "certs", "list", "--pki", pki);
        Assert.Equal(0, listCode);
        Assert.Matches($@"rejected +{cert.Thumbprint} .*CN=PressServer", before);

        var (trustCode, trusted) = await SfeAsync("opcua", "certs", "trust", cert.Thumbprint, "--pki", pki);
        Assert.Equal(0, trustCode);
        Assert.Contains("trusted", trusted, StringComparison.Ordinal);

        var (_, after) = await SfeAsync("opcua", "certs", "list", "--pki", pki);
        Assert.Matches($@"trusted +{cert.Thumbprint} ", after);
        Assert.Single(store.LoadCertificates(store.TrustedCerts));
        Assert.Empty(store.LoadCertificates(store.RejectedCerts));

        var (unknownCode, unknown) = await SfeAsync("opcua", "certs", "trust", "DEADBEEF", "--pki", pki);
        Assert.Equal(1, unknownCode);
        Assert.Contains("no single rejected certificate matches 'DEADBEEF'", unknown, StringComparison.Ordinal);
    }
}
