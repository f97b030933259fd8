using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.TestKit.Modbus;

/// <summary>
/// A real pymodbus server (Debian python3-pymodbus, run with /usr/bin/python3) running our
/// tests/SmartFactoryEdge.TestKit/Modbus/modbus_server.py: TCP on 127.0.0.1 with a port the OS picks, RTU frames over
/// TCP, or RTU on a serial device (one end of a <see cref="SocatPtyPair"/>). The register map is in the script's header.
/// </summary>
public sealed class PymodbusServer : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";

    private readonly PeerProcess _process;

    private PymodbusServer(PeerProcess process, string host, int port)
    {
        _process = process;
        Host = host;
        Port = port;
    }

    public string Host { get; }

    /// <summary>The TCP port, or 0 for a serial server.</summary>
    public int Port { get; }

    public PeerProcess Process => _process;

    public static string ScriptPath => Path.Combine(RepoPaths.Root, "tests", "SmartFactoryEdge.TestKit", "Modbus", "modbus_server.py");

    /// <summary>True when pymodbus is installed (scripts/install.d/10-peers.sh).</summary>
    public static bool IsAvailable => File.Exists(Python) && Directory.Exists("/usr/lib/python3/dist-packages/pymodbus");

    /// <summary>Starts a TCP server; <paramref name="units"/> limits the unit ids answered (others get no reply at all).</summary>
    public static async Task<PymodbusServer> StartTcpAsync(string? units = null, bool rtuFraming = false, int port = 0)
    {
        var args = new List<string> { ScriptPath, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (units is not null) args.AddRange(["--units", units]);
        if (rtuFraming) args.AddRange(["--framer", "rtu"]);
        var process = PeerProcess.Start(Python, args, name: "pymodbus");
        try
        {
            var m = await process.WaitForLineAsync(@"^READY (\S+):(\d+)", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            return new PymodbusServer(process, m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts an RTU server on a serial device.</summary>
    public static async Task<PymodbusServer> StartSerialAsync(string device, int baudRate, string? units = null)
    {
        var args = new List<string> { ScriptPath, "--serial", device, "--baud", baudRate.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (units is not null) args.AddRange(["--units", units]);
        var process = PeerProcess.Start(Python, args, name: "pymodbus-rtu");
        try
        {
            await process.WaitForLineAsync("^READY ", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            return new PymodbusServer(process, device, 0);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>
/// Two connected pseudo-terminals made by socat (`socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`):
/// a serial line on the loopback for RTU tests without hardware.
/// </summary>
public sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly string _directory;

    private SocatPtyPair(PeerProcess process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public string DeviceA => Path.Combine(_directory, "a");

    public string DeviceB => Path.Combine(_directory, "b");

    public static bool IsAvailable => File.Exists("/usr/bin/socat");

    public static async Task<SocatPtyPair> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("sfe-pty-").FullName;
        var a = Path.Combine(directory, "a");
        var b = Path.Combine(directory, "b");
        var process = PeerProcess.Start("/usr/bin/socat", ["-d", "-d", $"pty,raw,echo=0,link={a}", $"pty,raw,echo=0,link={b}"], name: "socat");
        try
        {
            // socat logs "starting data transfer loop" once both ends exist
            await process.WaitForLineAsync("starting data transfer loop", TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (!File.Exists(a) || !File.Exists(b)) throw new InvalidOperationException($"socat made no links in {directory}:\n{process.Output}");
            return new SocatPtyPair(process, directory);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
