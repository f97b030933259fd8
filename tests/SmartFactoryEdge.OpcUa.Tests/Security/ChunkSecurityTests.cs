using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

public sealed class ChunkSecurityTests : IClassFixture<ChunkSecurityTests.Certificates>
{
    private readonly Certificates _certs;

    public ChunkSecurityTests(Certificates certs) => _certs = certs;

    /// <summary>Keys are slow to generate: one set for the class.</summary>
    public sealed class Certificates : IDisposable
    {
        public X509Certificate2 Client { get; } = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:test:client" }, DateTimeOffset.UtcNow);
        public X509Certificate2 Server { get; } = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:test:server" }, DateTimeOffset.UtcNow);
        public X509Certificate2 Server4096 { get; } = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:test:big", KeySize = 4096 }, DateTimeOffset.UtcNow);

        public void Dispose() { Client.Dispose(); Server.Dispose(); Server4096.Dispose(); }
    }

    private static X509Certificate2 PublicOnly(X509Certificate2 c) => X509CertificateLoader.LoadCertificate(c.RawData);

    private (ChunkSecurity Client, ChunkSecurity Server) Pair(SecurityPolicyInfo policy, MessageSecurityMode mode, X509Certificate2? serverCert = null)
    {
        serverCert ??= _certs.Server;
        var client = new ChunkSecurity(policy, mode, _certs.Client, PublicOnly(serverCert), isClient: true);
        var server = new ChunkSecurity(policy, mode, serverCert, PublicOnly(_certs.Client), isClient: false);
        return (client, server);
    }

