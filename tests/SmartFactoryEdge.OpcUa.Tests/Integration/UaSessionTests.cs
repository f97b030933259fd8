using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;

namespace SmartFactoryEdge.OpcUa.Tests.Integration;

public class UaSessionTests(OpcUaServerFixture fixture) : IClassFixture<OpcUaServerFixture>
{
    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task GetEndpointsListsTheNoneEndpoint()
    {
        var endpoints = await UaSession.GetEndpointsAsync(fixture.Url, cancellationToken: Timeout());
        Assert.Contains(endpoints, e => e.SecurityMode == MessageSecurityMode.None && e.SecurityPolicyUri!.EndsWith("#None"));
        Assert.Contains(endpoints, e => e.UserIdentityTokens.Any(t => t.TokenType == UserTokenType.Anonymous));
        var servers = await UaSession.FindServersAsync(fixture.Url, cancellationToken: Timeout());
        Assert.Contains(servers, s => s.ApplicationUri == "urn:sfe:TestServer");
    }

    [Fact]
    public async Task ReadsEveryValueType()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        string[] names = ["Boolean", "SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Float", "Double", "String", "DateTime",
            "Guid", "ByteString", "LocalizedText", "QualifiedName", "NodeId", "StatusCode", "DoubleArray", "StringArray", "Int32Matrix"];
        var values = await session.ReadAsync(names.Select(n => new ReadValueId(new NodeId("Types." + n, 1))).ToArray(), Timeout());
        var byName = names.Zip(values).ToDictionary(x => x.First, x => x.Second);
        Assert.All(values, v => Assert.True(v.StatusCode.IsGood, v.ToString()));
        Assert.Equal(true, byName["Boolean"].Value.Value);
        Assert.Equal((sbyte)-12, byName["SByte"].Value.Value);
        Assert.Equal((byte)200, byName["Byte"].Value.Value);
        Assert.Equal((short)-3000, byName["Int16"].Value.Value);
        Assert.Equal((ushort)60000, byName["UInt16"].Value.Value);
        Assert.Equal(-123456, byName["Int32"].Value.Value);
        Assert.Equal(4_000_000_000u, byName["UInt32"].Value.Value);
        Assert.Equal(-123L, byName["Int64"].Value.Value);
        Assert.Equal(4294967298UL, byName["UInt64"].Value.Value);
        Assert.Equal(1.5f, byName["Float"].Value.Value);
        Assert.Equal(3.25, byName["Double"].Value.Value);
        Assert.Equal("Grüße 水", byName["String"].Value.Value);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc), byName["DateTime"].Value.Value);
        Assert.Equal(Guid.Parse("72962B91-FA75-4AE6-8D28-B404DC7DAF63"), byName["Guid"].Value.Value);
        Assert.Equal(new byte[] { 1, 2, 3, 254 }, byName["ByteString"].Value.Value);
        Assert.Equal(new LocalizedText("de", "Druck"), byName["LocalizedText"].Value.Value);
        Assert.Equal(new QualifiedName(1, "Press"), byName["QualifiedName"].Value.Value);
        Assert.Equal(new NodeId("Line1.Press01", 1), byName["NodeId"].Value.Value);
        Assert.Equal(new StatusCode(StatusCodes.BadTimeout), byName["StatusCode"].Value.Value);
        Assert.Equal(new[] { 1.5, 2.5, 3.5 }, byName["DoubleArray"].Value.Value);
        Assert.Equal(new[] { "a", "b" }, byName["StringArray"].Value.Value);
        Assert.Equal(new[] { 2, 3 }, byName["Int32Matrix"].Value.Dimensions);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, byName["Int32Matrix"].Value.Value);
        await session.CloseAsync(Timeout());
    }

    [Fact]
    public async Task BrowsesTheWholeAddressSpaceWithContinuationPoints()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var small = new AddressSpaceWalker(session) { MaxReferencesPerNode = 3, NodesPerRequest = 10 };
        var nodes = await small.WalkAsync(WellKnownNodes.RootFolder, 64, Timeout(90));
        Assert.True(small.BrowseNextCalls > 100, $"only {small.BrowseNextCalls} BrowseNext calls");
        Assert.Contains(nodes, n => n.NodeId == new NodeId("Load.Var0999", 1) && n.Path == "Objects/Load/Var0999");
        Assert.Contains(nodes, n => n.NodeId == new NodeId("Types.LargeArray", 1) && n.NodeClass == NodeClass.Variable);
        Assert.Contains(nodes, n => n.NodeId == WellKnownNodes.Server);
        var whole = new AddressSpaceWalker(session) { MaxReferencesPerNode = 0, NodesPerRequest = 10 };
        var reference = await whole.WalkAsync(WellKnownNodes.RootFolder, 64, Timeout(90));
        Assert.Equal(reference.Select(n => n.NodeId.ToString()).Order(), nodes.Select(n => n.NodeId.ToString()).Order());
        Assert.True(nodes.Count > 1500, $"{nodes.Count} nodes");
    }

    [Fact]
    public async Task WriteIsReadBack()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var node = new NodeId("Line1.Press01.SpindleSpeed", 1);
        var value = Random.Shared.Next(1000, 2000);
        var results = await session.WriteAsync([new WriteValue(node, new DataValue(new Variant(value)))], Timeout());
        Assert.True(results[0].IsGood, results[0].ToString());
        var back = await session.ReadValueAsync(node, Timeout());
        Assert.Equal(value, back.Value.Value);
        var wrongType = await session.WriteAsync([new WriteValue(node, new DataValue(new Variant("x")))], Timeout());
        Assert.True(wrongType[0].IsBad);
    }

    [Fact]
    public async Task ReadsTheDataTypeAndTheEngineeringUnits()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var temperature = new NodeId("Line1.Press01.Temperature", 1);
        var dataType = await session.ReadAsync([new ReadValueId(temperature, AttributeIds.DataType)], Timeout());
        Assert.Equal(new NodeId(11u), dataType[0].Value.Value); // Double
        var eu = await session.ReadEngineeringUnitsAsync(temperature, Timeout());
        Assert.NotNull(eu);
        Assert.Equal(4408652, eu.UnitId); // UNECE CEL
        Assert.Equal("°C", eu.DisplayName.Text);
        Assert.Null(await session.ReadEngineeringUnitsAsync(new NodeId("Line1.Press01.State", 1), Timeout()));
        var resolved = await session.ResolveBrowsePathAsync("Objects/Line1/Press01/Temperature", Timeout());
        Assert.Equal(temperature, resolved);
        Assert.Equal(WellKnownNodes.ServerStatusCurrentTime, await session.ResolveBrowsePathAsync("Objects/Server/ServerStatus/CurrentTime", Timeout()));
        Assert.Equal(WellKnownNodes.ServerStatusCurrentTime, await session.ResolveBrowsePathAsync("0:Server/0:ServerStatus/0:CurrentTime", Timeout()));
        Assert.Null(await session.ResolveBrowsePathAsync("Objects/Line1/Nope", Timeout()));
    }

    [Fact]
    public async Task LargeArrayReadIsReassembledFromManyChunks()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var dv = await session.ReadValueAsync(new NodeId("Types.LargeArray", 1), Timeout());
        var values = Assert.IsType<double[]>(dv.Value.Value);
        Assert.Equal(300_000, values.Length);
        Assert.Equal(149_999.5, values[^1]);
        Assert.True(session.Channel.PeerLimits.ReceiveBufferSize < 300_000 * 8);
    }

    [Fact]
    public async Task ResponseOverOurMaxMessageSizeFailsCleanly()
    {
        var options = new UaSessionOptions { Channel = new() { Limits = new() { MaxMessageSize = 512 * 1024 } } };
        await using var session = await UaSession.ConnectAsync(fixture.Url, options, cancellationToken: Timeout());
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => session.ReadValueAsync(new NodeId("Types.LargeArray", 1), Timeout()));
        Assert.True(ex is ServiceResultException or SmartFactoryEdge.Core.PeerUnavailableException or SmartFactoryEdge.Core.ProtocolViolationException, ex.ToString());
    }

    [Fact]
    public async Task ConcurrentRequestsAreMatchedToTheirResponses()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var tasks = Enumerable.Range(0, 200).Select(i => session.ReadValueAsync(new NodeId($"Load.Var{i:0000}", 1), Timeout())).ToArray();
        var values = await Task.WhenAll(tasks);
        for (int i = 0; i < values.Length; i++) Assert.Equal(i, Math.Floor(values[i].Value.ToDouble()));
    }

    [Fact]
    public async Task SubscriptionOfAThousandItemsMissesNoValue()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var received = new List<double>[1000];
        for (int i = 0; i < received.Length; i++) received[i] = [];
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await session.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(100), (_, message) =>
        {
            foreach (var n in message.DataChanges) received[n.ClientHandle].Add(n.Value.Value.ToDouble());
            if (received.All(r => r.Count >= 8)) enough.TrySetResult();
        }, Timeout());
        var specs = Enumerable.Range(0, 1000).Select(i => new MonitoredItemSpec
        {
            NodeId = new NodeId($"Load.Var{i:0000}", 1), ClientHandle = (uint)i, SamplingInterval = 0, QueueSize = 10,
        }).ToArray();
        var results = await subscription.CreateMonitoredItemsAsync(specs, Timeout());
        Assert.All(results, r => Assert.True(r.StatusCode.IsGood));
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await subscription.DeleteAsync(Timeout());
        for (int i = 0; i < received.Length; i++)
        {
            var ticks = received[i].Select(v => (long)Math.Round((v - i) * 1000)).ToArray();
            for (int k = 1; k < ticks.Length; k++)
                Assert.True(ticks[k] == ticks[k - 1] + 1, $"item {i}: tick {ticks[k - 1]} then {ticks[k]}");
        }
        Assert.True(session.KeepAlives >= 0);
    }
}

