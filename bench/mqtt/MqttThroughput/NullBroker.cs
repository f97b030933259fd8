using System.Net;
using System.Net.Sockets;

/// <summary>
/// A minimal MQTT acceptor for the client-capacity part of bench/mqtt/run.sh: answers CONNECT with CONNACK, PUBLISH
/// QoS 1 with PUBACK, QoS 2 with PUBREC, PUBREL with PUBCOMP, PINGREQ with PINGRESP, and discards everything else.
/// It reads 1 MiB at a time and answers a whole read with one write, so it costs a few tens of nanoseconds a message
/// (Mosquitto 2.0 reads one packet per loop with three read() calls) and the clients, not the broker, set the pace.
/// Not a broker: no routing, no sessions, no validation. Prints "null-broker listening on PORT" when ready.
/// </summary>
internal static class NullBroker
{
    public static async Task RunAsync(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Console.WriteLine($"null-broker listening on {((IPEndPoint)listener.LocalEndpoint).Port}");
        while (true)
        {
            var socket = await listener.AcceptSocketAsync();
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        var input = new byte[1 << 20];
        var output = new byte[1 << 16];
        var have = 0;
        var v5 = true;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(input.AsMemory(have), SocketFlags.None);
                if (n == 0) return;
                have += n;
                int pos = 0, outLen = 0;
                while (true)
                {
                    if (!TryFrame(input.AsSpan(pos, have - pos), out var headerLength, out var bodyLength)) break;
                    var first = input[pos];
                    var body = input.AsSpan(pos + headerLength, bodyLength);
                    pos += headerLength + bodyLength;
                    switch (first >> 4)
                    {
                        case 1: // CONNECT: 00 04 'MQTT' level
                            v5 = body[6] == 5;
                            outLen += Put(output, outLen, v5 ? [0x20, 3, 0, 0, 0] : [0x20, 2, 0, 0]);
                            break;
                        case 3 when ((first >> 1) & 3) != 0: // PUBLISH QoS 1/2: packet id after the topic
                            var idAt = 2 + (body[0] << 8 | body[1]);
                            outLen += Put(output, outLen, [((first >> 1) & 3) == 1 ? (byte)0x40 : (byte)0x50, 2, body[idAt], body[idAt + 1]]);
                            break;
                        case 6: // PUBREL
                            outLen += Put(output, outLen, [0x70, 2, body[0], body[1]]);
                            break;
                        case 12: // PINGREQ
                            outLen += Put(output, outLen, [0xD0, 0]);
                            break;
                        case 14: // DISCONNECT
                            if (outLen > 0) await socket.SendAsync(output.AsMemory(0, outLen), SocketFlags.None);
                            return;
                    }
                    if (outLen > output.Length - 16)
                    {
                        await socket.SendAsync(output.AsMemory(0, outLen), SocketFlags.None);
                        outLen = 0;
                    }
                }
                if (outLen > 0) await socket.SendAsync(output.AsMemory(0, outLen), SocketFlags.None);
                Buffer.BlockCopy(input, pos, input, 0, have - pos);
                have -= pos;
                if (have == input.Length) Array.Resize(ref input, input.Length * 2);
            }
        }
        catch (SocketException)
        {
            // the client went away
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static bool TryFrame(ReadOnlySpan<byte> span, out int headerLength, out int bodyLength)
    {
        headerLength = bodyLength = 0;
        var multiplier = 1;
        for (var i = 1; i < span.Length && i <= 4; i++)
        {
            bodyLength += (span[i] & 0x7F) * multiplier;
            multiplier <<= 7;
            if ((span[i] & 0x80) == 0)
            {
                headerLength = i + 1;
                return span.Length - headerLength >= bodyLength;
            }
        }
        return false;
    }

    private static int Put(byte[] output, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.AsSpan(at));
        return bytes.Length;
    }
}
