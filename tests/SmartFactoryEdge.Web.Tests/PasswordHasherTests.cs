using System.Diagnostics.Metrics;
using System.Text;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Hosting;
using SmartFactoryEdge.Gateway.Web;
using Xunit;

namespace SmartFactoryEdge.Web.Tests;

public sealed class PasswordHasherTests
{
    [Fact]
    public void AHashVerifiesItsPasswordAndNothingElse()
    {
        var hash = PasswordHasher.Hash("correct horse", 1000);
        Assert.StartsWith("pbkdf2-sha256$1000$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("correct hors", hash));
        Assert.False(PasswordHasher.Verify("", hash));
        Assert.NotEqual(hash, PasswordHasher.Hash("correct horse", 1000)); // salted
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-password")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=")]
    [InlineData("pbkdf2-sha1$1000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$-5$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$not base64!$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=$c2hvcnQ=")]
    [InlineData("pbkdf2-sha256$1000$$$")]
    public void MalformedHashesAreRefusedWithoutThrowing(string encoded)
    {
        Assert.False(PasswordHasher.TryParse(encoded, out _, out _, out _));
        Assert.False(PasswordHasher.Verify("anything", encoded));
    }

    [Fact]
    public void TheWebSectionRejectsAMalformedHashAndAMissingLogin()
    {
        Assert.Contains(new WebOptions { PasswordHash = "secret" }.Validate(), e => e.Key == "passwordHash");
        Assert.Contains(new WebOptions { PasswordHashEnvironmentVariable = null }.Validate(), e => e.Key == "passwordHash");
        Assert.Contains(new WebOptions { Address = "localhost:80" }.Validate(), e => e.Key == "address");
        Assert.Empty(new WebOptions { PasswordHash = PasswordHasher.Hash("x", 1000) }.Validate());
    }

    [Fact]
    public async Task HashPasswordVerbReadsStdinAndPrintsAVerifiableHash()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "sfe"), ["web", "hash-password", "--iterations", "2000"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        await process.StandardInput.WriteLineAsync("plant-pw");
        process.StandardInput.Close();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await process.StandardOutput.ReadToEndAsync(guard.Token);
        await process.WaitForExitAsync(guard.Token);
        Assert.Equal(0, process.ExitCode);
        var line = output.Trim();
        Assert.StartsWith("pbkdf2-sha256$2000$", line, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("plant-pw", line));
        Assert.DoesNotContain("plant-pw", output, StringComparison.Ordinal);
    }
}
