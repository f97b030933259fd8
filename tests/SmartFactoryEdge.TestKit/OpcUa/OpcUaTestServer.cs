using System.Text.RegularExpressions;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.TestKit.OpcUa;

/// <summary>
/// The node-opcua test server (opcua_test_server.js beside this file) as a real peer on 127.0.0.1: started on
/// port 0 (the READY line gives the URL), restartable on the same port, stoppable with SIGSTOP/SIGCONT.
/// Needs node and node-opcua in $SFE_TOOLS/opcua (scripts/install.d/10-peers.sh).
/// </summary>
public sealed class OpcUaTestServer : IAsyncDisposable
{
    // one folder per test process: two test assemblies starting servers at once must not race on the certificate files
    private static readonly string PkiRoot = Path.Combine(Path.GetTempPath(), $"sfe-opcua-test-pki-{Environment.ProcessId}");
    private readonly string[] _extraArgs;
    private PeerProcess? _process;

    private OpcUaTestServer(string[] extraArgs) => _extraArgs = extraArgs;

    public string EndpointUrl { get; private set; } = "";

    public int Port { get; private set; }

    public PeerProcess Process => _process ?? throw new InvalidOperationException("Not started.");

    public static string ScriptPath => Path.Combine(RepoPaths.Root, "tests", "SmartFactoryEdge.TestKit", "OpcUa", "opcua_test_server.js");

    public static string NodeModules => Path.Combine(RepoPaths.Tools, "opcua", "node_modules");

    /// <summary>Starts a server (e.g. with "--load", "1000", "--load-ms", "200") and waits for READY.</summary>
    public static async Task<OpcUaTestServer> StartAsync(params string[] args)
    {
        var server = new OpcUaTestServer(args);
        await server.StartProcessAsync(0).ConfigureAwait(false);
        return server;
    }

    private async Task StartProcessAsync(int port)
    {
        if (!Directory.Exists(NodeModules))
            throw new InvalidOperationException($"node-opcua is not installed under {NodeModules}; run scripts/install.sh or set SFE_TOOLS.");
        Directory.CreateDirectory(PkiRoot);
        var args = new List<string> { ScriptPath, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pki", PkiRoot };
        args.AddRange(_extraArgs);
        _process = PeerProcess.Start("node", args, environment: new Dictionary<string, string> { ["NODE_PATH"] = NodeModules }, name: "opcua_test_server");
        var match = await _process.WaitForLineAsync(@"READY (opc\.tcp://[^\s]+)", TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        EndpointUrl = match.Groups[1].Value;
        Port = int.Parse(Regex.Match(EndpointUrl, @":(\d+)/").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Kills the server (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        _process.Signal(9);
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = null;
    }

    /// <summary>Starts the server again on the same port (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync()
    {
        await KillAsync().ConfigureAwait(false);
        await StartProcessAsync(Port).ConfigureAwait(false);
    }

    public void Pause() => Process.Signal(19);

    public void Resume() => Process.Signal(18);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync().ConfigureAwait(false);
    }
}
