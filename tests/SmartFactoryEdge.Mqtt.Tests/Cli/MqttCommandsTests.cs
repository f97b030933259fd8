using SmartFactoryEdge.Mqtt.Tests.Client;
using SmartFactoryEdge.TestKit.Infrastructure;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Mqtt.Tests.Cli;

/// <summary>Runs the built `sfe mqtt pub|sub` against Mosquitto.</summary>
public class MqttCommandsTests(MosquittoFixture fixture) : IClassFixture<MosquittoFixture>
{
    private static string SfeDll
    {
        get
        {
            // tests/SmartFactoryEdge.Mqtt.Tests/bin/<Configuration>/net10.0 -> src/SmartFactoryEdge.Gateway/bin/<Configuration>/net10.0/sfe.dll
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
            var path = Path.Combine(RepoPaths.Root, "src", "SmartFactoryEdge.Gateway", "bin", configuration, "net10.0", "sfe.dll");
            Assert.True(File.Exists(path), $"{path} is not built");
            return path;
        }
    }

    private static PeerProcess Sfe(params string[] args) => PeerProcess.Start("dotnet", [SfeDll, .. args], name: "sfe " + string.Join(' ', args.Take(2)));

    [Fact]
    public async Task PubAndSubWorkOverTlsWithAClientCertificateAndPassword()
    {
        var b = fixture.Broker;
        var topic = TestMqtt.Topic("cli");
        string[] tls = ["--cafile", b.Certificates.CaFile, "-u", MosquittoBroker.User, "-P", MosquittoBroker.Password, "-p", b.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        await using var sub = Sfe(["mqtt", "sub", "-t", topic, "-C", "2", "-W", "20", "-q", "1", "-v", .. tls]);
        // wait for the subscription: a retained marker published first proves it
        await using (var marker = Sfe(["mqtt", "pub", "-t", topic, "-m", "ready", "-r", "-q", "1", "-V", "311", .. tls]))
            Assert.Equal(0, await marker.WaitForExitAsync(TestMqtt.Guard));
        await sub.WaitForLineAsync($"^{topic} ready$", TestMqtt.Guard);
        await using (var pub = Sfe(["mqtt", "pub", "-t", topic, "-m", "hello from sfe", "-q", "2", .. tls]))
            Assert.Equal(0, await pub.WaitForExitAsync(TestMqtt.Guard));
        await sub.WaitForLineAsync($"^{topic} hello from sfe$", TestMqtt.Guard);
        Assert.Equal(0, await sub.WaitForExitAsync(TestMqtt.Guard));
        await using (var clear = Sfe(["mqtt", "pub", "-t", topic, "-m", "", "-r", .. tls]))
            Assert.Equal(0, await clear.WaitForExitAsync(TestMqtt.Guard));

        await using var mutual = Sfe("mqtt", "pub", "-t", topic, "-m", "x", "-p", b.MutualTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cafile", b.Certificates.CaFile, "--cert", b.Certificates.ClientCertFile, "--key", b.Certificates.ClientKeyFile);
        Assert.Equal(0, await mutual.WaitForExitAsync(TestMqtt.Guard));
    }

    [Fact]
    public async Task AWrongPasswordExitsWithTheReasonCodeAndSaysWhy()
    {
        var b = fixture.Broker;
        await using var pub = Sfe("mqtt", "pub", "-t", "a/b", "-m", "x", "-p", b.PasswordPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", MosquittoBroker.User, "-P", "not-the-password");
        var rc = await pub.WaitForExitAsync(TestMqtt.Guard);
        Assert.True(rc is 134 or 135, $"exit {rc}: {pub.Output}");
        Assert.Contains("refused the connection", pub.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", pub.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUntrustedServerCertificateIsRefusedUnlessInsecure()
    {
        var b = fixture.Broker;
        var port = b.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var strict = Sfe("mqtt", "pub", "-t", "a/b", "-m", "x", "--tls", "-p", port, "-u", MosquittoBroker.User, "-P", MosquittoBroker.Password);
        Assert.Equal(1, await strict.WaitForExitAsync(TestMqtt.Guard));
        Assert.Contains("TLS", strict.Output, StringComparison.Ordinal);
        await using var insecure = Sfe("mqtt", "pub", "-t", "a/b", "-m", "x", "--insecure", "-p", port, "-u", MosquittoBroker.User, "-P", MosquittoBroker.Password);
        Assert.Equal(0, await insecure.WaitForExitAsync(TestMqtt.Guard));
    }
}
