using System.Net.Sockets;

namespace SmartFactoryEdge.Modbus.Transport;

/// <summary>
/// The byte transport under a Modbus client: opens a duplex stream (a TCP socket, a serial port). The client owns
/// and disposes each stream it gets; a new call makes a new connection (reconnect).
/// </summary>
public interface IModbusTransport
{
    /// <summary>Where the bytes go, for logs and errors ("127.0.0.1:502", "/dev/ttyUSB0@19200,8E1").</summary>
    string Endpoint { get; }

    /// <summary>The line speed when the transport is a serial line (for RTU timing), otherwise null.</summary>
    int? BaudRate { get; }

    /// <summary>Opens a new connection.</summary>
    /// <exception cref="IOException">The peer or device cannot be reached.</exception>
    ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A TCP connection (Modbus TCP, or RTU frames over TCP to a serial device server).</summary>
public sealed class TcpModbusTransport : IModbusTransport
{
    public TcpModbusTransport(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Port = port;
    }

    public string Host { get; }

    public int Port { get; }

    public string Endpoint => $"{Host}:{Port}";

    public int? BaudRate => null;

    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Host, Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
