using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.OpcUa.Security;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

public sealed class ApplicationCertificateTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sfe-pki-own-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void IsCreatedOnFirstStartAndReloadedAfterwards()
    {
        var store = new PkiStore(_root);
        foreach (var dir in new[] { "own/certs", "own/private", "trusted/certs", "trusted/crl", "issuers/certs", "issuers/crl", "rejected/certs" })
            Assert.True(Directory.Exists(Path.Combine(_root, dir)), dir);
        var options = new ApplicationCertificateOptions { ApplicationUri = "urn:edge01:SmartFactoryEdge", HostNames = ["edge01", "127.0.0.1"] };
        using var first = ApplicationCertificate.LoadOrCreate(store, options);
        Assert.True(first.HasPrivateKey);
        using (var key = first.GetRSAPublicKey()!) Assert.Equal(2048, key.KeySize);
        var (uris, dns, ips) = CertificateValidator.SubjectAlternativeNames(first);
        Assert.Equal(["urn:edge01:SmartFactoryEdge"], uris);
        Assert.Equal(["edge01"], dns);
        Assert.Equal("127.0.0.1", Assert.Single(ips).ToString());
        var usage = first.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages;
        Assert.True(usage.HasFlag(X509KeyUsageFlags.DigitalSignature) && usage.HasFlag(X509KeyUsageFlags.KeyEncipherment) && usage.HasFlag(X509KeyUsageFlags.DataEncipherment));
        var eku = first.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku);
        Assert.Equal("sha256RSA", first.SignatureAlgorithm.FriendlyName);
        Assert.True(first.NotAfter > DateTime.Now.AddYears(4));
        Assert.Single(Directory.GetFiles(store.OwnCerts));
        var keyFile = Assert.Single(Directory.GetFiles(store.OwnPrivate));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

        using var second = ApplicationCertificate.LoadOrCreate(new PkiStore(_root), options);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(second.HasPrivateKey);
    }

    [Fact]
    public void AnExpiredCertificateIsRenewedAtStartAndTheOldOneKept()
    {
        var store = new PkiStore(_root);
        var options = new ApplicationCertificateOptions { ApplicationUri = "urn:edge01:SmartFactoryEdge", HostNames = ["edge01"], Validity = TimeSpan.FromDays(10) };
        var longAgo = new FixedTime(DateTimeOffset.UtcNow.AddDays(-30));
        using var old = ApplicationCertificate.LoadOrCreate(store, options, longAgo);
        Assert.True(old.NotAfter < DateTime.Now);

        var logger = new ListLogger();
        using var renewed = ApplicationCertificate.LoadOrCreate(store, options with { Validity = TimeSpan.FromDays(365) }, logger: logger);
        Assert.NotEqual(old.Thumbprint, renewed.Thumbprint);
        Assert.True(renewed.HasPrivateKey);
        Assert.InRange(renewed.NotAfter, DateTime.Now.AddDays(300), DateTime.Now.AddDays(400));
        Assert.Contains(Directory.GetFiles(store.OwnCerts), f => f.EndsWith($".expired-{old.Thumbprint}", StringComparison.Ordinal));
        Assert.Contains(Directory.GetFiles(store.OwnPrivate), f => f.EndsWith($".expired-{old.Thumbprint}", StringComparison.Ordinal));
        var warning = Assert.Single(logger.Messages);
        Assert.Contains(old.Thumbprint, warning, StringComparison.Ordinal);
        Assert.Contains(renewed.Thumbprint, warning, StringComparison.Ordinal);

        using var again = ApplicationCertificate.LoadOrCreate(store, options);
        Assert.Equal(renewed.Thumbprint, again.Thumbprint);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Messages.Add(formatter(state, exception));
    }
}
