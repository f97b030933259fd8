using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Mqtt.Tests.Client;

/// <summary>Broker outages: each test owns its broker, since it stops or freezes it.</summary>
public class MqttClientOutageTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task BrokerRestartMidStreamLosesNoQoS1Message(MqttProtocolVersion version)
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        var topic = TestMqtt.Topic("restart");
        var received = new ConcurrentDictionary<int, int>();
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int total = 3000;

        // subscriber with a persistent session, so messages queue in the broker while it is away
        // (Clean Start = 0 and, in 5.0, a session expiry interval)
        var subOptions = TestMqtt.Options(broker.AnonymousPort, version) with
        {
            CleanStart = false, // a fresh client id has no old session; mosquitto 2.0.11 does not persist a v5 session begun with Clean Start = 1
            SessionExpiryInterval = 3600,
        };
        await using var sub = new MqttClient(subOptions);
        sub.ApplicationMessageReceivedAsync += e =>
        {
            var id = int.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.Span), CultureInfo.InvariantCulture);
            received.AddOrUpdate(id, 1, (_, n) => n + 1);
            if (received.Count == total) allReceived.TrySetResult();
            return Task.CompletedTask;
        };
        var subReconnected = new TaskCompletionSource<MqttConnectResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subConnects = 0;
        sub.ConnectedAsync += r =>
        {
            if (Interlocked.Increment(ref subConnects) == 2) subReconnected.TrySetResult(r);
            return Task.CompletedTask;
        };
        await sub.ConnectAsync();
        await sub.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pub = new MqttClient(TestMqtt.Options(broker.AnonymousPort, version) with { MaxInFlight = 200 });
        var connects = 0;
        pub.ConnectedAsync += _ =>
        {
            if (Interlocked.Increment(ref connects) == 2) reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await pub.ConnectAsync();

        var acked = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publishing = Task.Run(async () =>
        {
            var pending = new List<Task>();
            for (int i = 0; i < total; i++)
            {
                pending.Add(pub.PublishAsync(topic, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture))).ContinueWith(t =>
                {
                    Assert.True(t.Result.IsSuccess);
                    if (Interlocked.Increment(ref acked) == total / 3) halfway.TrySetResult();
                }, TaskScheduler.Default));
            }
            await Task.WhenAll(pending);
        });

        await halfway.Task.WaitAsync(TestMqtt.Guard);
        await broker.StopAsync();      // mid-stream: publishes are in flight and queued
        await broker.RestartAsync();
        await reconnected.Task.WaitAsync(TestMqtt.Guard);
        await publishing.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(total, acked);
        var resumed = await subReconnected.Task.WaitAsync(TestMqtt.Guard);
        Assert.True(resumed.SessionPresent, "the persistent broker kept the subscriber's session");
        var done = await Task.WhenAny(allReceived.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        var missing = Enumerable.Range(0, total).Where(i => !received.ContainsKey(i)).ToList();
        Assert.True(done == allReceived.Task, $"{missing.Count} message(s) never arrived, first: {string.Join(",", missing.Take(20))}, session present after restart: {resumed.SessionPresent}\n{broker.Output}");
        Assert.Equal(Enumerable.Range(0, total), received.Keys.Order());
    }

    [Fact]
    public async Task AFrozenBrokerIsDetectedByKeepAliveAndTheClientReconnectsWhenItThaws()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = TestMqtt.Options(broker.AnonymousPort, MqttProtocolVersion.V500) with
        {
            KeepAlive = TimeSpan.FromSeconds(1),
            Timeout = TimeSpan.FromSeconds(1.5),
        };
        await using var client = new MqttClient(options);
        var lost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connects = 0;
        client.DisconnectedAsync += e =>
        {
            lost.TrySetResult(e);
            return Task.CompletedTask;
        };
        client.ConnectedAsync += _ =>
        {
            if (Interlocked.Increment(ref connects) == 2) back.TrySetResult();
            return Task.CompletedTask;
        };
        await client.ConnectAsync();
        broker.Freeze(true);
        try
        {
            var e = await lost.Task.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Contains("PINGRESP", e.Exception!.Message, StringComparison.Ordinal);
            Assert.True(e.WillReconnect);
            Assert.False(client.IsConnected);
        }
        finally
        {
            broker.Freeze(false);
        }
        await back.Task.WaitAsync(TestMqtt.Guard);
        Assert.True(client.IsConnected);
        Assert.True((await client.PublishAsync("test/after/thaw", "x"u8.ToArray())).IsSuccess);
    }
}

