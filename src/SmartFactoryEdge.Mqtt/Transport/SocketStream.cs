using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace SmartFactoryEdge.Mqtt.Transport;

/// <summary>
/// The TCP byte stream to the broker, in place of <see cref="NetworkStream"/>. The socket reports a failure as an
/// error code on a reused <see cref="SocketAsyncEventArgs"/> and the exception is made here. Why: the runtime's async
/// socket methods record the caller's stack with file and line numbers on every failure
/// (ExceptionDispatchInfo.SetCurrentStackTrace), which loads the portable-PDB readers (System.Reflection.Metadata and
/// friends, ~2 MB resident for the rest of the process) the first time a broker goes away or refuses a reconnect.
/// One read and one write may be in flight at once; cancelling either closes the socket (the MQTT session cannot
/// continue after a half-written packet anyway).
/// </summary>
internal sealed class SocketStream : Stream
{
    private readonly Socket _socket;
    private readonly Operation _receive;
    private readonly Operation _send;
    private int _disposed;

    private SocketStream(Socket socket)
    {
        _socket = socket;
        _receive = new Operation(this);
        _send = new Operation(this);
    }

    /// <summary>Connects a new socket to <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable, unknown host).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static async Task<SocketStream> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EndPoint remote = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        var socket = remote is IPEndPoint ip ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        var stream = new SocketStream(socket);
        try
        {
            await stream._receive.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        return _receive.ReceiveAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (!buffer.IsEmpty)
        {
            var sent = await _send.SendAsync(buffer, cancellationToken).ConfigureAwait(false);
            buffer = buffer[sent..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var received = _socket.Receive(buffer, SocketFlags.None, out var error);
        return error == SocketError.Success ? received : throw ReadFailure(error);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var sent = _socket.Send(buffer, SocketFlags.None, out var error);
            if (error != SocketError.Success) throw WriteFailure(error);
            buffer = buffer[sent..];
        }
    }

    public override void Flush()
    {
        // every write goes straight to the socket
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // not connected (any more): closing is all that is left
            }
            _socket.Dispose();
            _receive.Dispose();
            _send.Dispose();
        }
        base.Dispose(disposing);
    }

    private static IOException ReadFailure(SocketError error)
    {
        var inner = new SocketException((int)error);
        return new IOException($"Unable to read data from the transport connection: {inner.Message}.", inner);
    }

    private static IOException WriteFailure(SocketError error)
    {
        var inner = new SocketException((int)error);
        return new IOException($"Unable to write data to the transport connection: {inner.Message}.", inner);
    }

    /// <summary>One reusable socket operation, awaitable without allocating.</summary>
    private sealed class Operation : SocketAsyncEventArgs, IValueTaskSource<int>, IValueTaskSource
    {
        private enum Kind { Connect, Receive, Send }

        private readonly SocketStream _owner;
        private ManualResetValueTaskSourceCore<int> _core;
        private CancellationTokenRegistration _cancellation;
        private CancellationToken _token;
        private Kind _kind;
        private int _busy;

        public Operation(SocketStream owner) : base(unsafeSuppressExecutionContextFlow: true) => _owner = owner;

        public ValueTask ConnectAsync(EndPoint remote, CancellationToken cancellationToken)
        {
            Begin(Kind.Connect, cancellationToken);
            RemoteEndPoint = remote;
            var pending = _owner._socket.ConnectAsync(this);
            return new ValueTask(Await(pending), _core.Version);
        }

        public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Begin(Kind.Receive, cancellationToken);
            SetBuffer(buffer);
            return new ValueTask<int>(Await(_owner._socket.ReceiveAsync(this)), _core.Version);
        }

        public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
        {
            Begin(Kind.Send, cancellationToken);
            // the socket only reads from the buffer while sending
            SetBuffer(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer));
            return new ValueTask<int>(Await(_owner._socket.SendAsync(this)), _core.Version);
        }

        private void Begin(Kind kind, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _busy, 1) != 0)
                throw new InvalidOperationException($"Another socket {kind.ToString().ToLowerInvariant()} is already in progress on this stream.");
            ObjectDisposedException.ThrowIf(_owner.IsDisposed, _owner);
            _kind = kind;
            _token = cancellationToken;
            _core.Reset();
            // an operation cannot be cancelled alone: closing the socket aborts it, and it then reports the cancellation
            _cancellation = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static o => ((SocketStream)o!).Dispose(), _owner)
                : default;
        }

        private Operation Await(bool pending)
        {
            if (!pending) Complete();
            return this;
        }

        protected override void OnCompleted(SocketAsyncEventArgs e) => Complete();

        private void Complete()
        {
            // Unregister, not Dispose: Dispose would wait for a running callback, which may be the one completing us
            _cancellation.Unregister();
            _cancellation = default;
            var error = SocketError;
            Exception? failure = null;
            if (_token.IsCancellationRequested && error != SocketError.Success) failure = new OperationCanceledException(_token);
            else if (error != SocketError.Success)
                failure = _kind switch
                {
                    Kind.Receive => ReadFailure(error),
                    Kind.Send => WriteFailure(error),
                    _ => new SocketException((int)error),
                };
            var transferred = BytesTransferred;
            if (_kind != Kind.Connect)
            {
                try
                {
                    SetBuffer(Memory<byte>.Empty); // do not keep the caller's buffer alive
                }
                catch (ObjectDisposedException)
                {
                    // the stream was closed meanwhile: the buffer goes with this object
                }
            }
            Volatile.Write(ref _busy, 0);
            if (failure is null) _core.SetResult(transferred);
            else _core.SetException(failure);
        }

        public int GetResult(short token) => _core.GetResult(token);

        void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