public class OpcUaProbeTests(OpcUaServerFixture fixture) : IClassFixture<OpcUaServerFixture>
{
    [Fact]
    public async Task BrowsePrintsATreeWithTypesAndValues()
    {
        var output = new StringWriter();
        await SmartFactoryEdge.OpcUa.Tools.OpcUaProbe.BrowseAsync(fixture.Url, null, "Objects/Line1", 2, output, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var text = output.ToString();
        Assert.Contains("Press01  [Object] ns=1;s=Line1.Press01", text);
        Assert.Matches(@"SpindleSpeed  \[Variable\] ns=1;s=Line1\.Press01\.SpindleSpeed  Int32 = \d+", text);
    }

    [Fact]
    public async Task EmitConfigWritesATagPerVariableWithItsUnit()
    {
        var output = new StringWriter();
        await SmartFactoryEdge.OpcUa.Tools.OpcUaProbe.EmitConfigAsync(fixture.Url, null, "Objects/Line1", 3, "press", 1000, output, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        var text = output.ToString();
        Assert.Contains("- id: press.press01.temperature\n          nodeId: \"ns=1;s=Line1.Press01.Temperature\"\n          unit: \"°C\"", text);
        Assert.Contains("- id: press.press01.state\n", text);
        Assert.DoesNotContain("EngineeringUnits", text);
        Assert.Equal(6, text.Split("- id: ").Length - 1);
    }

    [Fact]
    public async Task ReadAndSubscribePrintValues()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        var output = new StringWriter();
        await SmartFactoryEdge.OpcUa.Tools.OpcUaProbe.ReadAsync(fixture.Url, null, ["ns=1;s=Line1.Press01.Temperature", "Objects/Line1/Press01/State"], output, ct);
        Assert.Contains("°C  Good", output.ToString());
        var sub = new StringWriter();
        var count = await SmartFactoryEdge.OpcUa.Tools.OpcUaProbe.SubscribeAsync(fixture.Url, null, ["ns=1;s=Load.Var0001"], TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1.2), sub, ct);
        Assert.True(count >= 2, sub.ToString());
    }
}

