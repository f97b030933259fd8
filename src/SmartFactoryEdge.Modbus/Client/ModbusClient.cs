using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.Modbus.Transport;
using SmartFactoryEdge.Modbus.Transport.Serial;

namespace SmartFactoryEdge.Modbus.Client;

/// <summary>
/// A Modbus client on one connection (a TCP socket or a serial line) shared by every unit behind it.
/// Requests carry a per-request timeout; answers are matched by transaction id (TCP) or by being the only request
/// on the line (RTU). A lost connection fails the requests in flight and is opened again by the next request.
/// Thread-safe: callers for different units may share one client.
/// </summary>
public class ModbusClient : IAsyncDisposable
{
    private readonly IModbusTransport _transport;
    private readonly ModbusClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<ushort, Pending> _pending = [];
    private readonly byte[] _sendBuffer = new byte[Math.Max(ModbusTcpFraming.MaxAduLength, ModbusRtuFraming.MaxAduLength)];
    private readonly TimeSpan _interFrameDelay;
    private readonly TimeSpan? _gapTimeout;
    private readonly CancellationTokenSource _disposeCts = new();
    private Connection? _connection;
    private int _transactionId;
    private long _lastLineActivity;
    private bool _disposed;

    public ModbusClient(IModbusTransport transport, ModbusFraming framing, ModbusClientOptions? options = null, ILogger<ModbusClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        Framing = framing;
        _options = options ?? new ModbusClientOptions();
        if (_options.RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), _options.RequestTimeout, "RequestTimeout must be positive.");
        _logger = logger ?? (ILogger)NullLogger.Instance;
        int inFlight = framing == ModbusFraming.Rtu ? 1 : Math.Clamp(_options.MaxRequestsInFlight, 1, 256);
        _slots = new SemaphoreSlim(inFlight, inFlight);
        if (transport.BaudRate is { } baud)
        {
            _interFrameDelay = RtuTiming.InterFrameDelay(baud);
            _gapTimeout = _options.RtuFrameGapTimeout ?? _interFrameDelay + TimeSpan.FromMilliseconds(50);
        }
        else
        {
            _gapTimeout = _options.RtuFrameGapTimeout;
        }
    }

    /// <summary>Where the client connects ("127.0.0.1:502", "/dev/ttyUSB0@19200,8E1").</summary>
    public string Endpoint => _transport.Endpoint;

    public ModbusFraming Framing { get; }

    public ModbusClientOptions Options => _options;

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected => _connection is { Faulted: false };

    /// <summary>How many times a connection was opened (1 after the first connect; more after reconnects).</summary>
    public int ConnectCount { get; private set; }

    /// <summary>Opens the connection now (requests open it on demand otherwise).</summary>
    /// <exception cref="PeerUnavailableException">The peer or device cannot be reached.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default) =>
        await GetConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>FC 1: reads <c>destination.Length</c> coils starting at <paramref name="address"/>.</summary>
    public Task ReadCoilsAsync(byte unitId, ushort address, Memory<bool> destination, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.ReadCoils(address, destination.Length), default, destination, cancellationToken);

    /// <summary>FC 2: reads <c>destination.Length</c> discrete inputs starting at <paramref name="address"/>.</summary>
    public Task ReadDiscreteInputsAsync(byte unitId, ushort address, Memory<bool> destination, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.ReadDiscreteInputs(address, destination.Length), default, destination, cancellationToken);

    /// <summary>FC 3: reads <c>destination.Length</c> holding registers starting at <paramref name="address"/>.</summary>
    public Task ReadHoldingRegistersAsync(byte unitId, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.ReadHoldingRegisters(address, destination.Length), destination, default, cancellationToken);

    /// <summary>FC 4: reads <c>destination.Length</c> input registers starting at <paramref name="address"/>.</summary>
    public Task ReadInputRegistersAsync(byte unitId, ushort address, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.ReadInputRegisters(address, destination.Length), destination, default, cancellationToken);

    /// <summary>FC 5.</summary>
    public Task WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.WriteSingleCoil(address, value), default, default, cancellationToken);

    /// <summary>FC 6.</summary>
    public Task WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.WriteSingleRegister(address, value), default, default, cancellationToken);

    /// <summary>FC 15.</summary>
    public Task WriteMultipleCoilsAsync(byte unitId, ushort address, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.WriteMultipleCoils(address, values), default, default, cancellationToken);

    /// <summary>FC 16.</summary>
    public Task WriteMultipleRegistersAsync(byte unitId, ushort address, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.WriteMultipleRegisters(address, values), default, default, cancellationToken);

    /// <summary>FC 23: writes <paramref name="values"/> at <paramref name="writeAddress"/>, then reads into <paramref name="destination"/>.</summary>
    public Task ReadWriteMultipleRegistersAsync(byte unitId, ushort readAddress, Memory<ushort> destination, ushort writeAddress,
        ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        ExecuteAsync(unitId, ModbusRequest.ReadWriteMultipleRegisters(readAddress, destination.Length, writeAddress, values), destination, default, cancellationToken);

    /// <summary>
    /// FC 43 / MEI 14: reads the unit's identification objects (vendor, product code, revision, and more for the
    /// regular and extended categories), following "more follows" until the device has sent them all.
    /// </summary>
    /// <exception cref="ModbusException">The unit does not support the function (often IllegalFunction).</exception>
    public async Task<ModbusDeviceIdentification> ReadDeviceIdentificationAsync(byte unitId, byte readCode = 1, CancellationToken cancellationToken = default)
    {
        var objects = new SortedDictionary<int, string>();
        byte objectId = 0, conformity = 0;
        for (int round = 0; round < 64; round++)
        {
            var request = ModbusRequest.ReadDeviceIdentification(readCode, objectId);
            var pending = await ExecuteCoreAsync(unitId, request, default, default, cancellationToken).ConfigureAwait(false);
            ModbusPdu.ReadDeviceIdentification(pending.Pdu!, objects, out conformity, out bool more, out byte next);
            if (!more || readCode == 4 || next <= objectId) break;
            objectId = next;
        }
        return new ModbusDeviceIdentification(conformity, objects);
    }

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="unitId"/> and waits for its answer, which is decoded into
    /// <paramref name="registers"/> (FC 3, 4, 23) or <paramref name="bits"/> (FC 1, 2).
    /// </summary>
    /// <exception cref="ModbusException">The unit answered with an exception response.</exception>
    /// <exception cref="ModbusTimeoutException">No answer within <see cref="ModbusClientOptions.RequestTimeout"/>.</exception>
    /// <exception cref="PeerUnavailableException">The connection could not be opened or was lost.</exception>
    /// <exception cref="ProtocolViolationException">The answer broke the protocol (bad frame, CRC, echo).</exception>
    public async Task ExecuteAsync(byte unitId, ModbusRequest request, Memory<ushort> registers, Memory<bool> bits, CancellationToken cancellationToken = default) =>
        await ExecuteCoreAsync(unitId, request, registers, bits, cancellationToken).ConfigureAwait(false);

    private async Task<Pending> ExecuteCoreAsync(byte unitId, ModbusRequest request, Memory<ushort> registers, Memory<bool> bits, CancellationToken cancellationToken)
    {
        if (request.ReadsRegisters && registers.Length < request.Quantity) throw new ArgumentException($"{request} needs room for {request.Quantity} registers.", nameof(registers));
        if (request.ReadsBits && bits.Length < request.Quantity) throw new ArgumentException($"{request} needs room for {request.Quantity} bits.", nameof(bits));
        ObjectDisposedException.ThrowIf(_disposed, this);

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            ushort key = Framing == ModbusFraming.Tcp ? (ushort)Interlocked.Increment(ref _transactionId) : (ushort)0;
            var pending = new Pending(connection, key, unitId, request, registers, bits);
            lock (_pending) _pending[key] = pending;
            try
            {
                await SendAsync(connection, key, unitId, request, cancellationToken).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    await pending.Done.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
                    return pending;
                }
                catch (OperationCanceledException)
                {
                    if (!TryRemove(pending))
                    {
                        // answered, failed or being decoded into the caller's buffer right now: take that outcome
                        await pending.Done.Task.ConfigureAwait(false);
                        return pending;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    ModbusClientLog.RequestTimedOut(_logger, unitId, request.Function, request.Address, Endpoint);
                    throw new ModbusTimeoutException(unitId, request, _options.RequestTimeout, Endpoint);
                }
            }
            finally
            {
                TryRemove(pending);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _disposeCts.Cancel();
        var connection = _connection;
        if (connection is not null) await connection.CloseAsync().ConfigureAwait(false);
        _disposeCts.Dispose();
        GC.SuppressFinalize(this);
    }

    private bool TryRemove(Pending pending)
    {
        lock (_pending)
        {
            if (_pending.TryGetValue(pending.Key, out var current) && ReferenceEquals(current, pending))
            {
                _pending.Remove(pending.Key);
                return true;
            }
            return false;
        }
    }

    private async Task SendAsync(Connection connection, ushort key, byte unitId, ModbusRequest request, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int length = Framing == ModbusFraming.Tcp
                ? ModbusTcpFraming.WriteRequest(_sendBuffer, key, unitId, request)
                : ModbusRtuFraming.WriteRequest(_sendBuffer, unitId, request);
            if (_transport.BaudRate is { } baud)
            {
                // t3.5 of silence before a new frame (Modbus over serial line 1.02, 2.5.1.1)
                var quiet = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastLineActivity));
                if (quiet < _interFrameDelay) await Task.Delay(_interFrameDelay - quiet, cancellationToken).ConfigureAwait(false);
                if (connection.Stream is SerialPort port) port.DiscardInput();
                Interlocked.Exchange(ref _lastLineActivity, Stopwatch.GetTimestamp() + RtuTiming.TransmitTime(baud, length).Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
            }
            await connection.Stream.WriteAsync(_sendBuffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            await connection.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            var translated = Translate(ex, "send");
            connection.Fault(translated);
            throw translated;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask<Connection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        var current = _connection;
        if (current is { Faulted: false }) return current;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = _connection;
            if (current is { Faulted: false }) return current;
            if (current is not null) await current.CloseAsync().ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposeCts.Token);
            timeout.CancelAfter(_options.ConnectTimeout);
            Stream stream;
            try
            {
                stream = await _transport.ConnectAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PeerUnavailableException($"Connecting to {Endpoint} took longer than {_options.ConnectTimeout.TotalSeconds:0.#} s.");
            }
            catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException)
            {
                throw Translate(ex, "connect");
            }
            var connection = new Connection(this, stream);
            _connection = connection;
            ConnectCount++;
            ModbusClientLog.Connected(_logger, Endpoint, Framing, ConnectCount);
            connection.Start();
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>The one place where transport exceptions become the project's exceptions.</summary>
    private PeerUnavailableException Translate(Exception ex, string operation) => ex switch
    {
        PeerUnavailableException p => p,
        SocketException s => new PeerUnavailableException($"{operation} {Endpoint}: {s.SocketErrorCode} ({s.Message}).", s),
        _ => new PeerUnavailableException($"{operation} {Endpoint}: {ex.Message}", ex),
    };

    private void FailPending(Connection connection, Exception error)
    {
        List<Pending>? failed = null;
        lock (_pending)
        {
            foreach (var (key, p) in _pending)
            {
                if (!ReferenceEquals(p.Connection, connection)) continue;
                (failed ??= []).Add(p);
            }
            if (failed is not null)
            {
                foreach (var p in failed) _pending.Remove(p.Key);
            }
        }
        if (failed is null) return;
        foreach (var p in failed) p.Done.TrySetException(error);
    }

    private Pending? Claim(ushort key, byte unitId)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(key, out var p)) return null;
            if (Framing == ModbusFraming.Rtu && p.UnitId != unitId) return null; // a late answer of another unit
            _pending.Remove(key);
            return p;
        }
    }

    private Pending? ClaimAny()
    {
        lock (_pending)
        {
            foreach (var (key, p) in _pending)
            {
                _pending.Remove(key);
                return p;
            }
            return null;
        }
    }

    /// <summary>Matches one frame to its request, checks and decodes it. Not async, so the PDU can sit on the stack.</summary>
    private void Dispatch(ushort key, byte unitId, in ReadOnlySequence<byte> pduSequence)
    {
        var pending = Claim(key, unitId);
        if (pending is null)
        {
            ModbusClientLog.UnexpectedFrame(_logger, unitId, key, Endpoint);
            return;
        }
        Span<byte> pdu = stackalloc byte[ModbusPdu.MaxPduLength];
        int length = (int)pduSequence.Length;
        pduSequence.CopyTo(pdu);
        pdu = pdu[..length];
        var request = pending.Request;
        if (unitId != pending.UnitId)
        {
            // the transaction id matched: some TCP devices answer with unit 0 or 255 whatever they were asked, so accept it
            ModbusClientLog.UnitIdNotEchoed(_logger, key, pending.UnitId, unitId, Endpoint);
        }
        switch (ModbusPdu.Check(request, pdu, out var code, out var error))
        {
            case ResponseCheck.Ok:
                if (request.ReadsRegisters) ModbusPdu.ReadRegisters(pdu, pending.Registers.Span);
                else if (request.ReadsBits) ModbusPdu.ReadBits(pdu, pending.Bits.Span[..request.Quantity]);
                else if (request.Function == ModbusFunctionCode.EncapsulatedInterfaceTransport) pending.Pdu = pdu.ToArray();
                pending.Done.TrySetResult();
                break;
            case ResponseCheck.Exception:
                pending.Done.TrySetException(new ModbusException(code, unitId, request.Function, request.Address, request.Quantity, Endpoint));
                break;
            default:
                pending.Done.TrySetException(new ProtocolViolationException($"Unit {unitId} at {Endpoint}: {error}."));
                break;
        }
    }

    private sealed class Pending(Connection connection, ushort key, byte unitId, ModbusRequest request, Memory<ushort> registers, Memory<bool> bits)
    {
        public Connection Connection { get; } = connection;
        public ushort Key { get; } = key;
        public byte UnitId { get; } = unitId;
        public ModbusRequest Request { get; } = request;
        public Memory<ushort> Registers { get; } = registers;
        public Memory<bool> Bits { get; } = bits;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The answer's PDU, kept only for variable-length answers (device identification).</summary>
        public byte[]? Pdu { get; set; }
    }

    /// <summary>One open stream and its receive loop (a PipeReader over the stream).</summary>
    private sealed class Connection
    {
        private readonly ModbusClient _client;
        private readonly CancellationTokenSource _cts = new();
        private Task _loop = Task.CompletedTask;
        private volatile Exception? _fault;

        public Connection(ModbusClient client, Stream stream)
        {
            _client = client;
            Stream = stream;
            // a response is at most 260 bytes: small reads, no large buffers
            Reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1024, minimumReadSize: 256, leaveOpen: true));
        }

        public Stream Stream { get; }

        public PipeReader Reader { get; }

        public bool Faulted => _fault is not null;

        public void Start() => _loop = Task.Run(ReceiveLoopAsync);

        public void Fault(Exception error)
        {
            if (Interlocked.CompareExchange(ref _fault, error, null) is null)
            {
                _cts.Cancel();
                Reader.CancelPendingRead();
            }
        }

        public async Task CloseAsync()
        {
            Fault(new PeerUnavailableException($"The connection to {_client.Endpoint} was closed."));
            await _loop.ConfigureAwait(false);
        }

        private async Task ReceiveLoopAsync()
        {
            var client = _client;
            var reader = Reader;
            Exception? error = null;
            ITimer? gapTimer = client.Framing == ModbusFraming.Rtu && client._gapTimeout is not null
                ? TimeProvider.System.CreateTimer(_ => reader.CancelPendingRead(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
                : null;
            long partialLength = 0;
            try
            {
                while (_fault is null)
                {
                    if (partialLength > 0) gapTimer?.Change(client._gapTimeout!.Value, Timeout.InfiniteTimeSpan);
                    var result = await reader.ReadAsync(_cts.Token).ConfigureAwait(false);
                    gapTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    var buffer = result.Buffer;
                    var consumed = buffer.Start;
                    var examined = buffer.End;
                    try
                    {
                        if (_fault is not null) break;
                        if (client._transport.BaudRate is not null) Interlocked.Exchange(ref client._lastLineActivity, Stopwatch.GetTimestamp());
                        if (result.IsCanceled)
                        {
                            // the line went silent in the middle of a frame: drop the fragment (RTU timing rule)
                            if (buffer.Length == partialLength && partialLength > 0)
                            {
                                ModbusClientLog.FragmentDropped(client._logger, buffer.Length, client.Endpoint);
                                consumed = examined = buffer.End;
                                partialLength = 0;
                            }
                            continue;
                        }
                        while (true)
                        {
                            FrameParseStatus status;
                            string? parseError;
                            SequencePosition frameEnd;
                            if (client.Framing == ModbusFraming.Tcp)
                            {
                                status = ModbusTcpFraming.TryParseFrame(buffer, out var frame, out frameEnd, out examined, out parseError);
                                if (status == FrameParseStatus.Frame) client.Dispatch(frame.TransactionId, frame.UnitId, frame.Pdu);
                            }
                            else
                            {
                                status = ModbusRtuFraming.TryParseResponse(buffer, out var frame, out frameEnd, out examined, out parseError);
                                if (status == FrameParseStatus.Frame) client.Dispatch(0, frame.UnitId, frame.Pdu);
                            }
                            if (status == FrameParseStatus.Incomplete)
                            {
                                consumed = buffer.Start;
                                partialLength = buffer.Length;
                                break;
                            }
                            if (status == FrameParseStatus.Invalid)
                            {
                                var violation = new ProtocolViolationException($"{client.Endpoint}: {parseError}.");
                                if (client.Framing == ModbusFraming.Tcp) throw violation; // no way to find the next frame
                                // RTU: the request in flight fails now, and everything buffered is dropped (resynchronise on silence)
                                ModbusClientLog.BadFrame(client._logger, parseError!, client.Endpoint);
                                client.ClaimAny()?.Done.TrySetException(violation);
                                consumed = examined = buffer.End;
                                partialLength = 0;
                                break;
                            }
                            buffer = buffer.Slice(frameEnd);
                            consumed = examined = frameEnd;
                            partialLength = 0;
                        }
                        if (result.IsCompleted)
                        {
                            error = new PeerUnavailableException($"{client.Endpoint} closed the connection.");
                            break;
                        }
                    }
                    finally
                    {
                        reader.AdvanceTo(consumed, examined);
                    }
                }
            }
            catch (OperationCanceledException) when (_fault is not null)
            {
            }
            catch (ProtocolViolationException ex)
            {
                error = ex;
            }
            catch (Exception ex)
            {
                // socket, I/O and anything unexpected: the loop must end observed, never as an unobserved fault
                error = client.Translate(ex, "receive from");
            }
            finally
            {
                gapTimer?.Dispose();
                error ??= _fault ?? new PeerUnavailableException($"The connection to {client.Endpoint} was closed.");
                Interlocked.CompareExchange(ref _fault, error, null);
                _cts.Cancel();
                await reader.CompleteAsync(error).ConfigureAwait(false);
                await Stream.DisposeAsync().ConfigureAwait(false);
                client.FailPending(this, _fault ?? error);
                if (!client._disposed) ModbusClientLog.ConnectionLost(client._logger, client.Endpoint, (_fault ?? error).Message);
            }
        }
    }
}

