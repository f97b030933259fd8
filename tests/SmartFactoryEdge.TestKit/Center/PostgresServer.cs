using System.Diagnostics;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.TestKit.Center;

/// <summary>
/// A private PostgreSQL cluster for tests: initdb into a temp directory (trust authentication, loopback only), then
/// <c>postgres -D dir -k dir -p PORT -h 127.0.0.1</c>, as the postgres user (setpriv) when the tests run as root.
/// Readiness is the server's "ready to accept connections" line confirmed by pg_isready. Disposing stops it (SIGTERM,
/// a fast shutdown) and deletes the directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string ServiceUser = "postgres";
    private readonly PeerProcess _process;

    private PostgresServer(string directory, int port, PeerProcess process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    public string Directory { get; }
    public int Port { get; }

    /// <summary>Whether the PostgreSQL server binaries are installed (scripts/install.d/50-center.sh).</summary>
    public static bool IsInstalled => File.Exists(Path.Combine(BinDirectory, "postgres")) && File.Exists(Path.Combine(BinDirectory, "initdb"));

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>A connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username={ServiceUser};Database={database};Pooling=true;Include Error Detail=true";

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var dir = Path.Combine(Path.GetTempPath(), "sfe-postgres-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        if (IsRoot) await RunAsync("chown", [ServiceUser, dir], cancellationToken).ConfigureAwait(false);
        var data = Path.Combine(dir, "data");
        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", data, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"], cancellationToken, asService: true).ConfigureAwait(false);
        var port = FreePort.Next();
        var (file, args) = Command(Path.Combine(BinDirectory, "postgres"),
            ["-D", data, "-k", dir, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-h", "127.0.0.1",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=50"], asService: true);
        var process = PeerProcess.Start(file, args, dir, name: "postgres");
        var server = new PostgresServer(dir, port, process);
        try
        {
            await process.WaitForLineAsync("ready to accept connections", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            await RunAsync(Path.Combine(BinDirectory, "pg_isready"), ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "10"], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return server;
    }

    /// <summary>Creates an empty database (a fresh one per test keeps tests independent on one server).</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await RunAsync("psql", ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", ServiceUser, "-d", "postgres",
            "-v", "ON_ERROR_STOP=1", "-c", $"CREATE DATABASE \"{name}\""], cancellationToken).ConfigureAwait(false);
        return ConnectionString(name);
    }

    private static (string File, string[] Args) Command(string file, string[] args, bool asService) =>
        asService && IsRoot
            ? ("setpriv", ["--reuid=" + ServiceUser, "--regid=" + ServiceUser, "--clear-groups", "--", file, .. args])
            : (file, args);

    private static async Task RunAsync(string file, string[] args, CancellationToken cancellationToken, bool asService = false)
    {
        var (f, a) = Command(file, args, asService);
        var psi = new ProcessStartInfo(f) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var x in a) psi.ArgumentList.Add(x);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} exited with {p.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Signal(2); // SIGINT: fast shutdown
            try { await _process.WaitForExitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false); } catch (TimeoutException) { }
        }
        await _process.DisposeAsync().ConfigureAwait(false);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
