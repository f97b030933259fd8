using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Transport;
using SmartFactoryEdge.Modbus.Transport.Serial;

namespace SmartFactoryEdge.Modbus.Source;

/// <summary>Counters of one unit, for tests, health pages and benchmarks.</summary>
public sealed class ModbusUnitStatistics
{
    internal long _polls, _failedPolls, _goodValues, _badValues, _skippedForBackoff;

    public long Polls => Interlocked.Read(ref _polls);
    public long FailedPolls => Interlocked.Read(ref _failedPolls);
    public long GoodValues => Interlocked.Read(ref _goodValues);
    public long BadValues => Interlocked.Read(ref _badValues);

    /// <summary>Poll ticks skipped because the unit was resting after failures.</summary>
    public long SkippedForBackoff => Interlocked.Read(ref _skippedForBackoff);
}

/// <summary>
/// Polls every configured Modbus unit and writes one sample per point and poll. Each unit has its own schedule
/// per poll group and its own backoff: a unit that times out rests (per <see cref="ModbusDeviceOptions.Backoff"/>)
/// so that other units on the same line keep their rate. Failures become Bad-quality samples with the matching
/// OPC UA status code; each fault episode is logged once when it starts and once when it ends.
/// </summary>
public sealed class ModbusSource : ISampleSource
{
    public const string MeterName = "SmartFactoryEdge.Modbus";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> PollCounter = Meter.CreateCounter<long>("sfe.modbus.polls", description: "Reads sent by the Modbus source");
    private static readonly Counter<long> FailureCounter = Meter.CreateCounter<long>("sfe.modbus.poll_failures", description: "Reads that failed");
    private static readonly Counter<long> ValueCounter = Meter.CreateCounter<long>("sfe.modbus.values", description: "Samples written by the Modbus source");

    private readonly ModbusSourceOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IHealthRegistry? _health;
    private readonly TimeProvider _time;
    private readonly Func<ModbusDeviceOptions, ModbusClient> _clientFactory;
    private readonly Dictionary<string, ModbusUnitStatistics> _statistics = new(StringComparer.Ordinal);

    public ModbusSource(ModbusSourceOptions options, ILoggerFactory? loggerFactory = null, IHealthRegistry? health = null,
        TimeProvider? timeProvider = null, Func<ModbusDeviceOptions, ModbusClient>? clientFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = ModbusSourceOptionsValidator.Check(options);
        if (errors.Count > 0) throw new ArgumentException("Invalid Modbus configuration:\n  " + string.Join("\n  ", errors), nameof(options));
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<ModbusSource>();
        _health = health;
        _time = timeProvider ?? TimeProvider.System;
        _clientFactory = clientFactory ?? CreateClient;
        foreach (var device in options.Devices) _statistics[device.Name] = new ModbusUnitStatistics();
    }

    public string Name => "modbus";

    /// <summary>Counters per device name.</summary>
    public IReadOnlyDictionary<string, ModbusUnitStatistics> Statistics => _statistics;

    public async Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var clients = new Dictionary<string, ModbusClient>(StringComparer.Ordinal);
        var loops = new List<Task>();
        try
        {
            foreach (var device in _options.Devices)
            {
                if (!clients.TryGetValue(device.ConnectionKey, out var client))
                    clients[device.ConnectionKey] = client = _clientFactory(device);
                var unit = new UnitState(device, client, _statistics[device.Name], $"modbus:{device.Name}");
                _health?.Report(unit.Endpoint, EndpointHealthState.Connecting);
                var plan = new ReadPlanOptions
                {
                    MaxRegisterGap = device.MaxRegisterGap, MaxBitGap = device.MaxBitGap,
                    MaxRegistersPerRead = device.MaxRegistersPerRead, MaxBitsPerRead = device.MaxBitsPerRead,
                };
                foreach (var group in device.PollGroups)
                {
                    var blocks = ReadPlanner.Plan(group.Points, plan).Select(b => new BlockState(b)).ToArray();
                    ModbusSourceLog.Planned(_logger, device.Name, group.Name, group.Points.Count, blocks.Length, group.Interval.TotalMilliseconds);
                    loops.Add(Task.Run(() => PollLoopAsync(unit, group, blocks, writer, cancellationToken), CancellationToken.None));
                }
            }
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        finally
        {
            foreach (var client in clients.Values) await client.DisposeAsync().ConfigureAwait(false);
            foreach (var device in _options.Devices) _health?.Report($"modbus:{device.Name}", EndpointHealthState.Stopped);
        }
    }

    private ModbusClient CreateClient(ModbusDeviceOptions device)
    {
        var options = new ModbusClientOptions { RequestTimeout = device.RequestTimeout, MaxRequestsInFlight = device.MaxRequestsInFlight };
        var logger = _loggerFactory.CreateLogger<ModbusClient>();
        return device.Transport switch
        {
            ModbusTransportKind.Rtu => new ModbusClient(new SerialModbusTransport(device.Serial!), Client.ModbusFraming.Rtu, options, logger),
            ModbusTransportKind.RtuOverTcp => new ModbusClient(new TcpModbusTransport(device.Host, device.Port), Client.ModbusFraming.Rtu, options, logger),
            _ => new ModbusClient(new TcpModbusTransport(device.Host, device.Port), Client.ModbusFraming.Tcp, options, logger),
        };
    }

