using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.Benchmarks.OpcUa;

/// <summary>
/// The client's receive cost of one secured MSG chunk carrying a PublishResponse of 1000 double data changes (~30 KB):
/// copy the chunk, verify its HMAC-SHA256 and (SignAndEncrypt) AES-CBC decrypt it and check the padding, then decode
/// the PublishResponse. None does the copy and the decode only. The ratio to None is the price of message security
/// on the subscription path, independent of the server. On a shared machine compare Min and Median, not Mean.
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class SecuredChunkReceiveBenchmark
{
    private const int SequenceStart = 16; // MSG header (12) + token id (4)
    private byte[] _secured = [];
    private byte[] _work = [];
    private ChunkSecurity? _client;

    [Params("None", "Basic256Sha256/Sign", "Basic256Sha256/SignAndEncrypt", "Aes256_Sha256_RsaPss/SignAndEncrypt")]
    public string Security { get; set; } = "None";

    [GlobalSetup]
    public void Setup()
    {
        var body = PublishResponseBody(1000);
        var chunk = new byte[65536];
        "MSGF"u8.CopyTo(chunk);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(8), 7);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(12), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(SequenceStart), 51);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(SequenceStart + 4), 9);
        body.CopyTo(chunk, SequenceStart + 8);
        var bodyEnd = SequenceStart + 8 + body.Length;
        if (Security == "None")
        {
            BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)bodyEnd);
            _secured = chunk[..bodyEnd];
        }
        else
        {
            var parts = Security.Split('/');
            var policy = SecurityPolicyInfo.Supported.Single(p => p.Name == parts[0]);
            var mode = Enum.Parse<MessageSecurityMode>(parts[1]);
            using var clientCert = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:bench:client" }, DateTimeOffset.UtcNow);
            using var serverCert = ApplicationCertificate.Create(new ApplicationCertificateOptions { ApplicationUri = "urn:bench:server" }, DateTimeOffset.UtcNow);
            _client = new ChunkSecurity(policy, mode, clientCert, X509CertificateLoader.LoadCertificate(serverCert.RawData), isClient: true);
            using var server = new ChunkSecurity(policy, mode, serverCert, X509CertificateLoader.LoadCertificate(clientCert.RawData), isClient: false);
            var clientNonce = _client.CreateNonce();
            var serverNonce = server.CreateNonce();
            _client.OnTokenIssued(1, clientNonce, serverNonce);
            server.OnTokenIssued(1, clientNonce, serverNonce);
            var size = server.SecureChunk(chunk, SequenceStart, bodyEnd, asymmetric: false);
            _secured = chunk[..size];
        }
        _work = new byte[_secured.Length];
        Console.WriteLine($"// {Security}: chunk of {_secured.Length} bytes, body {body.Length} bytes");
    }

    [GlobalCleanup]
    public void Cleanup() => _client?.Dispose();

    /// <summary>Chunk size in bytes (to turn the mean time into MB/s).</summary>
    public int ChunkBytes => _secured.Length;

    /// <summary>Only the copy and the message security (verify, decrypt, padding): what security adds per chunk.</summary>
    [Benchmark]
    public int UnsecureChunk()
    {
        _secured.CopyTo(_work, 0);
        return _client is null ? _work.Length : _client.UnsecureChunk(_work, SequenceStart, asymmetric: false);
    }

    [Benchmark]
    public double ReceiveChunk()
    {
        _secured.CopyTo(_work, 0);
        var bodyEnd = _client is null ? _work.Length : _client.UnsecureChunk(_work, SequenceStart, asymmetric: false);
        var d = new BinaryDecoder(_work.AsSpan((SequenceStart + 8)..bodyEnd));
        var r = PublishResponse.Decode(ref d);
        double sum = 0;
        foreach (var n in r.NotificationMessage.DataChanges) sum += n.Value.Value.ToDouble();
        return sum;
    }

    private static byte[] PublishResponseBody(int values)
    {
        using var e = new BinaryEncoder();
        new ResponseHeader { Timestamp = DateTime.UtcNow, RequestHandle = 1 }.Encode(e);
        e.WriteUInt32(1);
        e.WriteUInt32Array([5u]);
        e.WriteBoolean(false);
        var now = DateTime.UtcNow;
        var items = Enumerable.Range(0, values).Select(i => new MonitoredItemNotification((uint)i, new DataValue(new Variant(i + 0.5), StatusCode.Good, now, now))).ToArray();
        new NotificationMessage(5, now) { DataChanges = items }.Encode(e);
        e.WriteInt32(0);
        e.WriteInt32(-1);
        return e.ToArray();
    }
}
