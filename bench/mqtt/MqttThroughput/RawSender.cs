using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

/// <summary>
/// The upper bound any client could reach against a broker (bench/mqtt/run.sh, "raw" line): no client at all, just
/// CONNECT, then COUNT identical pre-encoded QoS 0 PUBLISH frames (MQTT 5, same 115-byte frame as the clients send)
/// written 64 KiB at a time, then a QoS 1 PUBLISH whose PUBACK stops the clock, as in the client runs. Its own CPU per
/// message is a few nanoseconds, so its rate is what the broker can absorb on this machine right now.
/// </summary>
internal static class RawSender
{
    public static async Task<string> RunAsync(int port, int count, int payloadSize, string? brokerPid, Func<string?, double> brokerCpuSeconds)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        // CONNECT v5: protocol name, level 5, clean start, keep alive 60, no properties, client id "bench-raw"
        byte[] connect = [0x10, 22, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 5, 0x02, 0, 60, 0, 0, 9,
            (byte)'b', (byte)'e', (byte)'n', (byte)'c', (byte)'h', (byte)'-', (byte)'r', (byte)'a', (byte)'w'];
        await socket.SendAsync(connect, SocketFlags.None);
        var reply = new byte[256];
        await ReadExactlyAsync(socket, reply.AsMemory(0, 2));
        await ReadExactlyAsync(socket, reply.AsMemory(2, reply[1]));
        if (reply[0] != 0x20 || reply[3] != 0) throw new InvalidOperationException($"CONNACK {reply[0]:X2}, reason {reply[3]}");

        var frame = Publish(qos: 0, payloadSize);
        var perChunk = Math.Max(1, 65536 / frame.Length);
        var chunk = new byte[perChunk * frame.Length];
        for (var i = 0; i < perChunk; i++) frame.CopyTo(chunk, i * frame.Length);
        var barrier = Publish(qos: 1, payloadSize);

        await SendAsync(Math.Min(20_000, count)); // warm-up, as the clients do
        var broker0 = brokerCpuSeconds(brokerPid);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        await SendAsync(count);
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var brokerCpu = brokerCpuSeconds(brokerPid) - broker0;
        var brokerText = brokerPid is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $" broker_us_per_msg={brokerCpu * 1e6 / count:0.00} broker_busy={100 * brokerCpu / sw.Elapsed.TotalSeconds:0}%");
        await socket.SendAsync(new byte[] { 0xE0, 0 }, SocketFlags.None); // DISCONNECT
        return string.Create(CultureInfo.InvariantCulture,
            $"raw qos=0 msgs={count} seconds={sw.Elapsed.TotalSeconds:0.000} cpu_us_per_msg={cpu.TotalMicroseconds / count:0.00}{brokerText} rate={count / sw.Elapsed.TotalSeconds:0}");

        async Task SendAsync(int n)
        {
            for (var left = n; left > 0; left -= perChunk)
                await socket.SendAsync(chunk.AsMemory(0, Math.Min(left, perChunk) * frame.Length), SocketFlags.None);
            await socket.SendAsync(barrier, SocketFlags.None);
            await ReadExactlyAsync(socket, reply.AsMemory(0, 2)); // PUBACK: 40 len id id [reason [props]]
            await ReadExactlyAsync(socket, reply.AsMemory(2, reply[1]));
            if (reply[0] != 0x40) throw new InvalidOperationException($"expected PUBACK, got {reply[0]:X2}");
        }
    }

    /// <summary>A PUBLISH to "bench/rawtcp" (12 characters, like the clients' topics) with no properties; QoS 1 uses packet id 1.</summary>
    private static byte[] Publish(int qos, int payloadSize)
    {
        var topic = "bench/rawtcp"u8;
        var remaining = 2 + topic.Length + (qos > 0 ? 2 : 0) + 1 + payloadSize;
        var frame = new List<byte> { (byte)(0x30 | qos << 1) };
        for (var v = remaining; ; v >>= 7)
        {
            frame.Add((byte)(v >= 0x80 ? (v & 0x7F) | 0x80 : v));
            if (v < 0x80) break;
        }
        frame.Add(0);
        frame.Add((byte)topic.Length);
        frame.AddRange(topic);
        if (qos > 0) frame.AddRange([0, 1]);
        frame.Add(0); // property length
        var payload = new byte[payloadSize];
        Random.Shared.NextBytes(payload);
        frame.AddRange(payload);
        return [.. frame];
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0) throw new IOException("The broker closed the connection.");
            buffer = buffer[n..];
        }
    }
}
