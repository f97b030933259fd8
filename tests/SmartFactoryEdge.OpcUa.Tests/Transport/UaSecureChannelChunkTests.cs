using System.Buffers.Binary;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Transport;

namespace SmartFactoryEdge.OpcUa.Tests.Transport;

public class UaSecureChannelChunkTests
{
    private static readonly SecureChannelOptions SmallLimits = new() { Limits = new TransportLimits { MaxChunkCount = 8, MaxMessageSize = 4096 } };

    /// <summary>A symmetric MSG chunk: header, channel id 0, token 0, sequence, request id, body.</summary>
    private static byte[] Chunk(char type, uint sequence, uint requestId, ReadOnlySpan<byte> body)
    {
        var chunk = new byte[24 + body.Length];
        ChunkHeader.Write(chunk, ChunkHeader.Msg, (byte)type, (uint)chunk.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(16), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(20), requestId);
        body.CopyTo(chunk.AsSpan(24));
        return chunk;
    }

    [Fact]
    public async Task ChunksAreReassembledForTheirRequest()
    {
        await using var channel = new UaSecureChannel("opc.tcp://127.0.0.1:1", options: SmallLimits);
        var first = channel.ExpectResponseForTest(7);
        var second = channel.ExpectResponseForTest(8);
        channel.ProcessChunk(Chunk('C', 1, 7, new byte[100]));
        channel.ProcessChunk(Chunk('F', 2, 8, new byte[10])); // interleaved single-chunk response to another request
        channel.ProcessChunk(Chunk('C', 3, 7, new byte[100]));
        channel.ProcessChunk(Chunk('F', 4, 7, new byte[5]));
        Assert.Equal(205, await first.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(10, await second.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task LimitsAndSequenceNumbersAreEnforced()
    {
        await using var channel = new UaSecureChannel("opc.tcp://127.0.0.1:1", options: SmallLimits);
        uint seq = 1;
        for (int i = 0; i < 8; i++) channel.ProcessChunk(Chunk('C', seq++, 9, new byte[10]));
        var tooMany = Assert.Throws<ProtocolViolationException>(() => channel.ProcessChunk(Chunk('C', seq++, 9, new byte[10])));
        Assert.Contains("more than 8 chunks", tooMany.Message);
        var tooBig = Assert.Throws<ProtocolViolationException>(() => channel.ProcessChunk(Chunk('F', seq++, 10, new byte[5000])));
        Assert.Contains("4096", tooBig.Message);
        var skipped = Assert.Throws<ProtocolViolationException>(() => channel.ProcessChunk(Chunk('F', seq + 5, 11, new byte[1])));
        Assert.Contains("sequence number", skipped.Message);
    }

    [Fact]
    public async Task AbortChunkFailsTheRequestWithTheServersStatus()
    {
        await using var channel = new UaSecureChannel("opc.tcp://127.0.0.1:1", options: SmallLimits);
        var pending = channel.ExpectResponseForTest(3);
        channel.ProcessChunk(Chunk('C', 1, 3, new byte[10]));
        using var e = new BinaryEncoder();
        e.WriteUInt32(0x80080000);
        e.WriteString("too large");
        channel.ProcessChunk(Chunk('A', 2, 3, e.WrittenSpan));
        var ex = await Assert.ThrowsAsync<SmartFactoryEdge.OpcUa.Services.ServiceResultException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("too large", ex.Message);
    }

    [Fact]
    public async Task MutatedChunkStreamsGiveAClearErrorNeverACrash()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? Math.Max(1, n / 10) : 10_000;
        var random = new Random(7);
        var valid = new[] { Chunk('C', 1, 5, new byte[40]), Chunk('C', 2, 5, new byte[40]), Chunk('F', 3, 5, new byte[40]) };
        int accepted = 0, refused = 0;
        for (int i = 0; i < iterations; i++)
        {
            await using var channel = new UaSecureChannel("opc.tcp://127.0.0.1:1", options: SmallLimits);
            var stream = valid.Select(c => (byte[])c.Clone()).ToArray();
            var target = stream[random.Next(stream.Length)];
            for (int m = random.Next(1, 4); m > 0; m--) target[random.Next(target.Length)] = (byte)random.Next(256);
            var cut = random.Next(4) == 0 ? random.Next(target.Length) : target.Length;
            try
            {
                foreach (var c in stream) channel.ProcessChunk(c == target ? c.AsSpan(0, cut) : c);
                accepted++;
            }
            catch (Exception ex) when (ex is ProtocolViolationException)
            {
                refused++;
            }
        }
        Assert.Equal(iterations, accepted + refused);
        Assert.True(refused > 0);
    }
}
