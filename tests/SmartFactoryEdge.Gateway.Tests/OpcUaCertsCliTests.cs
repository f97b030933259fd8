using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.OpcUa;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>The built <c>sfe opcua certs</c> executable against a PKI folder.</summary>
public sealed class OpcUaCertsCliTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("sfe-certs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int Code, string Output)> SfeAsync(params string[] args) => SfeAsync(null, args);

    private async Task<(int Code, string Output)> SfeAsync(IDictionary<string, string>? environment, params string[] args)
    {
        await using var sfe = PeerProcess.Start(Path.Combine(AppContext.BaseDirectory, "sfe"), args, _dir, environment, name: "sfe");
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

    [Fact]
    public async Task UntrustedServerIsRefusedThenTrustedThroughTheCliAndEveryLoginWorks()
    {
        // a user certificate the server trusts, handed to the CLI as a password-protected .pfx
        using var user = ApplicationCertificate.Create(
            new ApplicationCertificateOptions { ApplicationUri = "urn:sfe:user:cli", ApplicationName = "cli-user", HostNames = ["localhost"] }, DateTimeOffset.UtcNow);
        var userDer = Path.Combine(_dir, "user.der");
        var userPfx = Path.Combine(_dir, "user.pfx");
        await File.WriteAllBytesAsync(userDer, user.RawData);
        await File.WriteAllBytesAsync(userPfx, user.Export(X509ContentType.Pkcs12, "pfx-secret"));
        await using var server = await OpcUaTestServer.StartAsync("--load", "10", "--load-ms", "100", "--security", "all", "--trust-user-cert", userDer);
        var pki = Path.Combine(_dir, "pki");
        string[] secured = ["--pki", pki, "--security-policy", "Aes256_Sha256_RsaPss", "--security-mode", "SignAndEncrypt"];

        var (refusedCode, refused) = await SfeAsync(["opcua", "read", server.EndpointUrl, "ns=1;s=Line1.Press01.SpindleSpeed", .. secured]);
        Assert.Equal(1, refusedCode);
        Assert.Contains("BadCertificateUntrusted", refused, StringComparison.Ordinal);
        var thumbprint = Regex.Match(refused, "sfe opcua certs trust ([0-9A-F]{40})").Groups[1].Value;
        Assert.NotEmpty(thumbprint);
        Assert.Single(new PkiStore(pki).LoadCertificates(new PkiStore(pki).RejectedCerts));

        var (trustCode, _) = await SfeAsync("opcua", "certs", "trust", thumbprint, "--pki", pki);
        Assert.Equal(0, trustCode);

        var (readCode, read) = await SfeAsync(["opcua", "read", server.EndpointUrl, "ns=1;s=Line1.Press01.SpindleSpeed", .. secured]);
        Assert.True(readCode == 0, read);
        Assert.Contains("ns=1;s=Line1.Press01.SpindleSpeed  1200", read, StringComparison.Ordinal);

        var password = new Dictionary<string, string> { ["SFE_TEST_OPCUA_PW"] = "operator-pw", ["SFE_TEST_PFX_PW"] = "pfx-secret" };
        var (userCode, userRead) = await SfeAsync(password, ["opcua", "read", server.EndpointUrl, "i=2258", "--user", "operator", "--password-env", "SFE_TEST_OPCUA_PW", .. secured]);
        Assert.True(userCode == 0, userRead);

        var (certCode, subscribed) = await SfeAsync(password, ["opcua", "subscribe", server.EndpointUrl, "ns=1;s=Load.Var0001", "--duration", "1.5", "--interval", "100",
            "--user-cert", userPfx, "--user-cert-password-env", "SFE_TEST_PFX_PW", "--pki", pki, "--security-policy", "Basic256Sha256", "--security-mode", "Sign"]);
        Assert.True(certCode == 0, subscribed);
        Assert.Matches(@"([1-9]\d*) values received", subscribed);

        var (wrongCode, wrong) = await SfeAsync(["opcua", "read", server.EndpointUrl, "i=2258", "--user", "operator", "--password", "nope", .. secured]);
        Assert.Equal(1, wrongCode);
        Assert.Contains("BadUserAccessDenied", wrong, StringComparison.Ordinal);
        Assert.Contains("user 'operator'", wrong, StringComparison.Ordinal);
    }
}
