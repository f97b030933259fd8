using System.Diagnostics;
using System.Text;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.TestKit.Mqtt;

/// <summary>
/// A real Mosquitto on 127.0.0.1 for a test: a config in a temp folder with four listeners on free ports (anonymous,
/// user/password, TLS + user/password with a CA made in process, mutual TLS), optional persistence so that a restart
/// keeps sessions and queued messages, and stop/restart for outage tests. Ready when Mosquitto logs "running".
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string User = "gateway";
    public const string Password = "gw-secret";

    private PeerProcess? _process;
    private string _history = "";

    private MosquittoBroker(string directory, bool persistence)
    {
        Directory = directory;
        Persistence = persistence;
        AnonymousPort = FreePort.Next();
        PasswordPort = FreePort.Next();
        TlsPort = FreePort.Next();
        MutualTlsPort = FreePort.Next();
        Certificates = TestCertificates.Create(Path.Combine(directory, "certs"));
    }

    public string Directory { get; }
    public bool Persistence { get; }
    public int AnonymousPort { get; }
    public int PasswordPort { get; }
    public int TlsPort { get; }
    public int MutualTlsPort { get; }
    public TestCertificates Certificates { get; }
    /// <summary>Everything Mosquitto printed, across restarts.</summary>
    public string Output => _history + (_process?.Output ?? "");
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Whether mosquitto is installed (scripts/install.d/10-peers.sh installs it).</summary>
    public static bool IsInstalled => File.Exists("/usr/sbin/mosquitto") || File.Exists("/usr/bin/mosquitto");

    public static async Task<MosquittoBroker> StartAsync(bool persistence = false, CancellationToken cancellationToken = default)
    {
        var dir = Path.Combine(Path.GetTempPath(), "sfe-mosquitto-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var broker = new MosquittoBroker(dir, persistence);
        await broker.WriteConfigAsync(cancellationToken).ConfigureAwait(false);
        await broker.StartProcessAsync().ConfigureAwait(false);
        return broker;
    }

    private async Task WriteConfigAsync(CancellationToken cancellationToken)
    {
        var passwd = Path.Combine(Directory, "passwd");
        await File.WriteAllTextAsync(passwd, "", cancellationToken).ConfigureAwait(false);
        var psi = new ProcessStartInfo("mosquitto_passwd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-b", passwd, User, Password }) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (p.ExitCode != 0) throw new InvalidOperationException("mosquitto_passwd failed: " + await p.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
        }
        var c = Certificates;
        var conf = new StringBuilder();
        if (Environment.UserName == "root") conf.AppendLine("user root");
        conf.AppendLine("per_listener_settings true");
        conf.AppendLine(Persistence ? "persistence true" : "persistence false");
        if (Persistence) conf.AppendLine($"persistence_location {Directory}/");
        conf.AppendLine("log_dest stderr");
        conf.AppendLine("log_type error\nlog_type warning\nlog_type notice\nlog_type information");
        conf.AppendLine("max_inflight_messages 0");
        conf.AppendLine("max_queued_messages 100000");
        conf.AppendLine($"listener {AnonymousPort} 127.0.0.1\nallow_anonymous true");
        conf.AppendLine($"listener {PasswordPort} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}");
        conf.AppendLine($"listener {TlsPort} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\ncafile {c.CaFile}\ncertfile {c.ServerCertFile}\nkeyfile {c.ServerKeyFile}");
        conf.AppendLine($"listener {MutualTlsPort} 127.0.0.1\ncafile {c.CaFile}\ncertfile {c.ServerCertFile}\nkeyfile {c.ServerKeyFile}\nrequire_certificate true\nuse_identity_as_username true");
        await File.WriteAllTextAsync(Path.Combine(Directory, "mosquitto.conf"), conf.ToString(), cancellationToken).ConfigureAwait(false);
    }

    private async Task StartProcessAsync()
    {
        _process = PeerProcess.Start("mosquitto", ["-c", Path.Combine(Directory, "mosquitto.conf")], Directory, name: "mosquitto");
        await _process.WaitForLineAsync(@"mosquitto version .* running", TimeSpan.FromSeconds(15)).ConfigureAwait(false);
    }

    /// <summary>Stops the broker with SIGTERM (it saves its persistence file) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        _process.Signal(15);
        try
        {
            await _process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // seen once on a heavily loaded machine: escalate rather than fail the test (the history says so)
            _history += "--- SIGTERM ignored for 10 s, sent SIGKILL ---\n";
            _process.Signal(9);
            await _process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        _history += _process.Output + "--- stopped ---\n";
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = null;
    }

    /// <summary>Starts the broker again on the same ports and config.</summary>
    public Task RestartAsync() => _process is null ? StartProcessAsync() : throw new InvalidOperationException("The broker is still running.");

    /// <summary>Freezes (SIGSTOP) or resumes (SIGCONT) the broker: a dead peer whose sockets stay open.</summary>
    public void Freeze(bool frozen) => _process?.Signal(frozen ? 19 : 18);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // leave it
        }
    }
}