public class UaSubscriptionRecoveryTests(OpcUaServerFixture fixture) : IClassFixture<OpcUaServerFixture>
{
    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task MissingSequenceNumberIsRepublished()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var dropped = new List<uint>();
        session.DropPublishResponse = r =>
        {
            var drop = !r.NotificationMessage.IsKeepAlive && dropped.Count < 2 && r.NotificationMessage.SequenceNumber % 3 == 0;
            if (drop) lock (dropped) dropped.Add(r.NotificationMessage.SequenceNumber);
            return drop;
        };
        var seen = new List<uint>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await session.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(100), (_, m) =>
        {
            lock (seen) seen.Add(m.SequenceNumber);
            if (seen.Count >= 12) enough.TrySetResult();
        }, Timeout());
        await subscription.CreateMonitoredItemsAsync([new MonitoredItemSpec { NodeId = new NodeId("Load.Var0001", 1), ClientHandle = 1, SamplingInterval = 0, QueueSize = 10 }], Timeout());
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, dropped.Count);
        Assert.True(session.Republishes >= 2);
        lock (seen)
        {
            foreach (var d in dropped) Assert.Contains(d, seen);
            var ordered = seen.ToArray();
            for (int i = 1; i < ordered.Length; i++) Assert.Equal(ordered[i - 1] + 1, ordered[i]);
        }
        Assert.Equal(0, session.LostMessages);
    }

    [Fact]
    public async Task SubscriptionIsTransferredToANewSession()
    {
        await using var first = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var subscription = await first.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(200), (_, _) => { }, Timeout());
        await subscription.CreateMonitoredItemsAsync([new MonitoredItemSpec { NodeId = new NodeId("Load.Var0002", 1), ClientHandle = 7 }], Timeout());
        await using var second = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var results = await second.TransferSubscriptionsAsync([subscription.SubscriptionId], true, Timeout());
        Assert.True(results[0].StatusCode.IsGood, results[0].StatusCode.ToString());
        var unknown = await second.TransferSubscriptionsAsync([123456u], true, Timeout());
        Assert.True(unknown[0].StatusCode.IsBad);
    }

    [Fact]
    public async Task SecureChannelTokenIsRenewedBeforeItExpires()
    {
        var options = new UaSessionOptions { Channel = new() { TokenLifetime = TimeSpan.FromSeconds(2) } };
        await using var session = await UaSession.ConnectAsync(fixture.Url, options, cancellationToken: Timeout());
        var firstToken = session.Channel.TokenId;
        var renewed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Channel.TokenRenewed += _ => { if (session.Channel.Renewals >= 2) renewed.TrySetResult(); };
        await renewed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(session.Channel.Renewals >= 2, $"renewals {session.Channel.Renewals}, lifetime {session.Channel.RevisedLifetime}");
        Assert.NotEqual(firstToken, session.Channel.TokenId);
        var dv = await session.ReadValueAsync(WellKnownNodes.ServerStatusCurrentTime, Timeout());
        Assert.True(dv.StatusCode.IsGood);
        Assert.True(session.Channel.IsOpen);
    }
}

