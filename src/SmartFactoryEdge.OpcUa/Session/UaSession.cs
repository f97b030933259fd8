using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.SecureChannel;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Session;

/// <summary>
/// An activated OPC UA session on a secure channel (Part 4, 5.6): the attribute, view and subscription services,
/// and a publish loop that keeps several Publish requests outstanding, acknowledges what it processed, and asks
/// for a Republish when a sequence number is missing.
/// </summary>
public sealed class UaSession : IAsyncDisposable
{
    private readonly UaSessionOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, UaSubscription> _subscriptions = new();
    private readonly ConcurrentQueue<SubscriptionAcknowledgement> _acks = new();
    private readonly Channel<PublishResponse> _publishResponses = System.Threading.Channels.Channel.CreateUnbounded<PublishResponse>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _life = new();
    private readonly SemaphoreSlim _publishSlots;
    private readonly TaskCompletionSource<Exception> _dead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UaSecureChannel _channel;
    private Task? _publishLoop;
    private Task? _processLoop;
    private long _lastResponseTicks;

    private UaSession(UaSecureChannel channel, UaSessionOptions options, ILogger logger, NodeId sessionId, NodeId authenticationToken, double revisedTimeout)
    {
        _channel = channel;
        _options = options;
        _logger = logger;
        SessionId = sessionId;
        AuthenticationToken = authenticationToken;
        RevisedSessionTimeout = TimeSpan.FromMilliseconds(revisedTimeout);
        _publishSlots = new SemaphoreSlim(Math.Max(1, options.OutstandingPublishRequests));
        Touch();
    }

    public string EndpointUrl => _channel.EndpointUrl;

    public NodeId SessionId { get; }

    public NodeId AuthenticationToken { get; }

    public TimeSpan RevisedSessionTimeout { get; }

    public UaSecureChannel Channel => _channel;

    /// <summary>When the server last answered anything on this session (UTC ticks).</summary>
    public DateTime LastResponse => new(Interlocked.Read(ref _lastResponseTicks), DateTimeKind.Utc);

    /// <summary>Completes when the session is found dead (channel closed, session invalid on the server).</summary>
    public Task<Exception> Dead => _dead.Task;

    private Exception? _deadReason;

    /// <summary>Why the session died, once <see cref="Dead"/> has completed.</summary>
    public Exception? DeadReason => Volatile.Read(ref _deadReason);

    public IReadOnlyCollection<UaSubscription> Subscriptions => _subscriptions.Values.ToArray();

    /// <summary>Publish responses that were keep-alives (for tests and metrics).</summary>
    public long KeepAlives { get; private set; }

    /// <summary>Republish requests sent for missing sequence numbers.</summary>
    public long Republishes { get; private set; }

    /// <summary>Sequence numbers the server could no longer provide (values lost).</summary>
    public long LostMessages { get; private set; }

    private void Touch() => Interlocked.Exchange(ref _lastResponseTicks, DateTime.UtcNow.Ticks);

