using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Transport;

namespace SmartFactoryEdge.OpcUa.SecureChannel;

/// <summary>Settings of one secure channel.</summary>
public sealed record SecureChannelOptions
{
    /// <summary>What we announce in Hello: our receive/send buffers and the largest message and chunk count we accept.</summary>
    public TransportLimits Limits { get; init; } = new();

    /// <summary>Requested token lifetime; the channel renews at 75% of the revised lifetime.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default timeout of a request when the caller gives none.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public DecodingLimits DecodingLimits { get; init; } = DecodingLimits.Default;
}

/// <summary>
/// A UA-TCP connection with a secure channel on top (Part 6, 6.7 and 7.1): Hello/Acknowledge, OpenSecureChannel,
/// chunking of requests within the server's limits, reassembly of responses within ours, request-id matching for
/// concurrent requests, token renewal at 75% of the lifetime, CloseSecureChannel. One receive loop per channel.
/// </summary>
public sealed class UaSecureChannel : IAsyncDisposable
{
    private const int SymmetricHeaderLength = 16; // header 8 + channel id 4 + token id 4
    private const int SequenceHeaderLength = 8;

    private readonly Uri _endpoint;
    private readonly string _endpointUrl;
    private readonly ISecurityPolicy _policy;

    /// <summary>The security policy and mode of this channel.</summary>
    public ISecurityPolicy Policy => _policy;
    private readonly SecureChannelOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, Pending> _pending = new();
    private readonly Dictionary<uint, Assembly> _assemblies = [];
    private readonly CancellationTokenSource _life = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpClient? _tcp;
    private NetworkStream? _stream;
    private Task? _receiveLoop;
    private Task? _renewLoop;
    private TransportLimits _peer = new();
    private uint _channelId;
    private uint _tokenId;
    private uint _previousTokenId;
    private uint _lastSequenceSent = 0;
    private uint? _lastSequenceReceived;
    private int _nextRequestId;
    private int _nextRequestHandle;
    private TimeSpan _revisedLifetime;
    private byte[] _sendBuffer = [];

    private sealed class Pending(TaskCompletionSource<Response> tcs)
    {
        public TaskCompletionSource<Response> Completion { get; } = tcs;
    }

    private sealed class Assembly
    {
        public byte[] Buffer = ArrayPool<byte>.Shared.Rent(8192);
        public int Length;
        public int Chunks;
    }