public class UserNameLoginTests(OpcUaServerFixture fixture) : IClassFixture<OpcUaServerFixture>
{
    [Fact]
    public async Task UserNameLoginEncryptsThePasswordForTheTokenPolicy()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var session = await UaSession.ConnectAsync(fixture.Url, new UaSessionOptions { UserName = "operator", Password = "operator-pw" }, cancellationToken: ct);
        var dv = await session.ReadValueAsync(new NodeId("Line1.Press01.State", 1), ct);
        Assert.True(dv.StatusCode.IsGood);
        await session.CloseAsync(ct);
        var ex = await Assert.ThrowsAsync<ServiceResultException>(() => UaSession.ConnectAsync(fixture.Url, new UaSessionOptions { UserName = "operator", Password = "wrong" }, cancellationToken: ct));
        Assert.True(ex.StatusCode.IsBad);
    }
}

public class MonitoredItemFilterTests(OpcUaServerFixture fixture) : IClassFixture<OpcUaServerFixture>
{
    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task AbsoluteDeadbandSuppressesSmallChangesAndPercentNeedsARange()
    {
        await using var session = await UaSession.ConnectAsync(fixture.Url, cancellationToken: Timeout());
        var counts = new int[3];
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await session.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(100), (_, m) =>
        {
            foreach (var n in m.DataChanges) Interlocked.Increment(ref counts[n.ClientHandle]);
            if (Volatile.Read(ref counts[0]) >= 6) enough.TrySetResult();
        }, Timeout());
        var results = await subscription.CreateMonitoredItemsAsync(
        [
            new MonitoredItemSpec { NodeId = new NodeId("Load.Var0003", 1), ClientHandle = 0, SamplingInterval = 0, QueueSize = 5 },
            new MonitoredItemSpec { NodeId = new NodeId("Load.Var0003", 1), ClientHandle = 1, SamplingInterval = 0, QueueSize = 5,
                Filter = new DataChangeFilter(DataChangeTrigger.StatusValue, DeadbandType.Absolute, 100) },
            new MonitoredItemSpec { NodeId = new NodeId("Line1.Press01.Temperature", 1), ClientHandle = 2, SamplingInterval = 100,
                Filter = new DataChangeFilter(DataChangeTrigger.StatusValue, DeadbandType.Percent, 50) },
            new MonitoredItemSpec { NodeId = new NodeId("Load.Var0004", 1), ClientHandle = 3,
                Filter = new DataChangeFilter(DataChangeTrigger.StatusValue, DeadbandType.Percent, 5) },
        ], Timeout());
        Assert.True(results[0].StatusCode.IsGood && results[1].StatusCode.IsGood && results[2].StatusCode.IsGood);
        Assert.True(results[3].StatusCode.Code is StatusCodes.BadFilterNotAllowed or StatusCodes.BadMonitoredItemFilterUnsupported, results[3].StatusCode.ToString()); // no EURange
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, Volatile.Read(ref counts[1])); // the initial value only: changes of 0.001 stay inside the deadband
        await subscription.ModifyAsync(TimeSpan.FromMilliseconds(300), 7, Timeout());
        Assert.Equal(TimeSpan.FromMilliseconds(300), subscription.PublishingInterval);
        Assert.Equal(7u, subscription.MaxKeepAliveCount);
        var deleted = await subscription.DeleteMonitoredItemsAsync([0u, 1u], Timeout());
        Assert.All(deleted, s => Assert.True(s.IsGood));
        Assert.Single(subscription.Items); // the refused item was never kept
        await subscription.DeleteAsync(Timeout());
    }
}
