using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Devices.Sensors;

namespace SmartFactoryEdge.Devices.SensorSource;

/// <summary>
/// Polls the configured local sensors: one loop per bus (i2c-1, spi-0, w1, gpio-…) on a <see cref="PeriodicTimer"/>
/// driven by the injected <see cref="TimeProvider"/>, each device at its own rate. A device that is missing or fails
/// yields Bad-quality samples with the reason (BadDeviceFailure, BadSensorFailure, BadCommunicationError), is logged
/// once per episode, reopened with a per-device backoff, and returns to Good samples when it answers again.
/// </summary>
public sealed class SensorSource : ISampleSource
{
    private static readonly Meter Meter = new("SmartFactoryEdge.Devices");
    private static readonly Counter<long> ReadFailures = Meter.CreateCounter<long>("sfe.devices.read_failures");

    private readonly SensorSourceOptions _options;
    private readonly ISensorDriverFactory _factory;
    private readonly TimeProvider _time;
    private readonly ILogger<SensorSource> _logger;
    private readonly IHealthRegistry? _health;
    private readonly IRetryPolicy _backoff;

    public SensorSource(SensorSourceOptions options, ISensorDriverFactory factory, TimeProvider? timeProvider = null,
        ILogger<SensorSource>? logger = null, IHealthRegistry? health = null, IRetryPolicy? backoff = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(factory);
        var validation = new SensorSourceOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new ArgumentException(validation.FailureMessage, nameof(options));
        _options = options;
        _factory = factory;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<SensorSource>.Instance;
        _health = health;
        _backoff = backoff ?? new ExponentialBackoffRetryPolicy(options.Backoff);
    }

    public string Name => "sensors";

