using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.OpcUa.Session.Reconnect;

namespace SmartFactoryEdge.OpcUa.Source;

/// <summary>
/// Samples from one OPC UA server through subscriptions: tags by NodeId or browse path, per-tag intervals and
/// deadband, the source timestamp, the status code as quality and the server's engineering unit. Supervises
/// itself with <see cref="UaManagedClient"/>; while the server is away every tag gets one Bad sample.
/// </summary>
public sealed class OpcUaSource : ISampleSource
{
    private readonly OpcUaEndpointOptions _options;
    private readonly IHealthRegistry? _health;
    private readonly ILogger _logger;
    private readonly UaReconnectOptions _reconnect;
    private readonly TimeProvider _time;
    private TagState[] _tags = [];
    private long _samples;
    private long _dropped;
    private long _overflows;
    private long _backpressureEpisodes;
    // samples the pipeline had no room for: handed over in order by WaitForRoomAsync before the next message
    private readonly Queue<Sample> _pending = new();
    private readonly SemaphoreSlim _drain = new(1, 1);
    private bool _overflowEpisode;

    private sealed class TagState(OpcUaTagOptions options)
    {
        public OpcUaTagOptions Options { get; } = options;
        public NodeId? NodeId { get; set; }
        public string? Unit { get; set; } = options.Unit;
        public bool FaultReported { get; set; }
    }

