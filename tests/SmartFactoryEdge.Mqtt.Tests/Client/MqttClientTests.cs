using System.Text;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;
using SmartFactoryEdge.TestKit.Mqtt;

namespace SmartFactoryEdge.Mqtt.Tests.Client;

public class MqttClientTests(MosquittoFixture fixture) : IClassFixture<MosquittoFixture>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce)]
    public async Task MessagesRoundTripAtEveryQoS(MqttProtocolVersion version, MqttQualityOfService qos)
    {
        var topic = TestMqtt.Topic("qos");
        await using var sub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        var granted = await sub.SubscribeAsync(topic, qos);
        Assert.Equal((MqttReasonCode)(byte)qos, Assert.Single(granted.ReasonCodes));

        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        await pub.ConnectAsync();
        const int count = 200;
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => pub.PublishAsync(topic, Encoding.UTF8.GetBytes($"m{i}"), qos)));
        Assert.All(results, r => Assert.True(r.IsSuccess));
        if (qos != MqttQualityOfService.AtMostOnce) Assert.All(results, r => Assert.NotEqual(0, r.PacketIdentifier));

        var got = await TestMqtt.TakeAsync(inbox, count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"m{i}").Order(), got.Select(m => Encoding.UTF8.GetString(m.Payload.Span)).Order());
        Assert.All(got, m => Assert.Equal(qos, m.QoS));
        Assert.All(got, m => Assert.Equal(topic, m.Topic));
        Assert.Equal(0, pub.InFlightCount);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task QoS0CompletesOnceQueuedAndDisconnectSendsEverythingQueuedBeforeIt(MqttProtocolVersion version)
    {
        var topic = TestMqtt.Topic("qos0drain");
        await using var sub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        await sub.SubscribeAsync(topic, MqttQualityOfService.AtMostOnce);

        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        await pub.ConnectAsync();
        const int count = 2000;
        var payload = new byte[100];
        for (var i = 0; i < count; i++)
        {
            var task = pub.PublishAsync(topic, payload, MqttQualityOfService.AtMostOnce);
            // the queue (65,536 by default) has room: completed at once, no hop through the writer loop
            Assert.True(task.IsCompletedSuccessfully, $"publish {i} did not complete synchronously");
        }
        // straight away: the DISCONNECT must leave after the 2000 queued publishes, not overtake them
        await pub.DisconnectAsync();

        var got = await TestMqtt.TakeAsync(inbox, count);
        Assert.Equal(count, got.Count);
        Assert.All(got, m => Assert.Equal(topic, m.Topic));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task PubAckReasonCodesReachTheCallersInAcknowledgementOrder(MqttProtocolVersion version)
    {
        // nobody subscribes: Mosquitto answers a 5.0 PUBLISH with 40 03 id id 10 (No matching subscribers), a 3.1.1 one
        // with 40 02 id id; both go through the client's bare-PUBACK path
        var topic = TestMqtt.Topic("reason");
        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        await pub.ConnectAsync();
        const int count = 3000;
        var order = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var payload = new byte[10];
        var tasks = new Task<MqttPublishResult>[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = pub.PublishAsync(topic, payload, MqttQualityOfService.AtLeastOnce).ContinueWith((t, n) =>
            {
                order.Enqueue((int)n!);
                return t.Result;
            }, i, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        var results = await Task.WhenAll(tasks).WaitAsync(TestMqtt.Guard);

        var expected = version == MqttProtocolVersion.V500 ? MqttReasonCode.NoMatchingSubscribers : MqttReasonCode.Success;
        Assert.All(results, r => Assert.Equal(expected, r.ReasonCode));
        Assert.All(results, r => Assert.True(r.IsSuccess));
        // the broker acknowledges in the order it received them, and the callers hear it in that order
        Assert.Equal(Enumerable.Range(0, count), order);
        Assert.Equal(0, pub.InFlightCount);
    }

    [Fact]
    public async Task AContinuationBlockedOnALaterPublishDelaysItsResultButDoesNotDeadlock()
    {
        // results are delivered one after another; a continuation that blocks (sync-over-async, which it must not do)
        // holds up those behind it until a keep-alive tick (here every 250 ms) sees no progress and starts a second runner
        var topic = TestMqtt.Topic("blocked");
        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500) with { KeepAlive = TimeSpan.FromSeconds(1) });
        await pub.ConnectAsync();
        var payload = new byte[10];
        for (var round = 0; round < 3; round++)
        {
            var first = pub.PublishAsync(topic, payload, MqttQualityOfService.AtLeastOnce);
            var second = pub.PublishAsync(topic, payload, MqttQualityOfService.AtLeastOnce);
            var blocked = first.ContinueWith(_ => second.Wait(TestMqtt.Guard), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Assert.True(await blocked.WaitAsync(TestMqtt.Guard), "the second result never arrived");
            Assert.True((await second).IsSuccess);
        }
        Assert.Equal(0, pub.InFlightCount);
    }

    [Fact]
    public async Task PublishesThatFindTheQueueFullWaitInOrderAndAllArrive()
    {
        var topic = TestMqtt.Topic("overflow");
        await using var sub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        await sub.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        // a queue of 8 for 3000 publishes fired without waiting: most of them have to wait in line for room
        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500) with { OutgoingQueueCapacity = 8 });
        await pub.ConnectAsync();
        const int count = 3000;
        var tasks = new Task<MqttPublishResult>[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = pub.PublishAsync(topic, Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                i % 3 == 0 ? MqttQualityOfService.AtLeastOnce : MqttQualityOfService.AtMostOnce);
            if (i % 20 == 0) await Task.Yield(); // lets the writer drain meanwhile, so a later publish could find room first
        }
        Assert.Contains(tasks, t => !t.IsCompleted); // the overflow line was used
        var results = await Task.WhenAll(tasks).WaitAsync(TestMqtt.Guard);
        Assert.All(results, r => Assert.True(r.IsSuccess));

        var got = await TestMqtt.TakeAsync(inbox, count);
        // MQTT orders messages per QoS level (4.6): each level must arrive complete and in publish order
        foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce })
        {
            var expected = Enumerable.Range(0, count).Where(i => (i % 3 == 0) == (qos == MqttQualityOfService.AtLeastOnce));
            var actual = got.Where(m => m.QoS == qos).Select(m => int.Parse(Encoding.UTF8.GetString(m.Payload.Span), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected, actual);
        }
        Assert.Equal(0, pub.InFlightCount);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task RetainedMessageReachesALateSubscriber(MqttProtocolVersion version)
    {
        var topic = TestMqtt.Topic("retain");
        await using (var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version)))
        {
            await pub.ConnectAsync();
            await pub.PublishAsync(topic, "keep"u8.ToArray(), MqttQualityOfService.AtLeastOnce, retain: true);
        }
        await using var sub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        await sub.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        var m = Assert.Single(await TestMqtt.TakeAsync(inbox, 1));
        Assert.True(m.Retain);
        Assert.Equal("keep", Encoding.UTF8.GetString(m.Payload.Span));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task WillIsPublishedOnAbnormalDisconnectOnly(MqttProtocolVersion version)
    {
        var willTopic = TestMqtt.Topic("will");
        await using var watcher = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, version));
        var inbox = TestMqtt.Collect(watcher);
        await watcher.ConnectAsync();
        await watcher.SubscribeAsync(willTopic, MqttQualityOfService.AtLeastOnce);

        MqttClientOptions WithWill(string text) => TestMqtt.Options(Broker.AnonymousPort, version) with
        {
            AutoReconnect = false,
            Will = new MqttApplicationMessage { Topic = willTopic, Payload = Encoding.UTF8.GetBytes(text), QoS = MqttQualityOfService.AtLeastOnce },
        };

        await using (var polite = new MqttClient(WithWill("polite")))
        {
            await polite.ConnectAsync();
            await polite.DisconnectAsync();
        }
        await using var crashing = new MqttClient(WithWill("crashed"));
        await crashing.ConnectAsync();
        crashing.AbortConnection();

        var m = Assert.Single(await TestMqtt.TakeAsync(inbox, 1));
        Assert.Equal("crashed", Encoding.UTF8.GetString(m.Payload.Span)); // the polite client's will was discarded
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task PasswordListenerAcceptsTheRightPasswordAndNamesTheReasonForAWrongOne(MqttProtocolVersion version)
    {
        var good = TestMqtt.Options(Broker.PasswordPort, version) with { Username = MosquittoBroker.User, Password = MosquittoBroker.Password };
        await using (var ok = new MqttClient(good))
        {
            var result = await ok.ConnectAsync();
            Assert.Equal(MqttReasonCode.Success, result.ReasonCode);
            Assert.True(ok.IsConnected);
        }
        await using var bad = new MqttClient(good with { Password = "wrong" });
        var ex = await Assert.ThrowsAsync<MqttConnectException>(() => bad.ConnectAsync());
        Assert.True(ex.ReasonCode is MqttReasonCode.NotAuthorized or MqttReasonCode.BadUserNameOrPassword, ex.Message);
        Assert.Contains($"127.0.0.1:{Broker.PasswordPort}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ex.ReasonCode.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", ex.Message, StringComparison.Ordinal);

        await using var anonymous = new MqttClient(TestMqtt.Options(Broker.PasswordPort, version));
        await Assert.ThrowsAsync<MqttConnectException>(() => anonymous.ConnectAsync());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task TlsListenerWorksWithTheTestCaAndValidatesByDefault(MqttProtocolVersion version)
    {
        var baseOptions = TestMqtt.Options(Broker.TlsPort, version) with { Username = MosquittoBroker.User, Password = MosquittoBroker.Password, AutoReconnect = false };
        var topic = TestMqtt.Topic("tls");
        await using (var client = new MqttClient(baseOptions with { Tls = new() { UseTls = true, CaFile = Broker.Certificates.CaFile } }))
        {
            var inbox = TestMqtt.Collect(client);
            await client.ConnectAsync();
            await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
            await client.PublishAsync(topic, "secret"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
            Assert.Equal("secret", Encoding.UTF8.GetString(Assert.Single(await TestMqtt.TakeAsync(inbox, 1)).Payload.Span));
        }
        // a CA that did not sign the server certificate, and the system store, must both refuse it
        await using (var wrongCa = new MqttClient(baseOptions with { Tls = new() { UseTls = true, CaFile = Broker.Certificates.OtherCaFile } }))
            Assert.Contains("TLS", (await Assert.ThrowsAsync<PeerUnavailableException>(() => wrongCa.ConnectAsync())).Message, StringComparison.Ordinal);
        await using (var systemStore = new MqttClient(baseOptions with { Tls = new() { UseTls = true } }))
            await Assert.ThrowsAsync<PeerUnavailableException>(() => systemStore.ConnectAsync());
        // the host name is checked too
        await using (var wrongName = new MqttClient(baseOptions with { Tls = new() { UseTls = true, CaFile = Broker.Certificates.CaFile, TargetHost = "broker.example" } }))
            await Assert.ThrowsAsync<PeerUnavailableException>(() => wrongName.ConnectAsync());
        // only the explicit test flag turns validation off
        await using (var insecure = new MqttClient(baseOptions with { Tls = new() { UseTls = true, AllowUntrustedCertificates = true } }))
            Assert.Equal(MqttReasonCode.Success, (await insecure.ConnectAsync()).ReasonCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MutualTlsAcceptsAClientCertificateFromPfxOrPem(bool pfx)
    {
        var c = Broker.Certificates;
        var tls = pfx
            ? new MqttClientTlsOptions { UseTls = true, CaFile = c.CaFile, ClientCertificateFile = c.ClientPfxFile, ClientCertificatePassword = TestCertificates.PfxPassword }
            : new MqttClientTlsOptions { UseTls = true, CaFile = c.CaFile, ClientCertificateFile = c.ClientCertFile, ClientKeyFile = c.ClientKeyFile };
        await using var client = new MqttClient(TestMqtt.Options(Broker.MutualTlsPort, MqttProtocolVersion.V500) with { Tls = tls, AutoReconnect = false });
        Assert.Equal(MqttReasonCode.Success, (await client.ConnectAsync()).ReasonCode);

        await using var noCert = new MqttClient(TestMqtt.Options(Broker.MutualTlsPort, MqttProtocolVersion.V500) with
        {
            Tls = new() { UseTls = true, CaFile = c.CaFile },
            AutoReconnect = false,
        });
        await Assert.ThrowsAsync<PeerUnavailableException>(() => noCert.ConnectAsync());
    }

    [Fact]
    public async Task V5PropertiesAndTopicAliasesSurviveTheBroker()
    {
        var topic = TestMqtt.Topic("v5");
        await using var sub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        await sub.SubscribeAsync([new MqttTopicFilter(topic, MqttQualityOfService.AtLeastOnce)], subscriptionIdentifier: 7);

        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        var connected = await pub.ConnectAsync();
        Assert.True(connected.ConnAck.TopicAliasMaximum > 0, "mosquitto offers topic aliases");
        for (int i = 0; i < 5; i++) // the 2nd..5th use the alias with an empty topic
        {
            await pub.PublishAsync(new MqttApplicationMessage
            {
                Topic = topic,
                Payload = Encoding.UTF8.GetBytes($"v{i}"),
                QoS = MqttQualityOfService.AtLeastOnce,
                ContentType = "application/json",
                MessageExpiryInterval = 3600,
                UserProperties = [new("gateway", "gw-01"), new("seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture))],
                CorrelationData = new byte[] { 1, 2, 3 },
                ResponseTopic = "reply/here",
            });
        }
        var got = await TestMqtt.TakeAsync(inbox, 5);
        for (int i = 0; i < 5; i++)
        {
            var m = got[i];
            Assert.Equal(topic, m.Topic);
            Assert.Equal($"v{i}", Encoding.UTF8.GetString(m.Payload.Span));
            Assert.Equal("application/json", m.ContentType);
            Assert.InRange(m.MessageExpiryInterval!.Value, 3500u, 3600u);
            Assert.Equal([new("gateway", "gw-01"), new("seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture))], m.UserProperties!);
            Assert.Equal(new byte[] { 1, 2, 3 }, m.CorrelationData!.Value.ToArray());
            Assert.Equal("reply/here", m.ResponseTopic);
            Assert.Equal([7u], m.SubscriptionIdentifiers!);
        }
    }

    [Fact]
    public async Task ManyProducersPublishConcurrentlyWithoutLossOrDuplicateIds()
    {
        var topic = TestMqtt.Topic("many");
        await using var sub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(sub);
        await sub.ConnectAsync();
        await sub.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        await using var pub = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500) with { MaxInFlight = 100 });
        await pub.ConnectAsync();
        const int producers = 8, each = 1000;
        var tasks = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++)
                Assert.True((await pub.PublishAsync(topic, Encoding.UTF8.GetBytes($"{p}:{i}"))).IsSuccess);
        }));
        await Task.WhenAll(tasks).WaitAsync(TestMqtt.Guard);
        var got = await TestMqtt.TakeAsync(inbox, producers * each);
        Assert.Equal(producers * each, got.Select(m => Encoding.UTF8.GetString(m.Payload.Span)).Distinct().Count());
        // per producer, order is kept
        foreach (var group in got.Select(m => Encoding.UTF8.GetString(m.Payload.Span).Split(':')).GroupBy(x => x[0]))
            Assert.Equal(Enumerable.Range(0, each), group.Select(x => int.Parse(x[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task AHandlerMayPublishAndAwaitItsPubAckWithoutDeadlock()
    {
        var request = TestMqtt.Topic("req");
        var reply = TestMqtt.Topic("reply");
        await using var responder = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        responder.ApplicationMessageReceivedAsync += async e =>
        {
            if (e.ApplicationMessage.Topic != request) return;
            var r = await responder.PublishAsync(reply, e.ApplicationMessage.Payload, MqttQualityOfService.AtLeastOnce); // needs the receive loop
            Assert.True(r.IsSuccess);
        };
        await responder.ConnectAsync();
        await responder.SubscribeAsync(request, MqttQualityOfService.AtLeastOnce);

        await using var asker = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(asker);
        await asker.ConnectAsync();
        await asker.SubscribeAsync(reply, MqttQualityOfService.AtLeastOnce);
        for (int i = 0; i < 20; i++) await asker.PublishAsync(request, Encoding.UTF8.GetBytes($"q{i}"), MqttQualityOfService.AtLeastOnce);
        var answers = await TestMqtt.TakeAsync(inbox, 20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"q{i}"), answers.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
    }

    [Fact]
    public async Task ASessionTakeoverEndsTheFirstConnectionAndIsReported()
    {
        var options = TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500) with { AutoReconnect = false };
        await using var first = new MqttClient(options);
        var lost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.DisconnectedAsync += e => { lost.TrySetResult(e); return Task.CompletedTask; };
        await first.ConnectAsync();
        await using var second = new MqttClient(options); // same client id: the broker takes the session over
        await second.ConnectAsync();
        var e = await lost.Task.WaitAsync(TestMqtt.Guard);
        // Mosquitto 2.0.11 closes the socket here rather than sending DISCONNECT 0x8E; if it does send one, it is reported
        Assert.True(e.ReasonCode is null or MqttReasonCode.SessionTakenOver, e.Exception?.Message);
        Assert.Contains(Broker.AnonymousPort.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Exception!.Message, StringComparison.Ordinal);
        Assert.False(e.WillReconnect);
        await Assert.ThrowsAsync<PeerUnavailableException>(() => first.PublishAsync("a/b", "x"u8.ToArray()));
        Assert.True(second.IsConnected);
    }

    [Fact]
    public async Task AcknowledgedPublishesAreCountedAsMetrics()
    {
        long acknowledged = 0, connects = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MqttClientMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "sfe.mqtt.publishes.acknowledged") Interlocked.Add(ref acknowledged, value);
            if (instrument.Name == "sfe.mqtt.connects") Interlocked.Add(ref connects, value);
        });
        listener.Start();
        await using var client = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V311));
        await client.ConnectAsync();
        for (int i = 0; i < 10; i++) await client.PublishAsync(TestMqtt.Topic("metrics"), "x"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.True(Interlocked.Read(ref acknowledged) >= 10); // other tests may add to the shared meter
        Assert.True(Interlocked.Read(ref connects) >= 1);
    }

    [Fact]
    public async Task UnsubscribeStopsDelivery()
    {
        var topic = TestMqtt.Topic("unsub");
        await using var client = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        var inbox = TestMqtt.Collect(client);
        await client.ConnectAsync();
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(topic, "1"u8.ToArray());
        await TestMqtt.TakeAsync(inbox, 1);
        var result = await client.UnsubscribeAsync([topic]);
        Assert.Equal(MqttReasonCode.Success, Assert.Single(result.ReasonCodes));
        await client.PublishAsync(topic, "2"u8.ToArray());
        // a marker on another subscribed topic proves that "2" would have arrived by now
        var marker = TestMqtt.Topic("marker");
        await client.SubscribeAsync(marker, MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(marker, "m"u8.ToArray());
        var next = Assert.Single(await TestMqtt.TakeAsync(inbox, 1));
        Assert.Equal(marker, next.Topic);
    }

    [Fact]
    public async Task PublishingWhenNotConnectedFailsWithPeerUnavailable()
    {
        await using var client = new MqttClient(TestMqtt.Options(Broker.AnonymousPort, MqttProtocolVersion.V500));
        await Assert.ThrowsAsync<PeerUnavailableException>(() => client.PublishAsync("a/b", "x"u8.ToArray()));
        await using var nobody = new MqttClient(TestMqtt.Options(1, MqttProtocolVersion.V500));
        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => nobody.ConnectAsync());
        Assert.Contains("127.0.0.1:1", ex.Message, StringComparison.Ordinal);
    }
}
