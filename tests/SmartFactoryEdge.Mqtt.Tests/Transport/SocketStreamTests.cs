using System.Net;
using System.Net.Sockets;
using SmartFactoryEdge.Mqtt.Transport;

namespace SmartFactoryEdge.Mqtt.Tests.Transport;

/// <summary>The TCP stream under the MQTT client, against a plain loopback listener (the peer's side is a real socket).</summary>
public sealed class SocketStreamTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public SocketStreamTests() => _listener.Start();

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Stop();

    [Fact]
    public async Task BytesGoBothWaysIncludingWritesLargerThanTheSocketBuffers()
    {
        var accepting = _listener.AcceptSocketAsync();
        await using var stream = await SocketStream.ConnectAsync("127.0.0.1", Port, CancellationToken.None).WaitAsync(Guard);
        using var peer = await accepting.WaitAsync(Guard);

        var payload = new byte[4 * 1024 * 1024];
        new Random(5).NextBytes(payload);
        var echo = EchoAsync(peer, payload.Length);
        var writing = stream.WriteAsync(payload).AsTask();
        var back = new byte[payload.Length];
        var read = 0;
        while (read < back.Length)
        {
            var n = await stream.ReadAsync(back.AsMemory(read)).AsTask().WaitAsync(Guard);
            Assert.True(n > 0, "the stream ended early");
            read += n;
        }
        await writing.WaitAsync(Guard);
        await echo.WaitAsync(Guard);
        Assert.Equal(payload, back);
    }

    [Fact]
    public async Task APeerThatClosesEndsTheStreamWithZero()
    {
        var accepting = _listener.AcceptSocketAsync();
        await using var stream = await SocketStream.ConnectAsync("localhost", Port, CancellationToken.None).WaitAsync(Guard);
        using (var peer = await accepting.WaitAsync(Guard))
        {
            peer.Send([1, 2, 3]);
            peer.Shutdown(SocketShutdown.Both);
        }
        var buffer = new byte[16];
        var total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Guard)) > 0) total += n;
        Assert.Equal(3, total);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
    }

    [Fact]
    public async Task AResetConnectionFailsTheReadWithAnIOExceptionCarryingTheSocketError()
    {
        var accepting = _listener.AcceptSocketAsync();
        await using var stream = await SocketStream.ConnectAsync("127.0.0.1", Port, CancellationToken.None).WaitAsync(Guard);
        var peer = await accepting.WaitAsync(Guard);
        var reading = stream.ReadAsync(new byte[16]).AsTask();
        peer.LingerState = new LingerOption(true, 0); // close with RST, as a killed broker with unread data does
        peer.Close();
        var ex = await Assert.ThrowsAsync<IOException>(() => reading.WaitAsync(Guard));
        var socketError = Assert.IsType<SocketException>(ex.InnerException);
        Assert.Equal(SocketError.ConnectionReset, socketError.SocketErrorCode);
        Assert.Contains("Unable to read data from the transport connection", ex.Message);
    }

    [Fact]
    public async Task ARefusedConnectionIsASocketExceptionWithItsCode()
    {
        var port = Port;
        _listener.Stop();
        var ex = await Assert.ThrowsAsync<SocketException>(() => SocketStream.ConnectAsync("127.0.0.1", port, CancellationToken.None).WaitAsync(Guard));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }

    [Fact]
    public async Task CancellingAPendingReadReportsTheCancellationAndClosesTheStream()
    {
        var accepting = _listener.AcceptSocketAsync();
        await using var stream = await SocketStream.ConnectAsync("127.0.0.1", Port, CancellationToken.None).WaitAsync(Guard);
        using var peer = await accepting.WaitAsync(Guard);
        using var cts = new CancellationTokenSource();
        var reading = stream.ReadAsync(new byte[16], cts.Token).AsTask();
        Assert.False(reading.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Guard));
        // the peer sees the connection end
        var buffer = new byte[4];
        Assert.Equal(0, await peer.ReceiveAsync(buffer).WaitAsync(Guard));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.WriteAsync(new byte[1]).AsTask());
    }

    [Fact]
    public async Task TwoReadsAtOnceAreRefused()
    {
        var accepting = _listener.AcceptSocketAsync();
        await using var stream = await SocketStream.ConnectAsync("127.0.0.1", Port, CancellationToken.None).WaitAsync(Guard);
        using var peer = await accepting.WaitAsync(Guard);
        var first = stream.ReadAsync(new byte[4]).AsTask();
        Assert.Throws<InvalidOperationException>(() => stream.ReadAsync(new byte[4]));
        peer.Send([9]);
        Assert.Equal(1, await first.WaitAsync(Guard));
    }

    private static async Task EchoAsync(Socket peer, int length)
    {
        var buffer = new byte[65536];
        var echoed = 0;
        while (echoed < length)
        {
            var n = await peer.ReceiveAsync(buffer);
            if (n == 0) break;
            var sent = 0;
            while (sent < n) sent += await peer.SendAsync(buffer.AsMemory(sent, n - sent));
            echoed += n;
        }
    }
}