    /// <summary>Opens a secure channel (None), creates and activates a session.</summary>
    /// <exception cref="PeerUnavailableException">The server cannot be reached.</exception>
    /// <exception cref="ServiceResultException">The server refused the session or the login.</exception>
    public static async Task<UaSession> ConnectAsync(string endpointUrl, UaSessionOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options ??= new UaSessionOptions();
        logger ??= NullLogger.Instance;
        var security = options.Security is null ? null : await PrepareSecurityAsync(endpointUrl, options, logger, cancellationToken).ConfigureAwait(false);
        var channel = new UaSecureChannel(endpointUrl, security?.CreateChannelPolicy() ?? NoneSecurityPolicy.Instance, options.Channel, logger);
        await channel.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var clientNonce = security is { IsNone: false } ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : new byte[32];
            var create = await channel.SendRequestAsync<CreateSessionResponse>(new CreateSessionRequest
            {
                ClientDescription = new ApplicationDescription
                {
                    // the server checks it against the URI in our certificate, which may predate a configuration change
                    ApplicationUri = security?.Own is { } own ? CertificateValidator.SubjectAlternativeNames(own).Uris.FirstOrDefault() ?? options.ApplicationUri : options.ApplicationUri,
                    ProductUri = "urn:smartfactoryedge",
                    ApplicationName = new LocalizedText(options.ApplicationName),
                    ApplicationType = ApplicationType.Client,
                },
                EndpointUrl = endpointUrl,
                SessionName = options.SessionName,
                ClientNonce = clientNonce,
                ClientCertificate = security?.Own?.RawData,
                RequestedSessionTimeout = options.SessionTimeout.TotalMilliseconds,
                MaxResponseMessageSize = options.Channel.Limits.MaxMessageSize,
            }, null, cancellationToken).ConfigureAwait(false);
            if (security is { IsNone: false } && !SessionSignatures.VerifyServerSignature(security.Policy!, security.Server!, security.Own!.RawData, clientNonce, create.ServerSignature))
                throw new ProtocolViolationException($"{endpointUrl}: the server signature in CreateSessionResponse does not verify with its certificate ({security.Policy!.Name}).");
            var session = new UaSession(channel, options, logger, create.SessionId, create.AuthenticationToken, create.RevisedSessionTimeout) { _security = security };
            session._serverCertificate = create.ServerCertificate;
            session._serverNonce = create.ServerNonce;
            await session.ActivateAsync(create.ServerEndpoints, cancellationToken).ConfigureAwait(false);
            session.Start();
            SessionLog.Created(logger, endpointUrl, create.SessionId.ToString(), create.RevisedSessionTimeout);
            return session;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Moves this session onto a new secure channel and re-activates it (after a connection loss).</summary>
    public static async Task<UaSession> ReactivateAsync(UaSession old, CancellationToken cancellationToken)
    {
        var channel = new UaSecureChannel(old.EndpointUrl, old._security?.CreateChannelPolicy() ?? NoneSecurityPolicy.Instance, old._options.Channel, old._logger);
        await channel.OpenAsync(cancellationToken).ConfigureAwait(false);
        var session = new UaSession(channel, old._options, old._logger, old.SessionId, old.AuthenticationToken, old.RevisedSessionTimeout.TotalMilliseconds)
        {
            _security = old._security,
            _serverCertificate = old._serverCertificate,
            _serverNonce = old._serverNonce,
            _endpoints = old._endpoints,
        };
        try
        {
            await session.ActivateAsync(old._endpoints, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        foreach (var s in old._subscriptions.Values)
        {
            s.MoveTo(session);
            session._subscriptions[s.SubscriptionId] = s;
        }
        session.Start();
        return session;
    }

    private byte[]? _serverCertificate;
    private byte[]? _serverNonce;
    private UaSessionSecurity? _security;

    /// <summary>GetEndpoints, endpoint selection, our certificate, and validation of the server certificate against the PKI folder.</summary>
    private static async Task<UaSessionSecurity> PrepareSecurityAsync(string endpointUrl, UaSessionOptions options, ILogger logger, CancellationToken ct)
    {
        var config = options.Security!;
        var endpoints = await GetEndpointsAsync(endpointUrl, options.Channel, ct).ConfigureAwait(false);
        var endpoint = UaSessionSecurity.Select(endpoints, config, endpointUrl);
        var info = SecurityPolicyInfo.Find(endpoint.SecurityPolicyUri);
        if (info is null || endpoint.SecurityMode == MessageSecurityMode.None)
        {
            SessionLog.InsecureEndpoint(logger, endpointUrl);
            return new UaSessionSecurity { Endpoint = endpoint, Policy = null, Own = null, Server = null, ServerDer = null };
        }
        var store = new PkiStore(config.PkiPath);
        var own = ApplicationCertificate.LoadOrCreate(store, new ApplicationCertificateOptions { ApplicationUri = options.ApplicationUri, ApplicationName = options.ApplicationName }, logger: logger);
        var serverChain = endpoint.ServerCertificate
            ?? throw new ProtocolViolationException($"{endpointUrl}: endpoint {info.Name}/{endpoint.SecurityMode} carries no server certificate.");
        var validator = new CertificateValidator(store);
        try
        {
            validator.Validate(serverChain, endpointUrl, endpoint.Server?.ApplicationUri);
        }
        catch (CertificateValidationException ex) when (config.AutoAcceptUntrusted && ex.StatusCode == StatusCodes.BadCertificateUntrusted)
        {
            using var untrusted = X509CertificateLoader.LoadCertificate(UserTokenEncryption.FirstDerElement(serverChain));
            store.Trust(untrusted.Thumbprint);
            SessionLog.AutoAccepted(logger, endpointUrl, untrusted.Thumbprint);
            validator.Validate(serverChain, endpointUrl, endpoint.Server?.ApplicationUri);
        }
        var serverDer = UserTokenEncryption.FirstDerElement(serverChain);
        SessionLog.SecureEndpoint(logger, endpointUrl, info.Name, endpoint.SecurityMode.ToString());
        return new UaSessionSecurity { Endpoint = endpoint, Policy = info, Own = own, Server = X509CertificateLoader.LoadCertificate(serverDer), ServerDer = serverDer };
    }
    private EndpointDescription[]? _endpoints;

    private async Task ActivateAsync(EndpointDescription[]? endpoints, CancellationToken ct)
    {
        _endpoints = endpoints;
        var request = new ActivateSessionRequest { LocaleIds = ["en"] };
        string identity;
        if (_options.UserCertificate is { } userCertificate)
        {
            var (endpoint, policy) = FindTokenPolicy(endpoints, UserTokenType.Certificate, "X.509 certificate");
            var policyInfo = SecurityPolicyInfo.Find(TokenPolicyUri(endpoint, policy))
                ?? throw new NotSupportedException($"{EndpointUrl}: the X.509 user token policy '{policy.PolicyId}' uses security policy '{TokenPolicyUri(endpoint, policy)}', which cannot sign the token (need Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss).");
            var serverCertificate = UserTokenEncryption.FirstDerElement(_security?.ServerDer ?? endpoint.ServerCertificate ?? _serverCertificate
                ?? throw new ProtocolViolationException($"{EndpointUrl} sent no server certificate to sign the X.509 user token for."));
            request.UserIdentityToken = new X509IdentityToken(policy.PolicyId, userCertificate.RawData);
            request.UserTokenSignature = SessionSignatures.CreateUserTokenSignature(policyInfo, userCertificate, serverCertificate, _serverNonce ?? []);
            identity = $"X.509 user certificate '{userCertificate.Subject}' (thumbprint {userCertificate.Thumbprint}, token policy {policyInfo.Name})";
        }
        else if (_options.UserName is { } user)
        {
            var (endpoint, policy) = FindTokenPolicy(endpoints, UserTokenType.UserName, "UserName");
            var password = System.Text.Encoding.UTF8.GetBytes(_options.Password ?? "");
            var tokenPolicyUri = TokenPolicyUri(endpoint, policy);
            if (tokenPolicyUri is { Length: > 0 } uri && uri != NoneSecurityPolicy.PolicyUri)
            {
                var (secret, algorithm) = UserTokenEncryption.Encrypt(uri, password, endpoint.ServerCertificate ?? _serverCertificate, _serverNonce);
                request.UserIdentityToken = new UserNameIdentityToken(policy.PolicyId, user, secret, algorithm);
            }
            else
            {
                request.UserIdentityToken = new UserNameIdentityToken(policy.PolicyId, user, password, null);
            }
            identity = $"user '{user}' (UserName token, password {(tokenPolicyUri is { Length: > 0 } u2 && u2 != NoneSecurityPolicy.PolicyUri ? "encrypted with " + u2.Split('#').Last() : "in plain text")})";
        }
        else
        {
            var policy = endpoints?.Where(IsOurEndpoint)
                .SelectMany(e => e.UserIdentityTokens).FirstOrDefault(t => t.TokenType == UserTokenType.Anonymous);
            request.UserIdentityToken = new AnonymousIdentityToken(policy?.PolicyId ?? "anonymous");
            identity = "anonymous";
        }
        if (_security is { IsNone: false } security)
            request.ClientSignature = SessionSignatures.CreateClientSignature(security.Policy!, security.Own!, security.ServerDer!, _serverNonce ?? []);
        request.RequestHeader.AuthenticationToken = AuthenticationToken;
        ActivateSessionResponse response;
        try
        {
            response = await _channel.SendRequestAsync<ActivateSessionResponse>(request, null, ct).ConfigureAwait(false);
        }
        catch (ServiceResultException ex) when (ex.StatusCode.IsBad && ex.StatusCode.Code is not (StatusCodes.BadTimeout or StatusCodes.BadSecureChannelClosed or StatusCodes.BadConnectionClosed
            or StatusCodes.BadSessionIdInvalid or StatusCodes.BadSessionClosed or StatusCodes.BadSessionNotActivated))
        {
            // say who was refused where: the operator needs the login, not just the code
            throw new ServiceResultException(ex.StatusCode, $"{EndpointUrl} refused the login of {identity} on its {_security?.Policy?.Name ?? "None"}/{_security?.Endpoint.SecurityMode.ToString() ?? "None"} endpoint in ActivateSession ({Explain(ex.StatusCode.Code)})");
        }
        if (response.ServerNonce is { Length: > 0 } nonce) _serverNonce = nonce;
        SessionLog.Activated(_logger, EndpointUrl, identity);
        Touch();
    }

    private static string Explain(uint code) => code switch
    {
        StatusCodes.BadUserAccessDenied => "wrong user name or password, or the user may not log in",
        StatusCodes.BadIdentityTokenRejected => "the server does not accept this identity, e.g. an untrusted, expired or revoked user certificate",
        StatusCodes.BadIdentityTokenInvalid => "the server cannot read the identity token",
        StatusCodes.BadUserSignatureInvalid => "the user token signature does not verify",
        StatusCodes.BadApplicationSignatureInvalid => "our application signature does not verify",
        StatusCodes.BadSecurityPolicyRejected => "the token policy does not match the server's",
        _ => "see the status code",
    };

    /// <summary>The endpoint we use and its user token policy of the given type.</summary>
    private (EndpointDescription Endpoint, UserTokenPolicy Policy) FindTokenPolicy(EndpointDescription[]? endpoints, UserTokenType type, string what)
    {
        var endpoint = endpoints?.FirstOrDefault(e => IsOurEndpoint(e) && e.UserIdentityTokens.Any(t => t.TokenType == type))
            ?? throw new NotSupportedException($"{EndpointUrl} offers no {what} login on its {(_security?.Policy?.Name ?? "None")} endpoint.");
        return (endpoint, endpoint.UserIdentityTokens.First(t => t.TokenType == type));
    }

    /// <summary>An empty token policy URI means the endpoint's own policy (Part 4, 7.41).</summary>
    private static string? TokenPolicyUri(EndpointDescription endpoint, UserTokenPolicy policy)
        => policy.SecurityPolicyUri is { Length: > 0 } own ? own : endpoint.SecurityPolicyUri;

    private bool IsOurEndpoint(EndpointDescription e) => _security is { IsNone: false } security
        ? e.SecurityMode == security.Endpoint.SecurityMode && e.SecurityPolicyUri == security.Endpoint.SecurityPolicyUri
        : e.SecurityMode == MessageSecurityMode.None;

    private void Start()
    {
        _publishLoop = Task.Run(PublishLoopAsync, CancellationToken.None);
        _processLoop = Task.Run(ProcessLoopAsync, CancellationToken.None);
        _watchChannel = WatchChannelAsync();
    }

    private Task? _watchChannel;

    private async Task WatchChannelAsync()
    {
        var reason = await _channel.Closed.ConfigureAwait(false);
        MarkDead(reason ?? new PeerUnavailableException($"Secure channel to {EndpointUrl} closed."));
    }

    internal void MarkDead(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _deadReason, reason, null) is not null) return;
        _dead.TrySetResult(reason);
        SessionLog.Dead(_logger, EndpointUrl, reason.Message);
    }

    /// <summary>Sends any service request with this session's authentication token.</summary>
    public async Task<TResponse> CallAsync<TResponse>(ServiceRequest request, CancellationToken cancellationToken, TimeSpan? timeout = null)
        where TResponse : IServiceResponse<TResponse>
    {
        request.RequestHeader.AuthenticationToken = AuthenticationToken;
        try
        {
            var response = await _channel.SendRequestAsync<TResponse>(request, timeout, cancellationToken).ConfigureAwait(false);
            Touch();
            return response;
        }
        catch (ServiceResultException ex) when (ex.StatusCode.Code is StatusCodes.BadSessionIdInvalid or StatusCodes.BadSessionClosed or StatusCodes.BadSessionNotActivated)
        {
            MarkDead(ex);
            throw;
        }
    }

    // ------------------------------------------------------------ discovery (no session needed)

    /// <summary>GetEndpoints on a fresh channel without a session.</summary>
    public static async Task<EndpointDescription[]> GetEndpointsAsync(string endpointUrl, SecureChannelOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var channel = new UaSecureChannel(endpointUrl, NoneSecurityPolicy.Instance, options);
        await channel.OpenAsync(cancellationToken).ConfigureAwait(false);
        var response = await channel.SendRequestAsync<GetEndpointsResponse>(new GetEndpointsRequest { EndpointUrl = endpointUrl }, null, cancellationToken).ConfigureAwait(false);
        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        return response.Endpoints;
    }

    /// <summary>FindServers on a fresh channel without a session.</summary>
    public static async Task<ApplicationDescription[]> FindServersAsync(string endpointUrl, SecureChannelOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var channel = new UaSecureChannel(endpointUrl, NoneSecurityPolicy.Instance, options);
        await channel.OpenAsync(cancellationToken).ConfigureAwait(false);
        var response = await channel.SendRequestAsync<FindServersResponse>(new FindServersRequest { EndpointUrl = endpointUrl }, null, cancellationToken).ConfigureAwait(false);
        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        return response.Servers;
    }

    // ------------------------------------------------------------ attribute services

    public async Task<DataValue[]> ReadAsync(IReadOnlyList<ReadValueId> nodes, CancellationToken cancellationToken, TimestampsToReturn timestamps = TimestampsToReturn.Both)
    {
        var response = await CallAsync<ReadResponse>(new ReadRequest { NodesToRead = nodes, TimestampsToReturn = timestamps }, cancellationToken).ConfigureAwait(false);
        if (response.Results.Length != nodes.Count)
            throw new ProtocolViolationException($"{EndpointUrl} returned {response.Results.Length} results for {nodes.Count} reads.");
        return response.Results;
    }

    public async Task<DataValue> ReadValueAsync(NodeId node, CancellationToken cancellationToken) =>
        (await ReadAsync([new ReadValueId(node)], cancellationToken).ConfigureAwait(false))[0];

    public async Task<StatusCode[]> WriteAsync(IReadOnlyList<WriteValue> values, CancellationToken cancellationToken)
    {
        var response = await CallAsync<WriteResponse>(new WriteRequest { NodesToWrite = values }, cancellationToken).ConfigureAwait(false);
        return response.Results;
    }

    // ------------------------------------------------------------ view services

    public async Task<BrowseResult[]> BrowseAsync(IReadOnlyList<BrowseDescription> nodes, uint maxReferencesPerNode, CancellationToken cancellationToken)
    {
        var response = await CallAsync<BrowseResponse>(new BrowseRequest { NodesToBrowse = nodes, RequestedMaxReferencesPerNode = maxReferencesPerNode }, cancellationToken).ConfigureAwait(false);
        return response.Results;
    }

    public async Task<BrowseResult[]> BrowseNextAsync(IReadOnlyList<byte[]?> continuationPoints, bool release, CancellationToken cancellationToken)
    {
        var response = await CallAsync<BrowseNextResponse>(new BrowseNextRequest { ContinuationPoints = continuationPoints, ReleaseContinuationPoints = release }, cancellationToken).ConfigureAwait(false);
        return response.Results;
    }

    /// <summary>Browses one node and follows continuation points until all references are in.</summary>
    public async Task<IReadOnlyList<ReferenceDescription>> BrowseAllAsync(BrowseDescription node, uint maxReferencesPerNode, CancellationToken cancellationToken)
    {
        var result = (await BrowseAsync([node], maxReferencesPerNode, cancellationToken).ConfigureAwait(false))[0];
        if (result.StatusCode.IsBad) throw new ServiceResultException(result.StatusCode, $"Browse of {node.NodeId} on {EndpointUrl}");
        var all = new List<ReferenceDescription>(result.References);
        var cp = result.ContinuationPoint;
        var rounds = 0;
        while (cp is { Length: > 0 })
        {
            if (++rounds > 100_000) throw new ProtocolViolationException($"{EndpointUrl} keeps returning continuation points for {node.NodeId}.");
            var next = (await BrowseNextAsync([cp], false, cancellationToken).ConfigureAwait(false))[0];
            if (next.StatusCode.IsBad) throw new ServiceResultException(next.StatusCode, $"BrowseNext of {node.NodeId} on {EndpointUrl}");
            all.AddRange(next.References);
            cp = next.ContinuationPoint;
            ContinuationPointsFollowed++;
        }
        return all;
    }

    /// <summary>How many BrowseNext calls <see cref="BrowseAllAsync"/> made (for tests).</summary>
    public int ContinuationPointsFollowed { get; private set; }

    public async Task<BrowsePathResult[]> TranslateBrowsePathsAsync(IReadOnlyList<BrowsePath> paths, CancellationToken cancellationToken)
    {
        var response = await CallAsync<TranslateBrowsePathsToNodeIdsResponse>(new TranslateBrowsePathsToNodeIdsRequest { BrowsePaths = paths }, cancellationToken).ConfigureAwait(false);
        return response.Results;
    }

    /// <summary>
    /// Resolves "Objects/Line1/Press01/Temperature"-style paths from the Objects folder. An element may name its
    /// namespace ("2:Name"); an unqualified element matches a browse name in any namespace (the server's own first).
    /// </summary>
    public async Task<NodeId?> ResolveBrowsePathAsync(string path, CancellationToken cancellationToken)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 0 && parts[0] == "Objects") parts = parts[1..];
        var start = WellKnownNodes.ObjectsFolder;
        if (parts.Length == 0) return start;
        // fast path: one TranslateBrowsePaths call, unqualified names taken from namespace 1 (the server's own)
        var elements = parts.Select(p => new RelativePathElement(WellKnownNodes.HierarchicalReferences, false, true,
            p.Contains(':') ? QualifiedName.Parse(p) : new QualifiedName(1, p))).ToArray();
        var result = (await TranslateBrowsePathsAsync([new BrowsePath(start, elements)], cancellationToken).ConfigureAwait(false))[0];
        if (result.StatusCode.IsGood && result.Targets.Length > 0) return result.Targets[0].TargetId.NodeId;
        // slow path: browse level by level, matching names in any namespace
        var current = start;
        foreach (var p in parts)
        {
            var wanted = QualifiedName.Parse(p);
            var qualified = p.Contains(':');
            var children = await BrowseAllAsync(new BrowseDescription { NodeId = current }, 0, cancellationToken).ConfigureAwait(false);
            var match = children.FirstOrDefault(c => c.NodeId.IsLocal && c.BrowseName.Name == wanted.Name && (!qualified || c.BrowseName.NamespaceIndex == wanted.NamespaceIndex));
            if (match is null) return null;
            current = match.NodeId.NodeId;
        }
        return current;
    }

    public async Task<string?[]> GetNamespaceArrayAsync(CancellationToken cancellationToken)
    {
        var dv = await ReadValueAsync(WellKnownNodes.NamespaceArray, cancellationToken).ConfigureAwait(false);
        return dv.Value.Value as string?[] ?? [];
    }

    /// <summary>Reads the EngineeringUnits property (HasProperty "EngineeringUnits") of a variable, or null when it has none.</summary>
    public async Task<EUInformation?> ReadEngineeringUnitsAsync(NodeId variable, CancellationToken cancellationToken)
    {
        var path = new BrowsePath(variable, [new RelativePathElement(WellKnownNodes.HasProperty, false, true, new QualifiedName(0, "EngineeringUnits"))]);
        var result = (await TranslateBrowsePathsAsync([path], cancellationToken).ConfigureAwait(false))[0];
        if (result.StatusCode.IsBad || result.Targets.Length == 0) return null;
        var dv = await ReadValueAsync(result.Targets[0].TargetId.NodeId, cancellationToken).ConfigureAwait(false);
        return dv.Value.Value is ExtensionObject eo && eo.TryDecode<EUInformation>(out var eu) ? eu : null;
    }

    // ------------------------------------------------------------ subscriptions

    /// <summary>Creates a subscription; notifications go to <paramref name="onDataChange"/> on the session's processing loop.</summary>
    public async Task<UaSubscription> CreateSubscriptionAsync(TimeSpan publishingInterval, DataChangeHandler onDataChange, CancellationToken cancellationToken,
        uint maxKeepAliveCount = 10, uint lifetimeCount = 60, uint maxNotificationsPerPublish = 0, ManagedBackpressure? backpressure = null)
    {
        var response = await CallAsync<CreateSubscriptionResponse>(new CreateSubscriptionRequest
        {
            RequestedPublishingInterval = publishingInterval.TotalMilliseconds,
            RequestedMaxKeepAliveCount = maxKeepAliveCount,
            RequestedLifetimeCount = Math.Max(lifetimeCount, maxKeepAliveCount * 3),
            MaxNotificationsPerPublish = maxNotificationsPerPublish,
            PublishingEnabled = true,
        }, cancellationToken).ConfigureAwait(false);
        var subscription = new UaSubscription(this, response.SubscriptionId, TimeSpan.FromMilliseconds(response.RevisedPublishingInterval),
            response.RevisedMaxKeepAliveCount, response.RevisedLifetimeCount, onDataChange) { Backpressure = backpressure };
        _subscriptions[response.SubscriptionId] = subscription;
        _subscriptionAdded.TrySetResult();
        return subscription;
    }

    internal void Forget(UaSubscription subscription) => _subscriptions.TryRemove(subscription.SubscriptionId, out _);

    internal void Adopt(UaSubscription subscription) => _subscriptions[subscription.SubscriptionId] = subscription;

    /// <summary>TransferSubscriptions of the given ids to this session (Part 4, 5.13.7).</summary>
    public async Task<TransferResult[]> TransferSubscriptionsAsync(IReadOnlyList<uint> ids, bool sendInitialValues, CancellationToken cancellationToken)
    {
        var response = await CallAsync<TransferSubscriptionsResponse>(new TransferSubscriptionsRequest { SubscriptionIds = ids, SendInitialValues = sendInitialValues }, cancellationToken).ConfigureAwait(false);
        return response.Results;
    }

    private TaskCompletionSource _subscriptionAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task PublishLoopAsync()
    {
        var ct = _life.Token;
        try
        {
            while (!ct.IsCancellationRequested && !_dead.Task.IsCompleted)
            {
                if (_subscriptions.IsEmpty)
                {
                    _subscriptionAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (_subscriptions.IsEmpty) await _subscriptionAdded.Task.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
                await _publishSlots.WaitAsync(ct).ConfigureAwait(false);
                _ = PublishOnceAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // closing
        }
    }

    private TimeSpan PublishTimeout()
    {
        var longest = TimeSpan.Zero;
        foreach (var s in _subscriptions.Values) if (s.KeepAliveBudget > longest) longest = s.KeepAliveBudget;
        return longest * 2 + TimeSpan.FromSeconds(5);
    }

    private async Task PublishOnceAsync(CancellationToken ct)
    {
        var released = false;
        try
        {
            var acks = new List<SubscriptionAcknowledgement>();
            while (acks.Count < 256 && _acks.TryDequeue(out var a)) acks.Add(a);
            var response = await CallAsync<PublishResponse>(new PublishRequest { SubscriptionAcknowledgements = acks }, ct, PublishTimeout()).ConfigureAwait(false);
            _publishSlots.Release();
            released = true;
            _publishResponses.Writer.TryWrite(response);
        }
        catch (OperationCanceledException)
        {
            // closing
        }
        catch (ServiceResultException ex) when (ex.StatusCode.Code is StatusCodes.BadNoSubscription)
        {
            // the server has no subscription for this session: fine if we deleted ours, else they were lost
            if (!_subscriptions.IsEmpty)
            {
                foreach (var s in _subscriptions.Values) s.MarkLost(ex.StatusCode);
                MarkDead(ex);
            }
        }
        catch (ServiceResultException ex) when (ex.StatusCode.Code is StatusCodes.BadTooManyPublishRequests)
        {
            // the server keeps fewer outstanding: drop this slot for good
            released = true;
            SessionLog.TooManyPublish(_logger, EndpointUrl);
        }
        catch (ServiceResultException ex) when (ex.StatusCode.Code is StatusCodes.BadTimeout)
        {
            MarkDead(new PeerUnavailableException($"{EndpointUrl} did not answer Publish within the keep-alive budget.", ex));
        }
        catch (Exception ex)
        {
            // this task is not awaited: every failure ends here and marks the session dead (the supervisor heals it)
            MarkDead(ex);
        }
        finally
        {
            if (!released && !_dead.Task.IsCompleted) _publishSlots.Release();
        }
    }

    /// <summary>Test hook: return true to drop a publish response as if it was lost on the way.</summary>
    internal Func<PublishResponse, bool>? DropPublishResponse { get; set; }

    /// <summary>How long an out-of-order message waits for the ones before it before they are asked for with Republish.</summary>
    internal TimeSpan GapTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    private async Task ProcessLoopAsync()
    {
        var ct = _life.Token;
        var batch = new List<PublishResponse>();
        try
        {
            while (await _publishResponses.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < 64 && _publishResponses.Reader.TryRead(out var r)) batch.Add(r);
                // responses can overtake each other on the way here: process in sequence order
                batch.Sort(static (a, b) => a.SubscriptionId != b.SubscriptionId
                    ? a.SubscriptionId.CompareTo(b.SubscriptionId)
                    : a.NotificationMessage.SequenceNumber.CompareTo(b.NotificationMessage.SequenceNumber));
                foreach (var response in batch)
                {
                    try
                    {
                        await HandlePublishResponseAsync(response, ct).ConfigureAwait(false);
                        // backpressure: the consumer is full; the next messages wait here (publish requests keep
                        // flowing so that the server's subscription never starves, responses queue in order)
                        if (_subscriptions.TryGetValue(response.SubscriptionId, out var s) && s.Backpressure is { } wait)
                            await wait(ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is PeerUnavailableException or ProtocolViolationException or ServiceResultException)
                    {
                        MarkDead(ex);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // closing
        }
    }

    private async Task HandlePublishResponseAsync(PublishResponse response, CancellationToken ct)
    {
        var message = response.NotificationMessage;
        if (!_subscriptions.TryGetValue(response.SubscriptionId, out var subscription) || DropPublishResponse?.Invoke(response) == true)
        {
            message.Release();
            return;
        }
        subscription.OnAnyMessage();
        if (message.IsKeepAlive)
        {
            KeepAlives++;
            // a keep-alive carries the next sequence number to come: anything before it that we lack is missing
            subscription.NoteExists(unchecked(message.SequenceNumber - 1));
        }
        else
        {
            var seq = message.SequenceNumber;
            if (subscription.LastSequenceNumber is { } previous && !SequenceAfter(seq, previous))
            {
                message.Release(); // a duplicate (already republished)
                return;
            }
            _acks.Enqueue(new(subscription.SubscriptionId, seq));
            if (subscription.LastSequenceNumber is null || seq == unchecked(subscription.LastSequenceNumber.Value + 1)) subscription.Deliver(message);
            else subscription.Hold(message);
            subscription.DrainHeld();
        }
        if (subscription.GapSince is { } since && DateTime.UtcNow - since >= GapTimeout)
            await RepublishMissingAsync(subscription, ct).ConfigureAwait(false);
    }

    internal static bool SequenceAfter(uint a, uint b) => unchecked((int)(a - b)) > 0;

    private async Task RepublishMissingAsync(UaSubscription subscription, CancellationToken ct)
    {
        var rounds = 0;
        while (subscription.FirstMissing() is { } missing && ++rounds <= 1000)
        {
            Republishes++;
            try
            {
                var r = await CallAsync<RepublishResponse>(new RepublishRequest { SubscriptionId = subscription.SubscriptionId, RetransmitSequenceNumber = missing }, ct).ConfigureAwait(false);
                subscription.Deliver(r.NotificationMessage);
                _acks.Enqueue(new(subscription.SubscriptionId, missing));
            }
            catch (ServiceResultException ex) when (ex.StatusCode.Code is StatusCodes.BadMessageNotAvailable)
            {
                LostMessages++;
                SessionLog.MessageLost(_logger, EndpointUrl, subscription.SubscriptionId, missing);
                subscription.Skip(missing);
            }
            subscription.DrainHeld();
        }
    }

    /// <summary>Closes the session (deleting its subscriptions) and the secure channel.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken, bool deleteSubscriptions = true)
    {
        if (!_dead.Task.IsCompleted)
        {
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                await CallAsync<CloseSessionResponse>(new CloseSessionRequest { DeleteSubscriptions = deleteSubscriptions }, cts.Token, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PeerUnavailableException or ServiceResultException or ProtocolViolationException or OperationCanceledException)
            {
                // closing anyway
            }
        }
        await _channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Drops this session object locally (without telling the server), e.g. after it died.</summary>
    public async ValueTask DisposeAsync()
    {
        _life.Cancel();
        MarkDead(new ObjectDisposedException(nameof(UaSession)));
        _publishResponses.Writer.TryComplete();
        await _channel.DisposeAsync().ConfigureAwait(false);
        if (_publishLoop is not null) await _publishLoop.ConfigureAwait(false);
        if (_processLoop is not null) await _processLoop.ConfigureAwait(false);
        if (_watchChannel is not null) await _watchChannel.ConfigureAwait(false);
    }
}

internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "OPC UA session {SessionId} created on {Endpoint}, timeout {TimeoutMs} ms")]
    public static partial void Created(ILogger logger, string endpoint, string sessionId, double timeoutMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "OPC UA session on {Endpoint} is dead: {Reason}")]
    public static partial void Dead(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "{Endpoint} refused another Publish request (BadTooManyPublishRequests); keeping fewer outstanding")]
    public static partial void TooManyPublish(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "{Endpoint} subscription {SubscriptionId} lost notification message {SequenceNumber} (not available for Republish)")]
    public static partial void MessageLost(ILogger logger, string endpoint, uint subscriptionId, uint sequenceNumber);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "OPC UA {Endpoint}: SecurityPolicy None configured, the connection is neither signed nor encrypted")]
    public static partial void InsecureEndpoint(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "OPC UA {Endpoint}: untrusted server certificate {Thumbprint} accepted automatically (autoAcceptUntrusted) and added to trusted/")]
    public static partial void AutoAccepted(ILogger logger, string endpoint, string thumbprint);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "OPC UA {Endpoint}: session activated for {Identity}")]
    public static partial void Activated(ILogger logger, string endpoint, string identity);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "OPC UA {Endpoint}: using SecurityPolicy {Policy}, mode {Mode}")]
    public static partial void SecureEndpoint(ILogger logger, string endpoint, string policy, string mode);
}