    /// <summary>Header (MSG F, size, channel 7), a security header of <paramref name="securityHeader"/> bytes, sequence header, body.</summary>
    private static (byte[] Chunk, int SequenceStart, int BodyEnd) Chunk(int securityHeader, byte[] body, uint tokenId = 1)
    {
        var chunk = new byte[16384];
        "MSGF"u8.CopyTo(chunk);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(8), 7);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(12), tokenId);
        var sequenceStart = 12 + securityHeader;
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(sequenceStart), 51);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(sequenceStart + 4), 9);
        body.CopyTo(chunk, sequenceStart + 8);
        return (chunk, sequenceStart, sequenceStart + 8 + body.Length);
    }

    private static byte[] Body(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    public static TheoryData<string, MessageSecurityMode> Cases()
    {
        var data = new TheoryData<string, MessageSecurityMode>();
        foreach (var p in SecurityPolicyInfo.Supported)
            foreach (var m in new[] { MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt })
                data.Add(p.Name, m);
        return data;
    }

    private static SecurityPolicyInfo Policy(string name) => SecurityPolicyInfo.Supported.Single(p => p.Name == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void SymmetricChunksRoundTripAndTamperingIsDetected(string policyName, MessageSecurityMode mode)
    {
        var (client, server) = Pair(Policy(policyName), mode);
        using (client) using (server)
        {
            var clientNonce = client.CreateNonce();
            var serverNonce = server.CreateNonce();
            client.OnTokenIssued(1, clientNonce, serverNonce);
            server.OnTokenIssued(1, clientNonce, serverNonce);
            foreach (var length in new[] { 0, 1, 15, 16, 100, 1000 })
            {
                var body = Body(length);
                var (chunk, seq, end) = Chunk(4, body);
                var size = client.SecureChunk(chunk, seq, end, asymmetric: false);
                Assert.Equal((uint)size, BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4)));
                if (mode == MessageSecurityMode.SignAndEncrypt)
                {
                    Assert.Equal(0, (size - seq) % 16);
                    if (length >= 16) Assert.False(chunk.AsSpan(seq + 8, 16).SequenceEqual(body.AsSpan(0, 16)));
                }
                else Assert.True(chunk.AsSpan(seq + 8, length).SequenceEqual(body));
                var copy = chunk[..size];
                var bodyEnd = server.UnsecureChunk(copy, seq, asymmetric: false);
                Assert.Equal(body, copy[(seq + 8)..bodyEnd]);

                var tampered = chunk[..size];
                tampered[seq + 3] ^= 0x40;
                Assert.Throws<ProtocolViolationException>(() => server.UnsecureChunk(tampered, seq, asymmetric: false));
            }
            // and back from the server to the client
            var (reply, rseq, rend) = Chunk(4, Body(300));
            var rsize = server.SecureChunk(reply, rseq, rend, asymmetric: false);
            Assert.Equal(Body(300), reply[(rseq + 8)..client.UnsecureChunk(reply.AsSpan(0, rsize), rseq, asymmetric: false)]);
        }
    }

    [Theory]
    [InlineData("Basic256Sha256", false)]
    [InlineData("Aes128_Sha256_RsaOaep", false)]
    [InlineData("Aes256_Sha256_RsaPss", false)]
    [InlineData("Basic256Sha256", true)]
    public void AsymmetricChunksRoundTrip(string policyName, bool bigServerKey)
    {
        var serverCert = bigServerKey ? _certs.Server4096 : _certs.Server;
        var (client, server) = Pair(Policy(policyName), MessageSecurityMode.SignAndEncrypt, serverCert);
        using (client) using (server)
        {
            var body = Body(700);
            var (chunk, seq, end) = Chunk(1200, body); // room for a certificate in the asymmetric header
            var size = client.SecureChunk(chunk, seq, end, asymmetric: true);
            Assert.Equal(0, (size - seq) % (bigServerKey ? 512 : 256));
            Assert.True(size <= 12 + 1200 + client.MaxBodySize(chunk.Length, seq, true) + 2048);
            var received = chunk[..size];
            Assert.Equal(body, received[(seq + 8)..server.UnsecureChunk(received, seq, asymmetric: true)]);

            var tampered = chunk[..size];
            tampered[5] ^= 1; // the size in the header is signed
            Assert.Throws<ProtocolViolationException>(() => server.UnsecureChunk(tampered, seq, asymmetric: true));

            var (reply, rseq, rend) = Chunk(1200, Body(500));
            var rsize = server.SecureChunk(reply, rseq, rend, asymmetric: true);
            Assert.Equal(Body(500), reply[(rseq + 8)..client.UnsecureChunk(reply.AsSpan(0, rsize), rseq, asymmetric: true)]);
        }
    }

    [Fact]
    public void MaxBodySizeFillsTheBufferWithoutOverflow()
    {
        var (client, server) = Pair(SecurityPolicyInfo.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
        using (client) using (server)
        {
            client.OnTokenIssued(1, new byte[32], new byte[32]);
            server.OnTokenIssued(1, new byte[32], new byte[32]);
            foreach (var asymmetric in new[] { false, true })
            {
                var buffer = new byte[8192];
                var seq = asymmetric ? 1212 : 16;
                var max = client.MaxBodySize(buffer.Length, seq, asymmetric);
                var (chunk, _, end) = Chunk(seq - 12, Body(max));
                var size = client.SecureChunk(chunk.AsSpan(0, buffer.Length), seq, end, asymmetric);
                Assert.True(size <= buffer.Length, $"{size} > {buffer.Length}");
                Assert.True(size > buffer.Length - (asymmetric ? 256 : 16), $"{size} wastes room");
                Assert.Equal(Body(max), chunk[(seq + 8)..server.UnsecureChunk(chunk.AsSpan(0, size), seq, asymmetric)]);
            }
        }
    }

    [Fact]
    public void PreviousTokenKeysStayValidForReceivingAfterRenewal()
    {
        var (client, server) = Pair(SecurityPolicyInfo.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
        using (client) using (server)
        {
            byte[] n1 = client.CreateNonce(), s1 = server.CreateNonce(), n2 = client.CreateNonce(), s2 = server.CreateNonce();
            client.OnTokenIssued(1, n1, s1);
            server.OnTokenIssued(1, n1, s1);
            var (old, seq, end) = Chunk(4, Body(64), tokenId: 1);
            var oldSize = server.SecureChunk(old, seq, end, false);
            client.OnTokenIssued(2, n2, s2);
            Assert.Equal(Body(64), old[(seq + 8)..client.UnsecureChunk(old.AsSpan(0, oldSize), seq, false)]);
            var (unknown, useq, uend) = Chunk(4, Body(64), tokenId: 1);
            var usize = server.SecureChunk(unknown, useq, uend, false);
            BinaryPrimitives.WriteUInt32LittleEndian(unknown.AsSpan(12), 99);
            Assert.Contains("unknown security token 99", Assert.Throws<ProtocolViolationException>(() => client.UnsecureChunk(unknown.AsSpan(0, usize), useq, false)).Message);
        }
    }

    [Theory]
    [InlineData(MessageSecurityMode.Sign, false)]
    [InlineData(MessageSecurityMode.SignAndEncrypt, false)]
    [InlineData(MessageSecurityMode.SignAndEncrypt, true)]
    public void CutAndMutatedChunksAreRejectedWithProtocolViolations(MessageSecurityMode mode, bool asymmetric)
    {
        var (client, server) = Pair(SecurityPolicyInfo.Basic256Sha256, mode);
        using (client) using (server)
        {
            client.OnTokenIssued(1, new byte[32], new byte[32]);
            server.OnTokenIssued(1, new byte[32], new byte[32]);
            var (chunk, seq, end) = Chunk(asymmetric ? 60 : 4, Body(asymmetric ? 300 : 200));
            var size = client.SecureChunk(chunk, seq, end, asymmetric);
            var secured = chunk[..size];
            // every cut (asymmetric: at block boundaries and a few odd places; RSA is slow)
            var cuts = asymmetric ? [seq, seq + 1, size - 256, size - 255, size - 1] : Enumerable.Range(seq, size - seq).ToArray();
            foreach (var cut in cuts)
                Assert.Throws<ProtocolViolationException>(() => server.UnsecureChunk(secured[..cut], seq, asymmetric));
            var iterations = asymmetric ? 50 : int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 3000;
            var random = new Random(6);
            for (int i = 0; i < iterations; i++)
            {
                var mutated = secured.ToArray();
                var flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++) mutated[random.Next(seq, mutated.Length)] ^= (byte)random.Next(1, 256);
                Assert.Throws<ProtocolViolationException>(() => server.UnsecureChunk(mutated, seq, asymmetric));
            }
        }
    }
}
