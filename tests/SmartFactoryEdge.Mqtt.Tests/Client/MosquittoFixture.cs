using System.Threading.Channels;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Mqtt.Tests.Client;

/// <summary>One Mosquitto per test class (anonymous, password, TLS and mutual-TLS listeners).</summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    public MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>Helpers shared by the client tests.</summary>
internal static class TestMqtt
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    public static MqttClientOptions Options(int port, MqttProtocolVersion version, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = version,
        ClientId = clientId ?? "t-" + Guid.NewGuid().ToString("N")[..10],
        Timeout = TimeSpan.FromSeconds(5),
        Reconnect = new() { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
    };

    public static string Topic(string name) => $"test/{name}/{Guid.NewGuid():N}";

    /// <summary>Collects received messages into a channel.</summary>
    public static Channel<MqttApplicationMessage> Collect(MqttClient client)
    {
        var channel = Channel.CreateUnbounded<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            channel.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        return channel;
    }

    public static async Task<List<MqttApplicationMessage>> TakeAsync(Channel<MqttApplicationMessage> channel, int count)
    {
        var list = new List<MqttApplicationMessage>(count);
        using var cts = new CancellationTokenSource(Guard);
        while (list.Count < count) list.Add(await channel.Reader.ReadAsync(cts.Token));
        return list;
    }
}
