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
}