public class MqttOutageRecoveryTests
{
    [Fact]
    public async Task PublishesFailOnceTheClientGivesUpReconnecting()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = TestMqtt.Options(broker.AnonymousPort, MqttProtocolVersion.V500) with
        {
            Reconnect = new() { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(100), MaxAttempts = 2 },
        };
        await using var client = new MqttClient(options);
        var gaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ => { gaveUp.TrySetResult(); return Task.CompletedTask; };
        await client.ConnectAsync();
        await broker.StopAsync();
        await gaveUp.Task.WaitAsync(TestMqtt.Guard);
        // queued while reconnecting or after giving up: either way it must fail, not hang
        var ex = await Record.ExceptionAsync(() => client.PublishAsync("a/b", "x"u8.ToArray()).WaitAsync(TestMqtt.Guard));
        Assert.IsType<SmartFactoryEdge.Core.PeerUnavailableException>(ex);
    }

    [Fact]
    public async Task PublishesWaitingForRoomCanBeCancelledAndFailWhenTheSessionEnds()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = TestMqtt.Options(broker.AnonymousPort, MqttProtocolVersion.V500) with
        {
            OutgoingQueueCapacity = 2,
            Reconnect = new() { InitialDelay = TimeSpan.FromSeconds(60), MaxDelay = TimeSpan.FromSeconds(60), JitterFactor = 0 },
        };
        await using var client = new MqttClient(options);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ => { lost.TrySetResult(); return Task.CompletedTask; };
        await client.ConnectAsync();
        await broker.StopAsync();
        await lost.Task.WaitAsync(TestMqtt.Guard);

        // link down, nobody drains the queue of 2: the first two QoS 0 publishes are accepted, the rest wait in line
        var accepted = new[] { client.PublishAsync("a/b", "1"u8.ToArray(), MqttQualityOfService.AtMostOnce), client.PublishAsync("a/b", "2"u8.ToArray(), MqttQualityOfService.AtMostOnce) };
        Assert.All(accepted, t => Assert.True(t.IsCompletedSuccessfully));
        using var cancelQoS0 = new CancellationTokenSource();
        using var cancelQoS1 = new CancellationTokenSource();
        var waitingQoS0 = client.PublishAsync("a/b", "3"u8.ToArray(), MqttQualityOfService.AtMostOnce, cancellationToken: cancelQoS0.Token);
        var waitingQoS1 = client.PublishAsync("a/b", "4"u8.ToArray(), MqttQualityOfService.AtLeastOnce, cancellationToken: cancelQoS1.Token);
        var stranded = client.PublishAsync("a/b", "5"u8.ToArray(), MqttQualityOfService.AtMostOnce);
        Assert.False(waitingQoS0.IsCompleted);
        Assert.False(waitingQoS1.IsCompleted);
        Assert.Equal(1, client.InFlightCount);

        await cancelQoS0.CancelAsync();
        await cancelQoS1.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waitingQoS0.WaitAsync(TestMqtt.Guard));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waitingQoS1.WaitAsync(TestMqtt.Guard));
        Assert.Equal(0, client.InFlightCount); // the withdrawn QoS 1 publish gave its window slot and packet id back
        Assert.False(stranded.IsCompleted);

        await client.DisconnectAsync().WaitAsync(TestMqtt.Guard);
        // never accepted into the queue: its caller hears that the session ended instead of waiting for ever
        await Assert.ThrowsAsync<SmartFactoryEdge.Core.PeerUnavailableException>(() => stranded.WaitAsync(TestMqtt.Guard));
    }

    [Fact]
    public async Task DisconnectDuringAReconnectBackOffReturnsAtOnce()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = TestMqtt.Options(broker.AnonymousPort, MqttProtocolVersion.V500) with
        {
            Reconnect = new() { InitialDelay = TimeSpan.FromSeconds(60), MaxDelay = TimeSpan.FromSeconds(60), JitterFactor = 0 },
        };
        await using var client = new MqttClient(options);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ => { lost.TrySetResult(); return Task.CompletedTask; };
        await client.ConnectAsync();
        await broker.StopAsync();
        await lost.Task.WaitAsync(TestMqtt.Guard);
        // the supervisor now waits 60 s before its next attempt; DisconnectAsync must not wait for it
        await client.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task TheSinkStartsWithoutABrokerAndConnectsWhenItAppears()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await broker.StopAsync();
        var site = "late-" + Guid.NewGuid().ToString("N")[..6];
        await using var sink = new SmartFactoryEdge.Mqtt.Telemetry.MqttTelemetrySink(new SmartFactoryEdge.Mqtt.Telemetry.MqttSinkOptions
        {
            Port = broker.AnonymousPort,
            Site = site,
            GatewayId = "gw-01",
            Retry = new() { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(300) },
        });
        await sink.StartAsync(CancellationToken.None); // does not throw: the gateway must start without its broker
        await Assert.ThrowsAsync<SmartFactoryEdge.Core.PeerUnavailableException>(() => sink.PublishAsync(Telemetry.MqttTelemetrySinkTests.Batch(1), CancellationToken.None).AsTask());

        await broker.RestartAsync();
        await using var watcher = new MqttClient(TestMqtt.Options(broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(watcher);
        await watcher.ConnectAsync();
        await watcher.SubscribeAsync(sink.Topics.State, MqttQualityOfService.AtLeastOnce);
        var birth = Assert.Single(await TestMqtt.TakeAsync(inbox, 1)); // the retained birth, once the sink is back
        Assert.Contains("online", Encoding.UTF8.GetString(birth.Payload.Span), StringComparison.Ordinal);
        await sink.PublishAsync(Telemetry.MqttTelemetrySinkTests.Batch(2), CancellationToken.None);
        await sink.StopAsync(CancellationToken.None);
    }
}