    public OpcUaSource(OpcUaEndpointOptions options, IHealthRegistry? health = null, ILogger<OpcUaSource>? logger = null,
        UaReconnectOptions? reconnect = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var errors = OpcUaOptionsValidator.Validate([options]);
        if (errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        _health = health;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _reconnect = reconnect ?? new UaReconnectOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Name => "opcua:" + _options.Name;

    /// <summary>Samples handed to the writer.</summary>
    public long SamplesWritten => Interlocked.Read(ref _samples);

    /// <summary>Samples lost because the pipeline was completed (shutdown) before it took them.</summary>
    public long SamplesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Values whose status carried the Overflow info bit: the server's item queue discarded values before them.</summary>
    public long ServerOverflows => Interlocked.Read(ref _overflows);

    /// <summary>How often the pipeline was full and the source held values back.</summary>
    public long BackpressureEpisodes => Interlocked.Read(ref _backpressureEpisodes);

    /// <summary>Samples waiting for room in the pipeline (backpressure).</summary>
    public int SamplesPending
    {
        get { lock (_pending) return _pending.Count; }
    }

    /// <summary>The endpoint, security policy and mode of the last connection (null before the first); for the state document.</summary>
    public OpcUaSecurityStatus? Security { get; private set; }

    /// <summary>The managed client while running (for tests and the state view).</summary>
    public UaManagedClient? Client { get; private set; }

    public async Task RunAsync(ISampleWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _tags = _options.Tags.Select(t => new TagState(t)).ToArray();
        using var userCertificate = OpcUaOptionsValidator.LoadUserCertificate(_options);
        var sessionOptions = new UaSessionOptions
        {
            UserCertificate = userCertificate,
            SessionName = "sfe:" + _options.Name,
            OutstandingPublishRequests = _options.OutstandingPublishRequests ?? Math.Min(20, 3 + _options.Tags.Count / 1000),
            UserName = _options.UserName,
            Password = _options.PasswordEnvironmentVariable is { } env ? Environment.GetEnvironmentVariable(env) : null,
            Security = new UaSecurityOptions
            {
                SecurityPolicy = _options.SecurityPolicy,
                SecurityMode = _options.SecurityMode,
                PkiPath = _options.PkiPath,
                AutoAcceptUntrusted = _options.AutoAcceptUntrusted,
            },
        };
        await using var client = new UaManagedClient(_options.EndpointUrl, (s, ct) => PrepareAsync(s, writer, ct), sessionOptions, _reconnect, _health, _logger, Name);
        var sourceTag = new KeyValuePair<string, object?>("source", Name);
        client.Disconnected += reason =>
        {
            OpcUaMetrics.Outages.Add(1, sourceTag);
            ReportOutage(writer, reason);
        };
        client.Connected += outcome =>
        {
            if (client.Session?.Channel.Policy is { } policy)
            {
                var name = policy.Uri.Split('#').Last();
                Security = new OpcUaSecurityStatus(_options.EndpointUrl, name, policy.Mode.ToString(), name == "None" || policy.Mode == MessageSecurityMode.None,
                    userCertificate is not null ? "x509" : _options.UserName is { Length: > 0 } ? "username" : "anonymous");
            }
            if (outcome != ReconnectOutcome.NewSession || client.Connects > 1)
                OpcUaMetrics.Reconnects.Add(1, sourceTag, new KeyValuePair<string, object?>("outcome", outcome.ToString()));
        };
        Client = client;
        try
        {
            await client.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Client = null;
            // stopping: what still waits for room goes on while the pipeline drains (bounded), the rest is counted and logged
            using (var last = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                try
                {
                    await WaitForRoomAsync(writer, last.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // the pipeline did not take them in time
                }
            }
            int left;
            lock (_pending)
            {
                left = _pending.Count;
                _pending.Clear();
            }
            if (left > 0)
            {
                Interlocked.Add(ref _dropped, left);
                OpcUaMetrics.Dropped.Add(left, new KeyValuePair<string, object?>("source", Name));
                OpcUaSourceLog.DroppedAtStop(_logger, Name, left);
            }
        }
    }

    private void ReportOutage(ISampleWriter writer, string reason)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var tag in _tags)
        {
            if (tag.FaultReported) continue;
            tag.FaultReported = true;
            Write(writer, Sample.Faulted(tag.Options.Id, now, new StatusCode(StatusCodes.BadNotConnected), tag.Unit));
        }
        OpcUaSourceLog.Outage(_logger, Name, reason);
        // no more messages will drive the hand-over while the server is away
        if (SamplesPending > 0) _ = DrainInBackgroundAsync(writer);
    }

    private async Task DrainInBackgroundAsync(ISampleWriter writer)
    {
        try
        {
            await WaitForRoomAsync(writer, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // stopping: RunAsync accounts for what is left
        }
    }

    private async Task<IReadOnlyList<ManagedSubscriptionSpec>> PrepareAsync(UaSession session, ISampleWriter writer, CancellationToken ct)
    {
        // resolve node ids (browse paths) and engineering units on every new session: the server may have changed
        for (int i = 0; i < _tags.Length; i++)
        {
            var tag = _tags[i];
            tag.NodeId = tag.Options.NodeId is { Length: > 0 } text
                ? NodeId.Parse(text)
                : await session.ResolveBrowsePathAsync(tag.Options.BrowsePath!, ct).ConfigureAwait(false);
            if (tag.NodeId is null)
            {
                OpcUaSourceLog.TagNotFound(_logger, Name, tag.Options.Id, tag.Options.BrowsePath ?? "");
                Write(writer, Sample.Faulted(tag.Options.Id, _time.GetUtcNow().UtcDateTime, new StatusCode(StatusCodes.BadNodeIdUnknown), tag.Unit));
                continue;
            }
            if (tag.Options.Unit is null)
            {
                try
                {
                    var eu = await session.ReadEngineeringUnitsAsync(tag.NodeId, ct).ConfigureAwait(false);
                    tag.Unit = eu is null ? null : UnitSymbol(eu);
                }
                catch (ServiceResultException)
                {
                    tag.Unit = null;
                }
            }
        }
        var groups = Enumerable.Range(0, _tags.Length)
            .Where(i => _tags[i].NodeId is not null)
            .GroupBy(i => _tags[i].Options.PublishingIntervalMs ?? _options.PublishingIntervalMs);
        var specs = new List<ManagedSubscriptionSpec>();
        foreach (var g in groups)
        {
            var items = g.Select(i =>
            {
                var t = _tags[i].Options;
                return new MonitoredItemSpec
                {
                    NodeId = _tags[i].NodeId!,
                    ClientHandle = (uint)i,
                    SamplingInterval = t.SamplingIntervalMs ?? _options.SamplingIntervalMs,
                    QueueSize = (uint)(t.QueueSize ?? _options.QueueSize),
                    DiscardOldest = true,
                    Filter = t.Deadband is { } d && d.Type != DeadbandType.None
                        ? new DataChangeFilter(DataChangeTrigger.StatusValue, d.Type, d.Value)
                        : null,
                };
            }).ToArray();
            specs.Add(new ManagedSubscriptionSpec(TimeSpan.FromMilliseconds(g.Key), items, (_, message) => OnData(writer, message), (uint)_options.MaxKeepAliveCount,
                c => WaitForRoomAsync(writer, c)));
        }
        return specs;
    }

    /// <summary>The EU display name (e.g. "°C"), else the UNECE common code packed into the unit id (e.g. "CEL").</summary>
    public static string? UnitSymbol(EUInformation eu)
    {
        if (!string.IsNullOrWhiteSpace(eu.DisplayName.Text)) return eu.DisplayName.Text;
        if (eu.UnitId <= 0) return null;
        Span<char> code = stackalloc char[3];
        var n = 0;
        for (int shift = 16; shift >= 0; shift -= 8)
        {
            var c = (char)((eu.UnitId >> shift) & 0xFF);
            if (c != 0) code[n++] = c;
        }
        return new string(code[..n]);
    }

    private void OnData(ISampleWriter writer, NotificationMessage message)
    {
        var received = _time.GetUtcNow().UtcDateTime;
        var before = Interlocked.Read(ref _samples);
        var overflowsBefore = Interlocked.Read(ref _overflows);
        foreach (var n in message.DataChanges)
        {
            if (n.ClientHandle >= (uint)_tags.Length) continue;
            var tag = _tags[n.ClientHandle];
            tag.FaultReported = false;
            var dv = n.Value;
            var ts = dv.SourceTimestamp ?? dv.ServerTimestamp ?? received;
            if (ts == DateTime.MinValue) ts = dv.ServerTimestamp ?? received;
            if ((dv.StatusCode.Code & OverflowInfoBits) == OverflowInfoBits) Interlocked.Increment(ref _overflows);
            Write(writer, new Sample(tag.Options.Id, ts, received, ToSampleValue(dv.Value), dv.StatusCode, tag.Unit));
        }
        if (message.StatusChange is { IsBad: true } status)
        {
            foreach (var tag in _tags) Write(writer, Sample.Faulted(tag.Options.Id, received, status, tag.Unit));
        }
        var tag0 = new KeyValuePair<string, object?>("source", Name);
        OpcUaMetrics.Values.Add(Interlocked.Read(ref _samples) - before, tag0);
        var overflows = Interlocked.Read(ref _overflows) - overflowsBefore;
        if (overflows > 0)
        {
            OpcUaMetrics.Overflows.Add(overflows, tag0);
            if (!_overflowEpisode) OpcUaSourceLog.ServerOverflow(_logger, Name, overflows);
        }
        _overflowEpisode = overflows > 0;
    }

    // Part 4, 7.39.1: InfoType DataValue (0x400) with the Overflow bit (0x80)
    private const uint OverflowInfoBits = 0x0000_0480;

    /// <summary>Hands the sample on, or keeps it (in order) when the pipeline is full: never drops.</summary>
    private void Write(ISampleWriter writer, in Sample sample)
    {
        lock (_pending)
        {
            if (_pending.Count == 0 && writer.TryWrite(sample))
            {
                Interlocked.Increment(ref _samples);
                return;
            }
            if (_pending.Count == 0 && Interlocked.Increment(ref _backpressureEpisodes) == 1) OpcUaSourceLog.Backpressure(_logger, Name);
            _pending.Enqueue(sample);
        }
    }

    /// <summary>
    /// The subscription's backpressure: waits until every kept sample is in the pipeline. The session's processing
    /// loop awaits this before the next notification message, so a full pipeline (fullMode wait) slows the source
    /// down instead of losing values; the server's responses queue meanwhile.
    /// </summary>
    private async ValueTask WaitForRoomAsync(ISampleWriter writer, CancellationToken cancellationToken)
    {
        lock (_pending)
        {
            if (_pending.Count == 0) return;
        }
        await _drain.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var handed = 0L;
            while (true)
            {
                Sample next;
                lock (_pending)
                {
                    if (!_pending.TryPeek(out next)) break;
                }
                try
                {
                    await writer.WriteAsync(next, cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    return; // the pipeline is completed: RunAsync counts what is left when it stops
                }
                lock (_pending) _pending.Dequeue();
                Interlocked.Increment(ref _samples);
                handed++;
            }
            OpcUaMetrics.Values.Add(handed, new KeyValuePair<string, object?>("source", Name));
        }
        finally
        {
            _drain.Release();
        }
    }

    /// <summary>Maps a Variant to a sample value: numbers stay numbers (integers exact), text stays text.</summary>
    public static SampleValue ToSampleValue(Variant v)
    {
        if (v.IsNull) return SampleValue.None;
        if (v.IsArray) return SampleValue.FromString(v.ToString());
        return v.Type switch
        {
            BuiltInType.Boolean => SampleValue.FromBoolean((bool)v.Value!),
            BuiltInType.SByte or BuiltInType.Byte or BuiltInType.Int16 or BuiltInType.UInt16 or BuiltInType.Int32 or BuiltInType.UInt32
                or BuiltInType.Int64 or BuiltInType.UInt64 => SampleValue.FromInt64(v.ToInt64()),
            BuiltInType.Float or BuiltInType.Double => SampleValue.FromDouble(v.ToDouble()),
            BuiltInType.String => SampleValue.FromString((string)v.Value!),
            BuiltInType.LocalizedText => SampleValue.FromString(((LocalizedText)v.Value!).Text ?? ""),
            BuiltInType.DateTime => SampleValue.FromString(((DateTime)v.Value!).ToString("O", CultureInfo.InvariantCulture)),
            BuiltInType.StatusCode => SampleValue.FromInt64(((StatusCode)v.Value!).Code),
            _ => SampleValue.FromString(v.ToString()),
        };
    }
}

/// <summary>How a source is connected: endpoint, security policy and mode, identity type; <see cref="Insecure"/> when SecurityPolicy None.</summary>
public sealed record OpcUaSecurityStatus(string EndpointUrl, string SecurityPolicy, string SecurityMode, bool Insecure, string Identity);

/// <summary>Builds the OPC UA sources from the bound <c>sources.opcua</c> list (the gateway calls this).</summary>
public static class OpcUaSourceFactory
{
    /// <exception cref="ArgumentException">The configuration is invalid; the message lists every problem.</exception>
    public static IReadOnlyList<ISampleSource> Create(IReadOnlyList<OpcUaEndpointOptions> endpoints, IHealthRegistry? health, ILoggerFactory? loggerFactory)
    {
        var errors = OpcUaOptionsValidator.Validate(endpoints);
        if (errors.Count > 0) throw new ArgumentException("Invalid OPC UA configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        return endpoints.Select(e => (ISampleSource)new OpcUaSource(e, health, loggerFactory?.CreateLogger<OpcUaSource>())).ToArray();
    }
}

internal static partial class OpcUaSourceLog
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "{Source}: tag {TagId} not found (browse path '{BrowsePath}')")]
    public static partial void TagNotFound(ILogger logger, string source, string tagId, string browsePath);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "{Source}: connection lost ({Reason}); tags marked BadNotConnected until it is back")]
    public static partial void Outage(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "{Source}: the pipeline is full; holding values and slowing the subscription down (backpressure; logged once, see BackpressureEpisodes)")]
    public static partial void Backpressure(ILogger logger, string source);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "{Source}: the server's item queues overflowed ({Count} values flagged Overflow in one message): it discarded values; raise queueSize or outstandingPublishRequests")]
    public static partial void ServerOverflow(ILogger logger, string source, long count);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Warning, Message = "{Source}: {Count} values were still waiting for the pipeline when the source stopped; dropped")]
    public static partial void DroppedAtStop(ILogger logger, string source, long count);
}
