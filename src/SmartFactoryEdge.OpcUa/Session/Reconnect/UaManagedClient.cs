using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Session.Reconnect;

/// <summary>A subscription the managed client keeps alive across reconnects.</summary>
public sealed record ManagedSubscriptionSpec(TimeSpan PublishingInterval, IReadOnlyList<MonitoredItemSpec> Items, DataChangeHandler Handler, uint MaxKeepAliveCount = 10,
    ManagedBackpressure? Backpressure = null);

/// <summary>How the managed client watches and heals its session.</summary>
public sealed record UaReconnectOptions
{
    /// <summary>Backoff between reconnect attempts (jittered; retries for ever by default).</summary>
    public RetryPolicyOptions Retry { get; init; } = new() { InitialDelay = TimeSpan.FromMilliseconds(250), MaxDelay = TimeSpan.FromSeconds(2), JitterFactor = 0.3 };

    /// <summary>Silence tolerated beyond a subscription's keep-alive budget before the session counts as dead.</summary>
    public TimeSpan KeepAliveGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Without subscriptions: how often the server's CurrentTime is read to prove the session alive.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>What happened on the last (re)connect, for tests and logs.</summary>
public enum ReconnectOutcome
{
    None,
    NewSession,
    Reactivated,
    Transferred,
    Recreated,
}

/// <summary>
/// A self-healing OPC UA client for one endpoint (Part 4, 6.7 "re-establishing connections"): it detects a dead
/// connection or session within the keep-alive budget, reconnects with backoff and jitter, first tries to
/// re-activate the old session on a new channel, then to transfer its subscriptions to a new session, and
/// otherwise recreates every subscription and monitored item. Health goes to <see cref="IHealthRegistry"/>.
/// </summary>
public sealed class UaManagedClient : IAsyncDisposable
{
    private readonly string _endpointUrl;
    private readonly UaSessionOptions _sessionOptions;
    private readonly UaReconnectOptions _options;
    private readonly IHealthRegistry? _health;
    private readonly string _healthName;
    private readonly ILogger _logger;
    private readonly IRetryPolicy _retry;
    private readonly Func<UaSession, CancellationToken, Task<IReadOnlyList<ManagedSubscriptionSpec>>> _prepare;
    private readonly TaskCompletionSource _firstConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(ManagedSubscriptionSpec Spec, UaSubscription? Live)> _subscriptions = [];
    private UaSession? _session;
    private int _connects;

    /// <param name="prepare">Called on every new session (not on reactivation or transfer) to say which subscriptions to create; this is where tags are resolved.</param>
    public UaManagedClient(string endpointUrl, Func<UaSession, CancellationToken, Task<IReadOnlyList<ManagedSubscriptionSpec>>> prepare,
        UaSessionOptions? sessionOptions = null, UaReconnectOptions? options = null, IHealthRegistry? health = null, ILogger? logger = null, string? healthName = null)
    {
        _endpointUrl = endpointUrl;
        _prepare = prepare;
        _sessionOptions = sessionOptions ?? new UaSessionOptions();
        _options = options ?? new UaReconnectOptions();
        _health = health;
        _healthName = healthName ?? "opcua:" + endpointUrl;
        _logger = logger ?? NullLogger.Instance;
        _retry = new ExponentialBackoffRetryPolicy(_options.Retry);
    }

    /// <summary>The live session, or null while disconnected.</summary>
    public UaSession? Session => _session;

    public Task FirstConnected => _firstConnected.Task;

    public ReconnectOutcome LastOutcome { get; private set; }

    /// <summary>Successful (re)connects, the first included.</summary>
    public int Connects => _connects;

    /// <summary>Raised after every successful (re)connect.</summary>
    public event Action<ReconnectOutcome>? Connected;

    /// <summary>Raised when the session is found dead, with the reason.</summary>
    public event Action<string>? Disconnected;

