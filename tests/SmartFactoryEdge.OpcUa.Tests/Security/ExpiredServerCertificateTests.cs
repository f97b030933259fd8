using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.TestKit.OpcUa;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>node-opcua started with a server certificate that expired 30 days ago: the client refuses it with a clear error.</summary>
public sealed class ExpiredServerCertificateTests : IClassFixture<ExpiredServerCertificateTests.ExpiredServerFixture>, IDisposable
{
    private readonly ExpiredServerFixture _fixture;
    private readonly string _pki = Directory.CreateTempSubdirectory("sfe-expired-").FullName;

    public ExpiredServerCertificateTests(ExpiredServerFixture fixture) => _fixture = fixture;

    public void Dispose() => Directory.Delete(_pki, recursive: true);

    /// <summary>The server's own certificate: valid 40 to 30 days ago, made with .NET's CertificateRequest.</summary>
    public sealed class ExpiredServerFixture : IAsyncLifetime
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("sfe-expired-server-").FullName;

        public OpcUaTestServer Server { get; private set; } = null!;

        public X509Certificate2 Certificate { get; } = ApplicationCertificate.Create(new ApplicationCertificateOptions
        {
            ApplicationUri = "urn:sfe:TestServer", ApplicationName = "ExpiredTestServer", HostNames = ["localhost", "127.0.0.1"], Validity = TimeSpan.FromDays(9),
        }, DateTimeOffset.UtcNow.AddDays(-39));

        public async Task InitializeAsync()
        {
            var cert = Path.Combine(_dir, "cert.pem");
            var key = Path.Combine(_dir, "key.pem");
            await File.WriteAllTextAsync(cert, Certificate.ExportCertificatePem());
            using (var rsa = Certificate.GetRSAPrivateKey()!) await File.WriteAllTextAsync(key, rsa.ExportPkcs8PrivateKeyPem());
            Server = await OpcUaTestServer.StartAsync("--load", "10", "--cert", cert, "--key", key);
        }

        public async Task DisposeAsync()
        {
            if (Server is not null) await Server.DisposeAsync();
            Certificate.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task TrustedButExpiredServerCertificateIsRefusedWithBadCertificateTimeInvalidAndItsDates()
    {
        // trusted by the operator, so the only fault left is the date
        var store = new PkiStore(_pki);
        PkiStore.Save(store.TrustedCerts, _fixture.Certificate);
        var options = new UaSessionOptions { Security = new UaSecurityOptions { SecurityPolicy = "Basic256Sha256", SecurityMode = "SignAndEncrypt", PkiPath = _pki } };
        var ex = await Assert.ThrowsAsync<CertificateValidationException>(() => UaSession.ConnectAsync(_fixture.Server.EndpointUrl, options));
        Assert.Equal(StatusCodes.BadCertificateTimeInvalid, ex.StatusCode);
        Assert.StartsWith("BadCertificateTimeInvalid: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"valid from {_fixture.Certificate.NotBefore.ToUniversalTime():u} to {_fixture.Certificate.NotAfter.ToUniversalTime():u}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_fixture.Server.EndpointUrl, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoAcceptDoesNotOverrideAnExpiredCertificate()
    {
        var options = new UaSessionOptions { Security = new UaSecurityOptions { PkiPath = _pki, AutoAcceptUntrusted = true } };
        var ex = await Assert.ThrowsAsync<CertificateValidationException>(() => UaSession.ConnectAsync(_fixture.Server.EndpointUrl, options));
        Assert.Equal(StatusCodes.BadCertificateTimeInvalid, ex.StatusCode);
    }
}
