using System.Net;
using System.Net.Sockets;

namespace SmartFactoryEdge.TestKit.Infrastructure;

/// <summary>
/// A free TCP port on 127.0.0.1 for peers that cannot bind port 0 themselves (Mosquitto).
/// Prefer letting a peer bind port 0 and report it; this is the fallback.
/// </summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