/// <summary>A Modbus TCP client (MBAP framing on a TCP connection).</summary>
public sealed class ModbusTcpClient(string host, int port = 502, ModbusClientOptions? options = null, ILogger<ModbusClient>? logger = null)
    : ModbusClient(new TcpModbusTransport(host, port), ModbusFraming.Tcp, options, logger);

/// <summary>A Modbus RTU client on a serial line (termios), one request at a time with RTU timing.</summary>
public sealed class ModbusRtuClient(SerialPortOptions serial, ModbusClientOptions? options = null, ILogger<ModbusClient>? logger = null)
    : ModbusClient(new SerialModbusTransport(serial), ModbusFraming.Rtu, options, logger);

/// <summary>RTU frames over a TCP connection, as serial device servers (gateways in transparent mode) expect.</summary>
public sealed class ModbusRtuOverTcpClient(string host, int port, ModbusClientOptions? options = null, ILogger<ModbusClient>? logger = null)
    : ModbusClient(new TcpModbusTransport(host, port), ModbusFraming.Rtu, options, logger);

internal static partial class ModbusClientLog
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Connected to {Endpoint} ({Framing}), connection #{Count}")]
    public static partial void Connected(ILogger logger, string endpoint, ModbusFraming framing, int count);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "Connection to {Endpoint} lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Debug, Message = "Unit {UnitId} did not answer {Function} at {Address} on {Endpoint} in time")]
    public static partial void RequestTimedOut(ILogger logger, byte unitId, ModbusFunctionCode function, ushort address, string endpoint);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Debug, Message = "Dropped an answer nobody waits for (unit {UnitId}, transaction {TransactionId}) from {Endpoint}")]
    public static partial void UnexpectedFrame(ILogger logger, byte unitId, ushort transactionId, string endpoint);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Debug, Message = "Bad RTU frame from {Endpoint}: {Error}")]
    public static partial void BadFrame(ILogger logger, string error, string endpoint);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Debug, Message = "Transaction {TransactionId} to unit {Asked} was answered by unit {Answered} on {Endpoint}; accepted")]
    public static partial void UnitIdNotEchoed(ILogger logger, ushort transactionId, byte asked, byte answered, string endpoint);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Debug, Message = "Dropped a {Length}-byte fragment after line silence on {Endpoint}")]
    public static partial void FragmentDropped(ILogger logger, long length, string endpoint);
}