    /// <summary>A received message body (type NodeId + body) in a pooled buffer; return it with <see cref="Release"/>.</summary>
    internal readonly record struct Response(byte[] Buffer, int Length)
    {
        public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

        public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    public UaSecureChannel(string endpointUrl, ISecurityPolicy? policy = null, SecureChannelOptions? options = null, ILogger? logger = null)
    {
        _endpointUrl = endpointUrl ?? throw new ArgumentNullException(nameof(endpointUrl));
        if (!Uri.TryCreate(endpointUrl, UriKind.Absolute, out var uri) || uri.Scheme != "opc.tcp")
            throw new ArgumentException($"'{endpointUrl}' is not an opc.tcp:// URL.", nameof(endpointUrl));
        _endpoint = uri;
        _policy = policy ?? NoneSecurityPolicy.Instance;
        _options = options ?? new SecureChannelOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    public string EndpointUrl => _endpointUrl;

    public uint ChannelId => _channelId;

    public uint TokenId => _tokenId;

    /// <summary>Limits negotiated with the server (its buffers, its maximum message size and chunk count).</summary>
    public TransportLimits PeerLimits => _peer;

    public TimeSpan RevisedLifetime => _revisedLifetime;

    /// <summary>Completes when the channel closes or fails (with the exception, or null after a clean close).</summary>
    public Task<Exception?> Closed => _closed.Task;

    public bool IsOpen => _receiveLoop is not null && !_closed.Task.IsCompleted;

    /// <summary>Raised after each token renewal with the new token id.</summary>
    public event Action<uint>? TokenRenewed;

    /// <summary>Number of token renewals done (for tests and metrics).</summary>
    public int Renewals { get; private set; }

    /// <summary>Connects, exchanges Hello/Acknowledge and opens the secure channel.</summary>
    /// <exception cref="PeerUnavailableException">The server cannot be reached or refused the connection.</exception>
    /// <exception cref="ProtocolViolationException">The server broke UA-TCP.</exception>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            _tcp = new TcpClient { NoDelay = true };
            var port = _endpoint.Port > 0 ? _endpoint.Port : 4840;
            await _tcp.ConnectAsync(_endpoint.Host, port, timeout.Token).ConfigureAwait(false);
            _stream = _tcp.GetStream();
            await HelloAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Abort();
            throw new PeerUnavailableException($"OPC UA server {_endpointUrl} did not answer Hello within {_options.ConnectTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            Abort();
            throw new PeerUnavailableException($"OPC UA server {_endpointUrl} cannot be reached: {ex.Message}", ex);
        }
        _sendBuffer = new byte[_peer.ReceiveBufferSize];
        _receiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        try
        {
            await IssueTokenAsync(SecurityTokenRequestType.Issue, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw new PeerUnavailableException($"OPC UA server {_endpointUrl} did not answer OpenSecureChannel.");
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _renewLoop = Task.Run(RenewLoopAsync, CancellationToken.None);
        SecureChannelLog.Opened(_logger, _endpointUrl, _channelId, _revisedLifetime.TotalSeconds, _peer.ReceiveBufferSize, _peer.MaxMessageSize);
    }

    private async Task HelloAsync(CancellationToken ct)
    {
        var hello = UaTcpMessages.EncodeHello(_options.Limits, _endpointUrl);
        await _stream!.WriteAsync(hello, ct).ConfigureAwait(false);
        var header = new byte[ChunkHeader.Length];
        await _stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
        var h = ChunkHeader.Parse(header);
        if (h.Size < ChunkHeader.Length || h.Size > 8192)
            throw new ProtocolViolationException($"{_endpointUrl} answered Hello with a {h.TypeName} of {h.Size} bytes.");
        var body = new byte[h.Size - ChunkHeader.Length];
        await _stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
        if (h.MessageType == ChunkHeader.Err)
        {
            var (status, reason) = UaTcpMessages.ParseError(body);
            throw new PeerUnavailableException($"{_endpointUrl} refused Hello: {new StatusCode(status)} {reason}");
        }
        if (h.MessageType != ChunkHeader.Ack)
            throw new ProtocolViolationException($"{_endpointUrl} answered Hello with {h.TypeName}, expected ACKF.");
        var ack = UaTcpMessages.ParseAcknowledge(body);
        // what we may send is bounded by the server's receive buffer; what it sends by our receive buffer
        _peer = ack with { ReceiveBufferSize = Math.Min(ack.ReceiveBufferSize, _options.Limits.SendBufferSize) };
    }

    private async Task IssueTokenAsync(SecurityTokenRequestType type, CancellationToken ct)
    {
        var nonce = _policy.CreateClientNonce();
        var request = new OpenSecureChannelRequest
        {
            RequestType = type,
            SecurityMode = _policy.Mode,
            ClientNonce = nonce,
            RequestedLifetime = (uint)Math.Min(uint.MaxValue, _options.TokenLifetime.TotalMilliseconds),
        };
        var response = await SendCoreAsync<OpenSecureChannelResponse>(request, ChunkHeader.Opn, _options.RequestTimeout, ct).ConfigureAwait(false);
        if (response.ResponseHeader.ServiceResult.IsBad)
            throw new ServiceResultException(response.ResponseHeader.ServiceResult, $"OpenSecureChannel on {_endpointUrl}");
        _channelId = response.SecurityToken.ChannelId;
        _previousTokenId = _tokenId;
        _tokenId = response.SecurityToken.TokenId;
        _revisedLifetime = TimeSpan.FromMilliseconds(Math.Max(1000, response.SecurityToken.RevisedLifetime));
        _policy.OnTokenIssued(_tokenId, nonce, response.ServerNonce);
    }

    private async Task RenewLoopAsync()
    {
        var ct = _life.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(_revisedLifetime * 0.75, ct).ConfigureAwait(false);
                await IssueTokenAsync(SecurityTokenRequestType.Renew, ct).ConfigureAwait(false);
                Renewals++;
                TokenRenewed?.Invoke(_tokenId);
                SecureChannelLog.Renewed(_logger, _endpointUrl, _tokenId, _revisedLifetime.TotalSeconds);
            }
        }
        catch (OperationCanceledException)
        {
            // closing
        }
        catch (Exception ex)
        {
            SecureChannelLog.RenewFailed(_logger, _endpointUrl, ex.Message);
            Fail(ex);
        }
    }

    /// <summary>Sends a service request and waits for its response (any number may be outstanding).</summary>
    /// <exception cref="ServiceResultException">The server answered with a ServiceFault or a Bad service result.</exception>
    /// <exception cref="PeerUnavailableException">The channel closed or the request timed out.</exception>
    public async Task<TResponse> SendRequestAsync<TResponse>(ServiceRequest request, TimeSpan? timeout, CancellationToken cancellationToken)
        where TResponse : IServiceResponse<TResponse>
    {
        var response = await SendCoreAsync<TResponse>(request, ChunkHeader.Msg, timeout ?? _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        var status = response.ResponseHeader.ServiceResult;
        if (status.IsBad) throw new ServiceResultException(status, $"{typeof(TResponse).Name[..^8]} on {_endpointUrl}");
        return response;
    }

    private async Task<TResponse> SendCoreAsync<TResponse>(ServiceRequest request, uint messageType, TimeSpan timeout, CancellationToken ct)
        where TResponse : IServiceResponse<TResponse>
    {
        if (_closed.Task.IsCompleted) throw new PeerUnavailableException($"Secure channel to {_endpointUrl} is closed.", _closeReason ?? new IOException("closed"));
        var requestId = (uint)Interlocked.Increment(ref _nextRequestId);
        request.RequestHeader.RequestHandle = (uint)Interlocked.Increment(ref _nextRequestHandle);
        request.RequestHeader.Timestamp = DateTime.UtcNow;
        request.RequestHeader.TimeoutHint = (uint)Math.Min(uint.MaxValue, timeout.TotalMilliseconds);
        var pending = new Pending(new TaskCompletionSource<Response>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[requestId] = pending;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan) cts.CancelAfter(timeout);
        Response response = default;
        var received = false;
        try
        {
            using (var body = new BinaryEncoder(1024))
            {
                body.WriteNodeId(new NodeId(request.BinaryEncodingId));
                request.Encode(body);
                await SendMessageAsync(messageType, requestId, body.WrittenMemory, cts.Token).ConfigureAwait(false);
            }
            response = await pending.Completion.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            received = true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ServiceResultException(new StatusCode(StatusCodes.BadTimeout),
                $"{request.GetType().Name} to {_endpointUrl} got no response within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            if (_pending.TryRemove(requestId, out var p) && !received && p.Completion.Task.IsCompletedSuccessfully)
                (await p.Completion.Task.ConfigureAwait(false)).Release(); // completed: returns at once
        }
        try
        {
            return Decode<TResponse>(response.Span);
        }
        finally
        {
            response.Release();
        }
    }

    private TResponse Decode<TResponse>(ReadOnlySpan<byte> message) where TResponse : IServiceResponse<TResponse>
    {
        var d = new BinaryDecoder(message, _options.DecodingLimits);
        var typeId = d.ReadNodeId();
        if (typeId.IdType == NodeIdType.Numeric && typeId.NamespaceIndex == 0)
        {
            if (typeId.Numeric == TResponse.BinaryEncodingIdStatic) return TResponse.Decode(ref d);
            if (typeId.Numeric == EncodingIds.ServiceFault)
            {
                var fault = ServiceFault.Decode(ref d);
                throw new ServiceResultException(fault.ResponseHeader.ServiceResult, $"ServiceFault from {_endpointUrl} for {typeof(TResponse).Name[..^8]}");
            }
        }
        throw new ProtocolViolationException($"{_endpointUrl} answered with {typeId}, expected {typeof(TResponse).Name} ({TResponse.BinaryEncodingIdStatic}).");
    }

    private async Task SendMessageAsync(uint messageType, uint requestId, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var maxMessage = _peer.MaxMessageSize;
        if (maxMessage != 0 && body.Length > maxMessage)
            throw new ProtocolViolationException($"Request of {body.Length} bytes exceeds {_endpointUrl}'s MaxMessageSize {maxMessage}.");
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var stream = _stream ?? throw new PeerUnavailableException($"Secure channel to {_endpointUrl} is not connected.");
            var buffer = _sendBuffer;
            var offset = 0;
            var chunks = 0;
            do
            {
                int headerLength;
                if (messageType == ChunkHeader.Opn)
                {
                    // asymmetric security header: policy URI, sender certificate, receiver thumbprint
                    using var h = new BinaryEncoder(128);
                    h.WriteString(_policy.Uri);
                    h.WriteByteString(_policy.ClientCertificate);
                    h.WriteByteString(_policy.ServerCertificateThumbprint);
                    headerLength = 12 + h.Position;
                    h.WrittenSpan.CopyTo(buffer.AsSpan(12));
                }
                else
                {
                    headerLength = SymmetricHeaderLength;
                    BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), _tokenId);
                }
                var asymmetric = messageType == ChunkHeader.Opn;
                var room = _policy.MaxBodySize(buffer.Length, headerLength, asymmetric);
                var take = Math.Min(room, body.Length - offset);
                var final = offset + take == body.Length;
                chunks++;
                if (!final && _peer.MaxChunkCount != 0 && chunks >= _peer.MaxChunkCount)
                    throw new ProtocolViolationException($"Request needs more than {_peer.MaxChunkCount} chunks allowed by {_endpointUrl}.");
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(8), _channelId);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(headerLength), ++_lastSequenceSent);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(headerLength + 4), requestId);
                body.Span.Slice(offset, take).CopyTo(buffer.AsSpan(headerLength + SequenceHeaderLength));
                var end = headerLength + SequenceHeaderLength + take;
                ChunkHeader.Write(buffer, messageType, final ? (byte)'F' : (byte)'C', (uint)end);
                var size = _policy.SecureChunk(buffer, headerLength, end, asymmetric);
                ChunkHeader.Write(buffer, messageType, final ? (byte)'F' : (byte)'C', (uint)size);
                await stream.WriteAsync(buffer.AsMemory(0, size), ct).ConfigureAwait(false);
                offset += take;
            }
            while (offset < body.Length);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Fail(ex);
            throw new PeerUnavailableException($"Sending to {_endpointUrl} failed: {ex.Message}", ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var ct = _life.Token;
        var stream = _stream!;
        var chunk = new byte[Math.Max(_options.Limits.ReceiveBufferSize, UaTcpMessages.MinBufferSize)];
        Exception? error = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await stream.ReadExactlyAsync(chunk.AsMemory(0, ChunkHeader.Length), ct).ConfigureAwait(false);
                var h = ChunkHeader.Parse(chunk);
                if (h.Size < ChunkHeader.Length + 4 || h.Size > chunk.Length)
                    throw new ProtocolViolationException($"{_endpointUrl} sent a {h.TypeName} chunk of {h.Size} bytes (our receive buffer is {chunk.Length}).");
                await stream.ReadExactlyAsync(chunk.AsMemory(ChunkHeader.Length, (int)h.Size - ChunkHeader.Length), ct).ConfigureAwait(false);
                OnChunk(h, chunk.AsSpan(0, (int)h.Size));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // closing
        }
        catch (EndOfStreamException)
        {
            error = new PeerUnavailableException($"OPC UA server {_endpointUrl} closed the connection.");
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            error = new PeerUnavailableException($"Connection to {_endpointUrl} failed: {ex.Message}", ex);
        }
        catch (ProtocolViolationException ex)
        {
            SecureChannelLog.ProtocolViolation(_logger, _endpointUrl, ex.Message);
            error = ex;
        }
        Fail(error);
    }

    /// <summary>Feeds one received chunk through the channel's parser (tests: malformed and mutated chunks).</summary>
    internal void ProcessChunk(Span<byte> chunk)
    {
        if (chunk.Length < ChunkHeader.Length + 4) throw new ProtocolViolationException($"Chunk of {chunk.Length} bytes is too short.");
        var h = ChunkHeader.Parse(chunk);
        if (h.Size != chunk.Length) throw new ProtocolViolationException($"Chunk header says {h.Size} bytes, got {chunk.Length}.");
        OnChunk(h, chunk);
    }

    /// <summary>Registers a pending request id so that <see cref="ProcessChunk"/> can deliver to it (tests).</summary>
    internal async Task<int> ExpectResponseForTest(uint requestId)
    {
        var pending = new Pending(new TaskCompletionSource<Response>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[requestId] = pending;
        var r = await pending.Completion.Task.ConfigureAwait(false);
        r.Release();
        return r.Length;
    }

    private void OnChunk(ChunkHeader h, Span<byte> chunk)
    {
        if (h.MessageType == ChunkHeader.Err)
        {
            var (status, reason) = UaTcpMessages.ParseError(chunk[8..]);
            throw new ProtocolViolationException($"{_endpointUrl} sent ERR {new StatusCode(status)}: {reason}");
        }
        if (h.MessageType != ChunkHeader.Msg && h.MessageType != ChunkHeader.Opn && h.MessageType != ChunkHeader.Clo)
            throw new ProtocolViolationException($"{_endpointUrl} sent an unknown message type {h.TypeName}.");
        if (h.ChunkType != 'F' && h.ChunkType != 'C' && h.ChunkType != 'A')
            throw new ProtocolViolationException($"{_endpointUrl} sent chunk type '{(char)h.ChunkType}'.");
        var channelId = BinaryPrimitives.ReadUInt32LittleEndian(chunk[8..]);
        if (_channelId != 0 && channelId != _channelId)
            throw new ProtocolViolationException($"{_endpointUrl} sent channel id {channelId}, ours is {_channelId}.");
        int pos;
        var asymmetric = h.MessageType == ChunkHeader.Opn;
        if (asymmetric)
        {
            var d = new BinaryDecoder(chunk[12..], _options.DecodingLimits);
            var policy = d.ReadString();
            d.ReadByteStringSpan(out _);
            d.ReadByteStringSpan(out _);
            if (policy != _policy.Uri) throw new ProtocolViolationException($"{_endpointUrl} answered with policy {policy}, we asked for {_policy.Uri}.");
            pos = 12 + d.Position;
        }
        else
        {
            var tokenId = BinaryPrimitives.ReadUInt32LittleEndian(chunk[12..]);
            if (tokenId != _tokenId && tokenId != _previousTokenId)
                throw new ProtocolViolationException($"{_endpointUrl} used token {tokenId}, ours is {_tokenId}.");
            pos = SymmetricHeaderLength;
        }
        var end = _policy.UnsecureChunk(chunk, pos, asymmetric);
        if (end - pos < SequenceHeaderLength) throw new ProtocolViolationException($"{_endpointUrl} sent a {h.TypeName} chunk without a sequence header.");
        var sequence = BinaryPrimitives.ReadUInt32LittleEndian(chunk[pos..]);
        var requestId = BinaryPrimitives.ReadUInt32LittleEndian(chunk[(pos + 4)..]);
        CheckSequence(sequence);
        var body = chunk[(pos + SequenceHeaderLength)..end];

        if (h.ChunkType == 'A')
        {
            DropAssembly(requestId);
            var (status, reason) = UaTcpMessages.ParseError(body);
            if (_pending.TryGetValue(requestId, out var aborted))
                aborted.Completion.TrySetException(new ServiceResultException(new StatusCode(status), $"{_endpointUrl} aborted the response: {reason}"));
            return;
        }
        var limits = _options.Limits;
        if (!_assemblies.TryGetValue(requestId, out var assembly))
        {
            if (h.ChunkType == 'F')
            {
                if (limits.MaxMessageSize != 0 && body.Length > limits.MaxMessageSize)
                    throw new ProtocolViolationException($"{_endpointUrl} sent a message over our MaxMessageSize {limits.MaxMessageSize} for request {requestId}.");
                // single-chunk message: the common case
                var buffer = ArrayPool<byte>.Shared.Rent(body.Length);
                body.CopyTo(buffer);
                Deliver(requestId, new Response(buffer, body.Length));
                return;
            }
            assembly = new Assembly();
            _assemblies[requestId] = assembly;
        }
        assembly.Chunks++;
        if (limits.MaxChunkCount != 0 && assembly.Chunks > limits.MaxChunkCount)
        {
            DropAssembly(requestId);
            throw new ProtocolViolationException($"{_endpointUrl} sent more than {limits.MaxChunkCount} chunks for request {requestId}.");
        }
        if (limits.MaxMessageSize != 0 && assembly.Length + body.Length > limits.MaxMessageSize)
        {
            DropAssembly(requestId);
            throw new ProtocolViolationException($"{_endpointUrl} sent a message over our MaxMessageSize {limits.MaxMessageSize} for request {requestId}.");
        }
        if (assembly.Length + body.Length > assembly.Buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(assembly.Buffer.Length * 2, assembly.Length + body.Length));
            assembly.Buffer.AsSpan(0, assembly.Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(assembly.Buffer);
            assembly.Buffer = bigger;
        }
        body.CopyTo(assembly.Buffer.AsSpan(assembly.Length));
        assembly.Length += body.Length;
        if (h.ChunkType == 'F')
        {
            _assemblies.Remove(requestId);
            Deliver(requestId, new Response(assembly.Buffer, assembly.Length));
        }
    }

    private void CheckSequence(uint sequence)
    {
        if (_lastSequenceReceived is { } last)
        {
            var expected = unchecked(last + 1);
            var wrapped = last > uint.MaxValue - 1024 && sequence < 1024;
            if (sequence != expected && !wrapped)
                throw new ProtocolViolationException($"{_endpointUrl} sent sequence number {sequence}, expected {expected}.");
        }
        _lastSequenceReceived = sequence;
    }

    private void DropAssembly(uint requestId)
    {
        if (_assemblies.Remove(requestId, out var a)) ArrayPool<byte>.Shared.Return(a.Buffer);
    }

    private void Deliver(uint requestId, Response response)
    {
        if (_pending.TryGetValue(requestId, out var pending) && pending.Completion.TrySetResult(response)) return;
        response.Release(); // nobody waits any more (timed out or cancelled)
    }

    private Exception? _closeReason;

    private void Fail(Exception? error)
    {
        if (!_closed.TrySetResult(error)) return;
        _closeReason = error;
        if (error is not null) SecureChannelLog.Failed(_logger, _endpointUrl, error.Message);
        _life.Cancel();
        var failure = error as PeerUnavailableException ?? new PeerUnavailableException($"Secure channel to {_endpointUrl} closed.", error ?? new IOException("closed"));
        foreach (var p in _pending.Values) p.Completion.TrySetException(failure);
        Abort();
    }

    private void Abort()
    {
        try { _tcp?.Client?.Close(0); } catch (ObjectDisposedException) { }
        _tcp?.Dispose();
    }

    /// <summary>Sends CloseSecureChannel and closes the socket.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_closed.Task.IsCompleted || _stream is null) { Fail(null); return; }
        try
        {
            using var body = new BinaryEncoder(64);
            var request = new CloseSecureChannelRequest();
            request.RequestHeader.Timestamp = DateTime.UtcNow;
            body.WriteNodeId(new NodeId(request.BinaryEncodingId));
            request.Encode(body);
            await SendMessageAsync(ChunkHeader.Clo, (uint)Interlocked.Increment(ref _nextRequestId), body.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PeerUnavailableException or ProtocolViolationException or OperationCanceledException)
        {
            // closing anyway
        }
        Fail(null);
    }

    public async ValueTask DisposeAsync()
    {
        Fail(null);
        if (_receiveLoop is not null) await _receiveLoop.ConfigureAwait(false);
        if (_renewLoop is not null) await _renewLoop.ConfigureAwait(false);
        foreach (var a in _assemblies.Values) ArrayPool<byte>.Shared.Return(a.Buffer);
        _assemblies.Clear();
        _life.Dispose();
    }
}

internal static partial class SecureChannelLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Secure channel {ChannelId} open to {Endpoint}: token lifetime {LifetimeSeconds} s, server buffer {ReceiveBuffer} B, max message {MaxMessage} B")]
    public static partial void Opened(ILogger logger, string endpoint, uint channelId, double lifetimeSeconds, uint receiveBuffer, uint maxMessage);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Secure channel to {Endpoint} renewed: token {TokenId}, lifetime {LifetimeSeconds} s")]
    public static partial void Renewed(ILogger logger, string endpoint, uint tokenId, double lifetimeSeconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Secure channel to {Endpoint} could not renew its token: {Reason}")]
    public static partial void RenewFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Protocol violation by {Endpoint}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Secure channel to {Endpoint} closed: {Reason}")]
    public static partial void Failed(ILogger logger, string endpoint, string reason);
}
