using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace SmartFactoryEdge.TestKit.Modbus;

/// <summary>
/// A TCP peer on 127.0.0.1 (port 0) that answers each request with whatever the test scripts: wrong CRCs, truncated
/// frames, bad MBAP headers, stale transaction ids, a close in the middle of a frame. Real servers never send these,
/// so the client's handling of them is tested here; everything else is tested against pymodbus.
/// </summary>
public sealed class ScriptedModbusPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _accept;
    private readonly Func<byte[], int, IEnumerable<Reply>> _script;
    private int _requests;
    private int _connections;

    /// <summary>One scripted action: bytes to send (maybe none), then optionally close the connection.</summary>
    public sealed record Reply(byte[] Bytes, bool Close = false);

    /// <param name="script">Gets the request bytes and the request number (0-based), returns what to do.</param>
    public ScriptedModbusPeer(Func<byte[], int, IEnumerable<Reply>> script)
    {
        _script = script;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public Channel<byte[]> Requests { get; } = Channel.CreateUnbounded<byte[]>();

    private async Task AcceptAsync()
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_cts.Token).ConfigureAwait(false);
                socket.NoDelay = true; // scripted byte-by-byte replies leave as separate segments
                Interlocked.Increment(ref _connections);
                _ = ServeAsync(socket);
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[512];
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, _cts.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    var request = buffer[..n];
                    Requests.Writer.TryWrite(request);
                    foreach (var reply in _script(request, Interlocked.Increment(ref _requests) - 1))
                    {
                        if (reply.Bytes.Length > 0) await socket.SendAsync(reply.Bytes, _cts.Token).ConfigureAwait(false);
                        if (reply.Close)
                        {
                            socket.Shutdown(SocketShutdown.Both);
                            return;
                        }
                    }
                }
            }
            catch (OperationCanceledException) { }
            catch (SocketException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        await _accept.ConfigureAwait(false);
        _cts.Dispose();
    }
}