    private async Task PollLoopAsync(UnitState unit, ModbusPollGroupOptions group, BlockState[] blocks, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var interval = group.Interval;
        long next = _time.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), next);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);

                if (unit.TryEnterPoll(_time))
                {
                    try
                    {
                        await PollOnceAsync(unit, group, blocks, writer, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        unit.ExitPoll();
                    }
                }
                else
                {
                    Interlocked.Increment(ref unit.Statistics._skippedForBackoff);
                }

                next += (long)(interval.TotalSeconds * _time.TimestampFrequency);
                long now = _time.GetTimestamp();
                if (next < now) next = now; // a late poll does not cause a burst of catch-up polls
                // a resting unit is not probed before its backoff ends
                if (unit.BackoffUntil > next) next = unit.BackoffUntil;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
            // the pipeline was completed: nothing more to write
        }
    }

    private async Task PollOnceAsync(UnitState unit, ModbusPollGroupOptions group, BlockState[] blocks, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var device = unit.Device;
        byte unitId = (byte)device.UnitId;
        Exception? unitFailure = null;
        StatusCode unitStatus = StatusCode.Good;
        bool anyBlockFault = false;
        foreach (var block in blocks)
        {
            var read = block.Block;
            if (unitFailure is not null)
            {
                await WriteBadAsync(unit, block, unitStatus, writer, cancellationToken).ConfigureAwait(false);
                continue;
            }
            Interlocked.Increment(ref unit.Statistics._polls);
            PollCounter.Add(1);
            try
            {
                switch (read.Area)
                {
                    case ModbusArea.Coil: await unit.Client.ReadCoilsAsync(unitId, read.Address, block.Bits, cancellationToken).ConfigureAwait(false); break;
                    case ModbusArea.DiscreteInput: await unit.Client.ReadDiscreteInputsAsync(unitId, read.Address, block.Bits, cancellationToken).ConfigureAwait(false); break;
                    case ModbusArea.HoldingRegister: await unit.Client.ReadHoldingRegistersAsync(unitId, read.Address, block.Registers, cancellationToken).ConfigureAwait(false); break;
                    default: await unit.Client.ReadInputRegistersAsync(unitId, read.Address, block.Registers, cancellationToken).ConfigureAwait(false); break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref unit.Statistics._failedPolls);
                FailureCounter.Add(1);
                var status = ModbusQuality.FromException(ex, out bool unitDown);
                if (unitDown)
                {
                    unitFailure = ex;
                    unitStatus = status;
                    await WriteBadAsync(unit, block, status, writer, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                anyBlockFault = true;
                if (block.Fault != status)
                {
                    block.Fault = status;
                    ModbusSourceLog.BlockFaulted(_logger, device.Name, read.ToString(), status.Name, ex.Message);
                }
                await WriteBadAsync(unit, block, status, writer, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (block.Fault is { } old)
            {
                block.Fault = null;
                ModbusSourceLog.BlockRecovered(_logger, device.Name, read.ToString(), old.Name);
            }
            await WriteGoodAsync(unit, block, writer, cancellationToken).ConfigureAwait(false);
        }

        if (unitFailure is not null)
        {
            var policyDelay = unit.RecordFailure(_time, unitStatus, out bool newEpisode, out bool statusChanged);
            if (newEpisode)
                ModbusSourceLog.UnitFaulted(_logger, device.Name, unit.Client.Endpoint, device.UnitId, unitStatus.Name, unitFailure.Message, policyDelay.TotalMilliseconds);
            else if (statusChanged)
                ModbusSourceLog.UnitStillFaulted(_logger, device.Name, unitStatus.Name, unitFailure.Message);
            _health?.Report(unit.Endpoint, EndpointHealthState.Faulted, $"{unitStatus.Name}: {unitFailure.Message}");
        }
        else
        {
            if (unit.RecordSuccess(_time, out int failures, out var duration, out var lastStatus))
                ModbusSourceLog.UnitRecovered(_logger, device.Name, unit.Client.Endpoint, device.UnitId, lastStatus.Name, failures, duration.TotalSeconds);
            _health?.Report(unit.Endpoint, anyBlockFault ? EndpointHealthState.Degraded : EndpointHealthState.Connected,
                anyBlockFault ? "some reads answer with Modbus exceptions" : null);
        }
    }

    private async ValueTask WriteGoodAsync(UnitState unit, BlockState block, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var read = block.Block;
        foreach (var planned in read.Points)
        {
            var point = planned.Point;
            SampleValue value = point.IsBitArea
                ? block.Bits.Span[planned.Offset]
                : ModbusValueDecoder.Decode(block.Registers.Span.Slice(planned.Offset, point.Span), point);
            var sample = new Sample(point.TagId, now, now, value, StatusCode.Good, point.Unit);
            if (!writer.TryWrite(sample)) await writer.WriteAsync(sample, cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Add(ref unit.Statistics._goodValues, read.Points.Count);
        ValueCounter.Add(read.Points.Count);
    }

    private async ValueTask WriteBadAsync(UnitState unit, BlockState block, StatusCode status, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var planned in block.Block.Points)
        {
            var sample = Sample.Faulted(planned.Point.TagId, now, status, planned.Point.Unit);
            if (!writer.TryWrite(sample)) await writer.WriteAsync(sample, cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Add(ref unit.Statistics._badValues, block.Block.Points.Count);
        ValueCounter.Add(block.Block.Points.Count);
    }

    private sealed class BlockState(ReadBlock block)
    {
        public ReadBlock Block { get; } = block;
        public Memory<ushort> Registers { get; } = block.Area is ModbusArea.HoldingRegister or ModbusArea.InputRegister ? new ushort[block.Count] : default;
        public Memory<bool> Bits { get; } = block.Area is ModbusArea.Coil or ModbusArea.DiscreteInput ? new bool[block.Count] : default;
        public StatusCode? Fault { get; set; }
    }

    /// <summary>One unit's health and backoff, shared by its poll groups.</summary>
    private sealed class UnitState(ModbusDeviceOptions device, ModbusClient client, ModbusUnitStatistics statistics, string endpoint)
    {
        private readonly IRetryPolicy _policy = new ExponentialBackoffRetryPolicy(device.Backoff);
        private readonly object _gate = new();
        private int _failures;
        private long _episodeStart;
        private StatusCode? _fault;
        private bool _probing;

        public ModbusDeviceOptions Device { get; } = device;
        public ModbusClient Client { get; } = client;
        public ModbusUnitStatistics Statistics { get; } = statistics;
        public string Endpoint { get; } = endpoint;
        public long BackoffUntil { get; private set; }

        /// <summary>False while the unit rests; after a failure only one poll group probes at a time.</summary>
        public bool TryEnterPoll(TimeProvider time)
        {
            lock (_gate)
            {
                if (_failures == 0) return true;
                if (time.GetTimestamp() < BackoffUntil || _probing) return false;
                _probing = true;
                return true;
            }
        }

        public void ExitPoll()
        {
            lock (_gate) _probing = false;
        }

        public TimeSpan RecordFailure(TimeProvider time, StatusCode status, out bool newEpisode, out bool statusChanged)
        {
            lock (_gate)
            {
                long now = time.GetTimestamp();
                newEpisode = _failures == 0;
                statusChanged = _fault != status;
                if (newEpisode) _episodeStart = now;
                _failures++;
                _fault = status;
                var delay = _policy.GetNextDelay(_failures, time.GetElapsedTime(_episodeStart, now)) ?? Device.Backoff.MaxDelay;
                BackoffUntil = now + (long)(delay.TotalSeconds * time.TimestampFrequency);
                return delay;
            }
        }

        /// <summary>True when this success ends a fault episode.</summary>
        public bool RecordSuccess(TimeProvider time, out int failures, out TimeSpan duration, out StatusCode last)
        {
            lock (_gate)
            {
                failures = _failures;
                last = _fault ?? StatusCode.Good;
                duration = _failures > 0 ? time.GetElapsedTime(_episodeStart) : TimeSpan.Zero;
                bool ended = _failures > 0;
                _failures = 0;
                _fault = null;
                BackoffUntil = 0;
                return ended;
            }
        }
    }
}

internal static partial class ModbusSourceLog
{
    [LoggerMessage(EventId = 7200, Level = LogLevel.Debug, Message = "Device {Device} group {Group}: {Points} points in {Reads} reads every {IntervalMs} ms")]
    public static partial void Planned(ILogger logger, string device, string group, int points, int reads, double intervalMs);

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Device {Device} (unit {UnitId} at {Endpoint}) is unreachable: {Status}: {Reason}; resting {BackoffMs} ms between attempts until it answers")]
    public static partial void UnitFaulted(ILogger logger, string device, string endpoint, int unitId, string status, string reason, double backoffMs);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Information, Message = "Device {Device} (unit {UnitId} at {Endpoint}) answers again after {Failures} failed polls ({Status}) over {Seconds:0.0} s")]
    public static partial void UnitRecovered(ILogger logger, string device, string endpoint, int unitId, string status, int failures, double seconds);

    [LoggerMessage(EventId = 7205, Level = LogLevel.Debug, Message = "Device {Device} still unreachable, now {Status}: {Reason}")]
    public static partial void UnitStillFaulted(ILogger logger, string device, string status, string reason);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Warning, Message = "Device {Device} read {Read} fails with {Status}: {Reason}")]
    public static partial void BlockFaulted(ILogger logger, string device, string read, string status, string reason);

    [LoggerMessage(EventId = 7204, Level = LogLevel.Information, Message = "Device {Device} read {Read} works again (was {Status})")]
    public static partial void BlockRecovered(ILogger logger, string device, string read, string status);
}
