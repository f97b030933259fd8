using System.Buffers.Binary;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Transport;

namespace SmartFactoryEdge.OpcUa.Tests.Transport;

public class UaTcpMessagesTests
{
    [Fact]
    public void HelloHasTheLayoutOfPart6()
    {
        var hello = UaTcpMessages.EncodeHello(new TransportLimits { ReceiveBufferSize = 65536, SendBufferSize = 32768, MaxMessageSize = 1000, MaxChunkCount = 7 }, "opc.tcp://a:1");
        Assert.Equal("HELF"u8.ToArray(), hello[..4]);
        Assert.Equal((uint)hello.Length, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(4)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(8)));
        Assert.Equal(65536u, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(12)));
        Assert.Equal(32768u, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(16)));
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(20)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(24)));
        Assert.Equal(13, BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(28)));
        Assert.Equal("opc.tcp://a:1"u8.ToArray(), hello[32..]);
    }

    [Fact]
    public void AcknowledgeIsParsedAndTooSmallBuffersAreRefused()
    {
        var body = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), 16384);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(12), 4_000_000);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(16), 100);
        var ack = UaTcpMessages.ParseAcknowledge(body);
        Assert.Equal(65535u, ack.ReceiveBufferSize);
        Assert.Equal(16384u, ack.SendBufferSize);
        Assert.Equal(4_000_000u, ack.MaxMessageSize);
        Assert.Equal(100u, ack.MaxChunkCount);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), 1024);
        Assert.Throws<ProtocolViolationException>(() => UaTcpMessages.ParseAcknowledge(body));
        for (int cut = 0; cut < 20; cut++) Assert.Throws<ProtocolViolationException>(() => UaTcpMessages.ParseAcknowledge(body.AsSpan(0, cut)));
    }

    [Fact]
    public void ErrorBodyGivesStatusAndReasonEvenWhenCut()
    {
        byte[] body = [0x00, 0x00, 0x82, 0x80, 3, 0, 0, 0, (byte)'b', (byte)'a', (byte)'d'];
        var (status, reason) = UaTcpMessages.ParseError(body);
        Assert.Equal(0x80820000u, status);
        Assert.Equal("bad", reason);
        for (int cut = 0; cut < body.Length; cut++)
        {
            var (s, r) = UaTcpMessages.ParseError(body.AsSpan(0, cut));
            Assert.NotNull(r);
            _ = s;
        }
    }

    [Fact]
    public void ChunkHeaderRoundTrips()
    {
        var buffer = new byte[8];
        ChunkHeader.Write(buffer, ChunkHeader.Msg, (byte)'C', 8192);
        var h = ChunkHeader.Parse(buffer);
        Assert.Equal("MSGC", h.TypeName);
        Assert.Equal(8192u, h.Size);
    }
}