    private void Report(EndpointHealthState state, string? reason)
    {
        _health?.Report(_healthName, state, reason);
        ManagedClientLog.Health(_logger, _healthName, state, reason ?? "");
    }

    /// <summary>Connects and keeps the session alive until cancelled; never throws except on cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        var outageStart = DateTime.UtcNow;
        Report(EndpointHealthState.Connecting, null);
        while (!cancellationToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                await ConnectAsync(cancellationToken).ConfigureAwait(false);
                attempt = 0;
                Interlocked.Increment(ref _connects);
                var degraded = _subscriptions.Any(s => s.Live is null);
                Report(degraded ? EndpointHealthState.Degraded : EndpointHealthState.Connected, degraded ? "some subscriptions could not be created" : LastOutcome.ToString());
                Connected?.Invoke(LastOutcome);
                _firstConnected.TrySetResult();
                reason = await SuperviseAsync(_session!, cancellationToken).ConfigureAwait(false);
                // stop the dead session's loops and socket now (its identity stays for reactivation)
                await _session!.DisposeAsync().ConfigureAwait(false);
                outageStart = DateTime.UtcNow;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is PeerUnavailableException or ProtocolViolationException or ServiceResultException or IOException or NotSupportedException)
            {
                reason = ex.Message;
                if (ex is NotSupportedException or ServiceResultException { StatusCode.Code: StatusCodes.BadIdentityTokenRejected or StatusCodes.BadUserAccessDenied or StatusCodes.BadIdentityTokenInvalid })
                {
                    // configuration problems do not heal by retrying fast; keep retrying slowly
                    attempt = Math.Max(attempt, 10);
                }
            }
            if (cancellationToken.IsCancellationRequested) break;
            Disconnected?.Invoke(reason);
            Report(EndpointHealthState.Faulted, reason);
            var delay = _retry.GetNextDelay(++attempt, DateTime.UtcNow - outageStart) ?? _options.Retry.MaxDelay;
            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            Report(EndpointHealthState.Connecting, reason);
        }
        if (_session is { } s)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await s.CloseAsync(closing.Token).ConfigureAwait(false);
            _session = null;
        }
        Report(EndpointHealthState.Stopped, null);
    }

    private UaSession? _previous;

    private async Task ConnectAsync(CancellationToken ct)
    {
        // the last session we had stays the candidate for reactivation/transfer until a connect succeeds
        var old = _session ?? _previous;
        _previous = old;
        _session = null;
        if (old is not null)
        {
            await old.DisposeAsync().ConfigureAwait(false); // local only: the server-side session may live on
            if (old.DeadReason is not ServiceResultException { StatusCode.Code: StatusCodes.BadNoSubscription })
            {
                try
                {
                    _session = await UaSession.ReactivateAsync(old, ct).ConfigureAwait(false);
                    LastOutcome = ReconnectOutcome.Reactivated;
                    _previous = null;
                    return;
                }
                catch (ServiceResultException)
                {
                    // session gone on the server: fall through to a new one
                }
            }
        }
        var session = await UaSession.ConnectAsync(_endpointUrl, _sessionOptions, _logger, ct).ConfigureAwait(false);
        try
        {
            if (old is null || _subscriptions.Count == 0)
            {
                _subscriptions.Clear();
                foreach (var spec in await _prepare(session, ct).ConfigureAwait(false)) _subscriptions.Add((spec, null));
                await CreateMissingAsync(session, ct).ConfigureAwait(false);
                LastOutcome = ReconnectOutcome.NewSession;
            }
            else
            {
                var transferred = await TryTransferAsync(session, ct).ConfigureAwait(false);
                var created = await CreateMissingAsync(session, ct).ConfigureAwait(false);
                LastOutcome = created == 0 && transferred > 0 ? ReconnectOutcome.Transferred : ReconnectOutcome.Recreated;
            }
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _session = session;
        _previous = null;
    }

    private async Task<int> TryTransferAsync(UaSession session, CancellationToken ct)
    {
        var live = _subscriptions.Where(s => s.Live is not null).Select(s => s.Live!).ToArray();
        if (live.Length == 0) return 0;
        TransferResult[] results;
        try
        {
            results = await session.TransferSubscriptionsAsync(live.Select(s => s.SubscriptionId).ToArray(), true, ct).ConfigureAwait(false);
        }
        catch (ServiceResultException)
        {
            results = [];
        }
        var transferred = 0;
        for (int i = 0; i < _subscriptions.Count; i++)
        {
            var (spec, sub) = _subscriptions[i];
            if (sub is null) continue;
            var index = Array.IndexOf(live, sub);
            if (index < results.Length && results[index].StatusCode.IsGood)
            {
                sub.MoveTo(session);
                session.Adopt(sub);
                transferred++;
            }
            else
            {
                _subscriptions[i] = (spec, null);
            }
        }
        return transferred;
    }

    private async Task<int> CreateMissingAsync(UaSession session, CancellationToken ct)
    {
        var created = 0;
        for (int i = 0; i < _subscriptions.Count; i++)
        {
            var (spec, live) = _subscriptions[i];
            if (live is not null) continue;
            var sub = await session.CreateSubscriptionAsync(spec.PublishingInterval, spec.Handler, ct, spec.MaxKeepAliveCount, backpressure: spec.Backpressure).ConfigureAwait(false);
            var results = await sub.CreateMonitoredItemsAsync(spec.Items, ct).ConfigureAwait(false);
            var bad = results.Count(r => r.StatusCode.IsBad);
            if (bad > 0) ManagedClientLog.ItemsRefused(_logger, _endpointUrl, bad, spec.Items.Count, results.First(r => r.StatusCode.IsBad).StatusCode.ToString());
            _subscriptions[i] = (spec, sub);
            created++;
        }
        return created;
    }

    /// <summary>Returns the reason once the session is dead (closed channel, keep-alive budget exceeded, failed keep-alive read).</summary>
    private async Task<string> SuperviseAsync(UaSession session, CancellationToken ct)
    {
        var lastProbe = DateTime.UtcNow;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (true)
        {
            var tick = timer.WaitForNextTickAsync(ct).AsTask();
            var finished = await Task.WhenAny(tick, session.Dead).ConfigureAwait(false);
            if (finished == session.Dead) return (await session.Dead.ConfigureAwait(false)).Message;
            await tick.ConfigureAwait(false); // throws on cancellation
            var now = DateTime.UtcNow;
            var subs = session.Subscriptions;
            if (subs.Count > 0)
            {
                var budget = subs.Max(s => s.KeepAliveBudget) + _options.KeepAliveGrace;
                var silence = now - session.LastResponse;
                if (silence > budget)
                {
                    var reason = $"{_endpointUrl} silent for {silence.TotalSeconds:0.0} s, beyond the keep-alive budget of {budget.TotalSeconds:0.0} s";
                    session.MarkDead(new PeerUnavailableException(reason));
                    return reason;
                }
            }
            else if (now - lastProbe > _options.KeepAliveInterval)
            {
                lastProbe = now;
                try
                {
                    await session.ReadAsync([new ReadValueId(WellKnownNodes.ServerStatusCurrentTime)], ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is PeerUnavailableException or ServiceResultException or ProtocolViolationException)
                {
                    session.MarkDead(ex);
                    return ex.Message;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is { } s) await s.DisposeAsync().ConfigureAwait(false);
    }
}

internal static partial class ManagedClientLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "{Endpoint} is {State} {Reason}")]
    public static partial void Health(ILogger logger, string endpoint, EndpointHealthState state, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "{Endpoint} refused {Bad} of {Total} monitored items, e.g. {Status}")]
    public static partial void ItemsRefused(ILogger logger, string endpoint, int bad, int total, string status);
}