    public async Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!_options.Enabled || _options.Devices.Count == 0) return;
        var loops = _options.Devices
            .GroupBy(d => d.BusKey, StringComparer.Ordinal)
            .Select(g => Task.Run(() => RunBusAsync(g.Key, g.Select(d => new DeviceState(d)).ToArray(), writer, cancellationToken), CancellationToken.None))
            .ToArray();
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunBusAsync(string bus, DeviceState[] devices, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var tick = TimeSpan.FromMilliseconds(devices.Select(d => (long)Math.Max(10, d.Options.Rate.TotalMilliseconds)).Aggregate(Gcd));
        _logger.BusLoopStarted(bus, devices.Length, tick);
        using var timer = new PeriodicTimer(tick, _time);
        try
        {
            var start = _time.GetUtcNow();
            foreach (var d in devices) d.NextDue = start;
            do
            {
                var now = _time.GetUtcNow();
                foreach (var device in devices)
                {
                    if (now < device.NextDue) continue;
                    await PollAsync(device, now, writer, cancellationToken).ConfigureAwait(false);
                    do device.NextDue += device.Options.Rate; while (device.NextDue <= now);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            foreach (var d in devices) d.CloseSensor();
        }
    }

    private async ValueTask PollAsync(DeviceState device, DateTimeOffset now, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var timestamp = now.UtcDateTime;
        if (device.Sensor is null)
        {
            if (now < device.RetryAt)
            {
                await WriteBadAsync(device, timestamp, writer, cancellationToken).ConfigureAwait(false);
                return;
            }
            try
            {
                device.Sensor = _factory.Create(device.Options);
                device.Bind(device.Sensor.Quantities);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Fail(device, ex, now);
                await WriteBadAsync(device, timestamp, writer, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        else if (device.FaultStatus is not null && now < device.RetryAt)
        {
            await WriteBadAsync(device, timestamp, writer, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            device.Sensor.Read(device.Readings);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail(device, ex, now);
            await WriteBadAsync(device, timestamp, writer, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (device.FaultStatus is not null)
        {
            _logger.DeviceRecovered(device.Options.Name, device.Attempts);
            device.FaultStatus = null;
            device.Attempts = 0;
            device.EpisodeStart = null;
        }
        _health?.Report(device.HealthName, EndpointHealthState.Connected);
        for (var i = 0; i < device.Outputs.Length; i++)
        {
            var output = device.Outputs[i];
            if (output.TagId is null) continue;
            var reading = device.Readings[i];
            var quantityBad = reading.Quality.IsBad && reading.Quality.Code != StatusCodes.BadWaitingForInitialData;
            if (quantityBad != device.QuantityFaulted[i])
            {
                device.QuantityFaulted[i] = quantityBad;
                if (quantityBad) _logger.QuantityFailed(device.Options.Name, output.Quantity, reading.Quality.Name);
                else _logger.QuantityRecovered(device.Options.Name, output.Quantity);
            }
            var sample = reading.Quality.IsBad
                ? Sample.Faulted(output.TagId, timestamp, reading.Quality, output.Unit)
                : new Sample(output.TagId, timestamp, timestamp, reading.Value, reading.Quality, output.Unit);
            await writer.WriteAsync(sample, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Fail(DeviceState device, Exception ex, DateTimeOffset now)
    {
        var status = Classify(ex);
        ReadFailures.Add(1, new KeyValuePair<string, object?>("device", device.Options.Name));
        device.Attempts++;
        device.EpisodeStart ??= now;
        if (device.FaultStatus is null)
        {
            _logger.DeviceFailed(device.Options.Name, device.Options.Driver, device.Options.BusKey, new StatusCode(status).Name, ex.Message);
            _health?.Report(device.HealthName, EndpointHealthState.Faulted, ex.Message);
        }
        else
        {
            _logger.DeviceStillFailing(device.Options.Name, device.Attempts, ex.Message);
        }
        device.FaultStatus = status;
        if (status != StatusCodes.BadSensorFailure) device.CloseSensor(); // the chip itself may be gone: reopen and re-identify
        var delay = _backoff.GetNextDelay(device.Attempts, now - device.EpisodeStart.Value) ?? _options.Backoff.MaxDelay;
        device.RetryAt = status == StatusCodes.BadSensorFailure ? now : now + delay;
    }

    /// <summary>Maps a driver exception to the OPC UA status a sample carries.</summary>
    public static uint Classify(Exception exception) => exception switch
    {
        SensorFaultException => StatusCodes.BadSensorFailure,
        DeviceNotRespondingException or ChipIdentityException => StatusCodes.BadDeviceFailure,
        DeviceCommunicationException or IOException or UnauthorizedAccessException => StatusCodes.BadCommunicationError,
        ArgumentException or FormatException => StatusCodes.BadConfigurationError,
        _ => StatusCodes.BadInternalError,
    };

    private static async ValueTask WriteBadAsync(DeviceState device, DateTime timestamp, ISampleWriter writer, CancellationToken cancellationToken)
    {
        var status = new StatusCode(device.FaultStatus ?? StatusCodes.BadDeviceFailure);
        foreach (var output in device.Outputs)
        {
            if (output.TagId is null) continue;
            await writer.WriteAsync(Sample.Faulted(output.TagId, timestamp, status, output.Unit), cancellationToken).ConfigureAwait(false);
        }
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private readonly record struct Output(string Quantity, string? TagId, string? Unit);

    private sealed class DeviceState
    {
        public DeviceState(SensorDeviceOptions options)
        {
            Options = options;
            HealthName = "sensor:" + options.Name;
            Outputs = [];
            Bind(SensorDriverFactory.QuantitiesOf(options)); // so that Bad samples have tags before the first open
        }

        public SensorDeviceOptions Options { get; }

        public string HealthName { get; }

        public IPolledSensor? Sensor { get; set; }

        public SensorReading[] Readings { get; private set; } = [];

        /// <summary>Per-quantity fault flags (an open thermocouple while the chip answers), for once-per-episode logs.</summary>
        public bool[] QuantityFaulted { get; private set; } = [];

        public Output[] Outputs { get; private set; }

        public DateTimeOffset NextDue { get; set; }

        public DateTimeOffset RetryAt { get; set; }

        public DateTimeOffset? EpisodeStart { get; set; }

        public uint? FaultStatus { get; set; }

        public int Attempts { get; set; }

        public void Bind(IReadOnlyList<SensorQuantity> quantities)
        {
            Readings = new SensorReading[quantities.Count];
            Outputs = quantities.Select(q =>
            {
                var tag = Options.Tags.Count == 0 ? $"{Options.Name}.{q.Name}" : Options.Tags.GetValueOrDefault(q.Name);
                return new Output(q.Name, tag, Options.Units.GetValueOrDefault(q.Name) ?? q.Unit);
            }).ToArray();
            if (QuantityFaulted.Length != quantities.Count) QuantityFaulted = new bool[quantities.Count];
        }

        public void CloseSensor()
        {
            Sensor?.Dispose();
            Sensor = null;
        }
    }
}

internal static partial class SensorSourceLog
{
    [LoggerMessage(EventId = EventIds.SensorBusLoopStarted, Level = LogLevel.Information, Message = "Sensor bus {Bus}: polling {Devices} devices every {Tick}")]
    public static partial void BusLoopStarted(this ILogger logger, string bus, int devices, TimeSpan tick);

    [LoggerMessage(EventId = EventIds.SensorDeviceFailed, Level = LogLevel.Warning, Message = "Sensor {Device} ({Driver} on {Bus}) failed: {Status}: {Reason}; its samples are Bad until it answers again")]
    public static partial void DeviceFailed(this ILogger logger, string device, string driver, string bus, string status, string reason);

    [LoggerMessage(EventId = EventIds.SensorDeviceStillFailing, Level = LogLevel.Debug, Message = "Sensor {Device} still failing (attempt {Attempt}): {Reason}")]
    public static partial void DeviceStillFailing(this ILogger logger, string device, int attempt, string reason);

    [LoggerMessage(EventId = EventIds.SensorQuantityFailed, Level = LogLevel.Warning, Message = "Sensor {Device} reports {Quantity} as {Status}; its samples are Bad until the sensing element recovers")]
    public static partial void QuantityFailed(this ILogger logger, string device, string quantity, string status);

    [LoggerMessage(EventId = EventIds.SensorQuantityRecovered, Level = LogLevel.Information, Message = "Sensor {Device}: {Quantity} is good again")]
    public static partial void QuantityRecovered(this ILogger logger, string device, string quantity);

    [LoggerMessage(EventId = EventIds.SensorDeviceRecovered, Level = LogLevel.Information, Message = "Sensor {Device} recovered after {Attempts} failed attempts")]
    public static partial void DeviceRecovered(this ILogger logger, string device, int attempts);
}
