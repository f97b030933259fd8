using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;

// Field orders follow Opc.Ua.Types.bsd (shared/opcua) exactly; Part 4 describes the semantics.
namespace SmartFactoryEdge.OpcUa.Services;

public enum MessageSecurityMode : uint { Invalid = 0, None = 1, Sign = 2, SignAndEncrypt = 3 }

public enum ApplicationType : uint { Server = 0, Client = 1, ClientAndServer = 2, DiscoveryServer = 3 }

public enum UserTokenType : uint { Anonymous = 0, UserName = 1, Certificate = 2, IssuedToken = 3 }

public enum SecurityTokenRequestType : uint { Issue = 0, Renew = 1 }

public enum BrowseDirection : uint { Forward = 0, Inverse = 1, Both = 2 }

[Flags]
public enum NodeClass : uint
{
    Unspecified = 0, Object = 1, Variable = 2, Method = 4, ObjectType = 8, VariableType = 16, ReferenceType = 32, DataType = 64, View = 128,
}

public enum TimestampsToReturn : uint { Source = 0, Server = 1, Both = 2, Neither = 3 }

public enum MonitoringMode : uint { Disabled = 0, Sampling = 1, Reporting = 2 }

public enum DataChangeTrigger : uint { Status = 0, StatusValue = 1, StatusValueTimestamp = 2 }

public enum DeadbandType : uint { None = 0, Absolute = 1, Percent = 2 }

public sealed record ApplicationDescription
{
    public string? ApplicationUri { get; init; }
    public string? ProductUri { get; init; }
    public LocalizedText ApplicationName { get; init; } = LocalizedText.Empty;
    public ApplicationType ApplicationType { get; init; }
    public string? GatewayServerUri { get; init; }
    public string? DiscoveryProfileUri { get; init; }
    public string?[] DiscoveryUrls { get; init; } = [];

    public void Encode(BinaryEncoder e)
    {
        e.WriteString(ApplicationUri);
        e.WriteString(ProductUri);
        e.WriteLocalizedText(ApplicationName);
        e.WriteUInt32((uint)ApplicationType);
        e.WriteString(GatewayServerUri);
        e.WriteString(DiscoveryProfileUri);
        e.WriteStringArray(DiscoveryUrls);
    }

    public static ApplicationDescription Decode(ref BinaryDecoder d) => new()
    {
        ApplicationUri = d.ReadString(),
        ProductUri = d.ReadString(),
        ApplicationName = d.ReadLocalizedText(),
        ApplicationType = (ApplicationType)d.ReadUInt32(),
        GatewayServerUri = d.ReadString(),
        DiscoveryProfileUri = d.ReadString(),
        DiscoveryUrls = d.ReadStringArray(),
    };
}

public sealed record UserTokenPolicy
{
    public string? PolicyId { get; init; }
    public UserTokenType TokenType { get; init; }
    public string? IssuedTokenType { get; init; }
    public string? IssuerEndpointUrl { get; init; }
    public string? SecurityPolicyUri { get; init; }

    public static UserTokenPolicy Decode(ref BinaryDecoder d) => new()
    {
        PolicyId = d.ReadString(),
        TokenType = (UserTokenType)d.ReadUInt32(),
        IssuedTokenType = d.ReadString(),
        IssuerEndpointUrl = d.ReadString(),
        SecurityPolicyUri = d.ReadString(),
    };
}

public sealed record EndpointDescription
{
    public string? EndpointUrl { get; init; }
    public ApplicationDescription Server { get; init; } = new();
    public byte[]? ServerCertificate { get; init; }
    public MessageSecurityMode SecurityMode { get; init; }
    public string? SecurityPolicyUri { get; init; }
    public UserTokenPolicy[] UserIdentityTokens { get; init; } = [];
    public string? TransportProfileUri { get; init; }
    public byte SecurityLevel { get; init; }

    public static EndpointDescription Decode(ref BinaryDecoder d) => new()
    {
        EndpointUrl = d.ReadString(),
        Server = ApplicationDescription.Decode(ref d),
        ServerCertificate = d.ReadByteString(),
        SecurityMode = (MessageSecurityMode)d.ReadUInt32(),
        SecurityPolicyUri = d.ReadString(),
        UserIdentityTokens = d.ReadArray(UserTokenPolicy.Decode, "UserIdentityTokens"),
        TransportProfileUri = d.ReadString(),
        SecurityLevel = d.ReadByte(),
    };
}

public sealed record SignatureData(string? Algorithm, byte[]? Signature)
{
    public static readonly SignatureData Empty = new(null, null);

    public void Encode(BinaryEncoder e)
    {
        e.WriteString(Algorithm);
        e.WriteByteString(Signature);
    }

    public static SignatureData Decode(ref BinaryDecoder d) => new(d.ReadString(), d.ReadByteString());
}

public sealed record ChannelSecurityToken(uint ChannelId, uint TokenId, DateTime CreatedAt, uint RevisedLifetime)
{
    public static ChannelSecurityToken Decode(ref BinaryDecoder d) => new(d.ReadUInt32(), d.ReadUInt32(), d.ReadDateTime(), d.ReadUInt32());
}

// ---------------------------------------------------------------- secure channel

public sealed class OpenSecureChannelRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.OpenSecureChannelRequest;
    public uint ClientProtocolVersion { get; set; }
    public SecurityTokenRequestType RequestType { get; set; }
    public MessageSecurityMode SecurityMode { get; set; } = MessageSecurityMode.None;
    public byte[]? ClientNonce { get; set; }
    public uint RequestedLifetime { get; set; }

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteUInt32(ClientProtocolVersion);
        e.WriteUInt32((uint)RequestType);
        e.WriteUInt32((uint)SecurityMode);
        e.WriteByteString(ClientNonce);
        e.WriteUInt32(RequestedLifetime);
    }
}

public sealed record OpenSecureChannelResponse(ResponseHeader ResponseHeader, uint ServerProtocolVersion, ChannelSecurityToken SecurityToken, byte[]? ServerNonce)
    : IServiceResponse<OpenSecureChannelResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.OpenSecureChannelResponse;

    public static OpenSecureChannelResponse Decode(ref BinaryDecoder d) =>
        new(ResponseHeader.Decode(ref d), d.ReadUInt32(), ChannelSecurityToken.Decode(ref d), d.ReadByteString());
}

public sealed class CloseSecureChannelRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.CloseSecureChannelRequest;

    protected override void EncodeBody(BinaryEncoder e) { }
}

// ---------------------------------------------------------------- discovery

public sealed class GetEndpointsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.GetEndpointsRequest;
    public string? EndpointUrl { get; set; }
    public string?[] LocaleIds { get; set; } = [];
    public string?[] ProfileUris { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteString(EndpointUrl);
        e.WriteStringArray(LocaleIds);
        e.WriteStringArray(ProfileUris);
    }
}

public sealed record GetEndpointsResponse(ResponseHeader ResponseHeader, EndpointDescription[] Endpoints) : IServiceResponse<GetEndpointsResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.GetEndpointsResponse;

    public static GetEndpointsResponse Decode(ref BinaryDecoder d) =>
        new(ResponseHeader.Decode(ref d), d.ReadArray(EndpointDescription.Decode, "Endpoints"));
}

public sealed class FindServersRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.FindServersRequest;
    public string? EndpointUrl { get; set; }
    public string?[] LocaleIds { get; set; } = [];
    public string?[] ServerUris { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteString(EndpointUrl);
        e.WriteStringArray(LocaleIds);
        e.WriteStringArray(ServerUris);
    }
}

public sealed record FindServersResponse(ResponseHeader ResponseHeader, ApplicationDescription[] Servers) : IServiceResponse<FindServersResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.FindServersResponse;

    public static FindServersResponse Decode(ref BinaryDecoder d) =>
        new(ResponseHeader.Decode(ref d), d.ReadArray(ApplicationDescription.Decode, "Servers"));
}

// ---------------------------------------------------------------- session

public sealed class CreateSessionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.CreateSessionRequest;
    public ApplicationDescription ClientDescription { get; set; } = new();
    public string? ServerUri { get; set; }
    public string? EndpointUrl { get; set; }
    public string? SessionName { get; set; }
    public byte[]? ClientNonce { get; set; }
    public byte[]? ClientCertificate { get; set; }
    public double RequestedSessionTimeout { get; set; }
    public uint MaxResponseMessageSize { get; set; }

    protected override void EncodeBody(BinaryEncoder e)
    {
        ClientDescription.Encode(e);
        e.WriteString(ServerUri);
        e.WriteString(EndpointUrl);
        e.WriteString(SessionName);
        e.WriteByteString(ClientNonce);
        e.WriteByteString(ClientCertificate);
        e.WriteDouble(RequestedSessionTimeout);
        e.WriteUInt32(MaxResponseMessageSize);
    }
}

public sealed record CreateSessionResponse : IServiceResponse<CreateSessionResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.CreateSessionResponse;
    public required ResponseHeader ResponseHeader { get; init; }
    public required NodeId SessionId { get; init; }
    public required NodeId AuthenticationToken { get; init; }
    public double RevisedSessionTimeout { get; init; }
    public byte[]? ServerNonce { get; init; }
    public byte[]? ServerCertificate { get; init; }
    public EndpointDescription[] ServerEndpoints { get; init; } = [];
    public SignatureData ServerSignature { get; init; } = SignatureData.Empty;
    public uint MaxRequestMessageSize { get; init; }

    public static CreateSessionResponse Decode(ref BinaryDecoder d)
    {
        var header = ResponseHeader.Decode(ref d);
        var sessionId = d.ReadNodeId();
        var token = d.ReadNodeId();
        var timeout = d.ReadDouble();
        var nonce = d.ReadByteString();
        var cert = d.ReadByteString();
        var endpoints = d.ReadArray(EndpointDescription.Decode, "ServerEndpoints");
        var softwareCerts = d.ReadArrayLength("ServerSoftwareCertificates", 8);
        for (int i = 0; i < softwareCerts; i++) { d.ReadByteString(); d.ReadByteString(); }
        var signature = SignatureData.Decode(ref d);
        return new CreateSessionResponse
        {
            ResponseHeader = header, SessionId = sessionId, AuthenticationToken = token, RevisedSessionTimeout = timeout,
            ServerNonce = nonce, ServerCertificate = cert, ServerEndpoints = endpoints, ServerSignature = signature,
            MaxRequestMessageSize = d.ReadUInt32(),
        };
    }
}

public sealed class ActivateSessionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.ActivateSessionRequest;
    public SignatureData ClientSignature { get; set; } = SignatureData.Empty;
    public string?[] LocaleIds { get; set; } = [];
    public IEncodeable? UserIdentityToken { get; set; }
    public SignatureData UserTokenSignature { get; set; } = SignatureData.Empty;

    protected override void EncodeBody(BinaryEncoder e)
    {
        ClientSignature.Encode(e);
        e.WriteInt32(0); // ClientSoftwareCertificates
        e.WriteStringArray(LocaleIds);
        if (UserIdentityToken is null) e.WriteExtensionObject(ExtensionObject.Null);
        else e.WriteExtensionObject(UserIdentityToken);
        UserTokenSignature.Encode(e);
    }
}

public sealed record ActivateSessionResponse(ResponseHeader ResponseHeader, byte[]? ServerNonce, StatusCode[] Results) : IServiceResponse<ActivateSessionResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.ActivateSessionResponse;

    public static ActivateSessionResponse Decode(ref BinaryDecoder d)
    {
        var r = new ActivateSessionResponse(ResponseHeader.Decode(ref d), d.ReadByteString(), d.ReadStatusCodeArray());
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public sealed class CloseSessionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.CloseSessionRequest;
    public bool DeleteSubscriptions { get; set; } = true;

    protected override void EncodeBody(BinaryEncoder e) => e.WriteBoolean(DeleteSubscriptions);
}

public sealed record CloseSessionResponse(ResponseHeader ResponseHeader) : IServiceResponse<CloseSessionResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.CloseSessionResponse;

    public static CloseSessionResponse Decode(ref BinaryDecoder d) => new(ResponseHeader.Decode(ref d));
}

/// <summary>Anonymous login (Part 4, 7.36.3).</summary>
public sealed record AnonymousIdentityToken(string? PolicyId) : IEncodeable
{
    public uint BinaryEncodingId => EncodingIds.AnonymousIdentityToken;

    public void Encode(BinaryEncoder encoder) => encoder.WriteString(PolicyId);
}

/// <summary>User name login (Part 4, 7.36.4); the password is plain only when the policy has no security, else encrypted.</summary>
public sealed record UserNameIdentityToken(string? PolicyId, string UserName, byte[] Password, string? EncryptionAlgorithm) : IEncodeable
{
    public uint BinaryEncodingId => EncodingIds.UserNameIdentityToken;

    public void Encode(BinaryEncoder encoder)
    {
        encoder.WriteString(PolicyId);
        encoder.WriteString(UserName);
        encoder.WriteByteString(Password);
        encoder.WriteString(EncryptionAlgorithm);
    }
}

/// <summary>X.509 user certificate login (Part 4, 7.36.5); proof of possession is ActivateSession's userTokenSignature.</summary>
public sealed record X509IdentityToken(string? PolicyId, byte[] CertificateData) : IEncodeable
{
    public uint BinaryEncodingId => EncodingIds.X509IdentityToken;

    public void Encode(BinaryEncoder encoder)
    {
        encoder.WriteString(PolicyId);
        encoder.WriteByteString(CertificateData);
    }
}

// ---------------------------------------------------------------- view

public sealed record BrowseDescription
{
    public required NodeId NodeId { get; init; }
    public BrowseDirection BrowseDirection { get; init; } = BrowseDirection.Forward;
    public NodeId ReferenceTypeId { get; init; } = WellKnownNodes.HierarchicalReferences;
    public bool IncludeSubtypes { get; init; } = true;
    public NodeClass NodeClassMask { get; init; }
    public uint ResultMask { get; init; } = 63;

    public void Encode(BinaryEncoder e)
    {
        e.WriteNodeId(NodeId);
        e.WriteUInt32((uint)BrowseDirection);
        e.WriteNodeId(ReferenceTypeId);
        e.WriteBoolean(IncludeSubtypes);
        e.WriteUInt32((uint)NodeClassMask);
        e.WriteUInt32(ResultMask);
    }
}

public sealed class BrowseRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.BrowseRequest;
    public uint RequestedMaxReferencesPerNode { get; set; }
    public IReadOnlyList<BrowseDescription> NodesToBrowse { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteNodeId(NodeId.Null); // View: ViewId, Timestamp, ViewVersion
        e.WriteDateTime(DateTime.MinValue);
        e.WriteUInt32(0);
        e.WriteUInt32(RequestedMaxReferencesPerNode);
        e.WriteArray(NodesToBrowse, static (enc, b) => b.Encode(enc));
    }
}

public sealed record ReferenceDescription
{
    public NodeId ReferenceTypeId { get; init; } = SmartFactoryEdge.OpcUa.Encoding.NodeId.Null;
    public bool IsForward { get; init; }
    public ExpandedNodeId NodeId { get; init; } = SmartFactoryEdge.OpcUa.Encoding.ExpandedNodeId.Null;
    public QualifiedName BrowseName { get; init; }
    public LocalizedText DisplayName { get; init; } = LocalizedText.Empty;
    public NodeClass NodeClass { get; init; }
    public ExpandedNodeId TypeDefinition { get; init; } = ExpandedNodeId.Null;

    public static ReferenceDescription Decode(ref BinaryDecoder d) => new()
    {
        ReferenceTypeId = d.ReadNodeId(),
        IsForward = d.ReadBoolean(),
        NodeId = d.ReadExpandedNodeId(),
        BrowseName = d.ReadQualifiedName(),
        DisplayName = d.ReadLocalizedText(),
        NodeClass = (NodeClass)d.ReadUInt32(),
        TypeDefinition = d.ReadExpandedNodeId(),
    };
}

public sealed record BrowseResult(StatusCode StatusCode, byte[]? ContinuationPoint, ReferenceDescription[] References)
{
    public static BrowseResult Decode(ref BinaryDecoder d) =>
        new(d.ReadStatusCode(), d.ReadByteString(), d.ReadArray(ReferenceDescription.Decode, "References", 8));
}

public sealed record BrowseResponse(ResponseHeader ResponseHeader, BrowseResult[] Results) : IServiceResponse<BrowseResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.BrowseResponse;

    public static BrowseResponse Decode(ref BinaryDecoder d)
    {
        var r = new BrowseResponse(ResponseHeader.Decode(ref d), d.ReadArray(BrowseResult.Decode, "BrowseResults", 8));
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public sealed class BrowseNextRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.BrowseNextRequest;
    public bool ReleaseContinuationPoints { get; set; }
    public IReadOnlyList<byte[]?> ContinuationPoints { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteBoolean(ReleaseContinuationPoints);
        e.WriteArray(ContinuationPoints, static (enc, c) => enc.WriteByteString(c));
    }
}

public sealed record BrowseNextResponse(ResponseHeader ResponseHeader, BrowseResult[] Results) : IServiceResponse<BrowseNextResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.BrowseNextResponse;

    public static BrowseNextResponse Decode(ref BinaryDecoder d)
    {
        var r = new BrowseNextResponse(ResponseHeader.Decode(ref d), d.ReadArray(BrowseResult.Decode, "BrowseResults", 8));
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public sealed record RelativePathElement(NodeId ReferenceTypeId, bool IsInverse, bool IncludeSubtypes, QualifiedName TargetName)
{
    public void Encode(BinaryEncoder e)
    {
        e.WriteNodeId(ReferenceTypeId);
        e.WriteBoolean(IsInverse);
        e.WriteBoolean(IncludeSubtypes);
        e.WriteQualifiedName(TargetName);
    }
}

public sealed record BrowsePath(NodeId StartingNode, IReadOnlyList<RelativePathElement> Elements)
{
    public void Encode(BinaryEncoder e)
    {
        e.WriteNodeId(StartingNode);
        e.WriteArray(Elements, static (enc, el) => el.Encode(enc));
    }
}

public sealed class TranslateBrowsePathsToNodeIdsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.TranslateBrowsePathsToNodeIdsRequest;
    public IReadOnlyList<BrowsePath> BrowsePaths { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e) => e.WriteArray(BrowsePaths, static (enc, p) => p.Encode(enc));
}

public sealed record BrowsePathTarget(ExpandedNodeId TargetId, uint RemainingPathIndex)
{
    public static BrowsePathTarget Decode(ref BinaryDecoder d) => new(d.ReadExpandedNodeId(), d.ReadUInt32());
}

public sealed record BrowsePathResult(StatusCode StatusCode, BrowsePathTarget[] Targets)
{
    public static BrowsePathResult Decode(ref BinaryDecoder d) => new(d.ReadStatusCode(), d.ReadArray(BrowsePathTarget.Decode, "Targets", 6));
}

public sealed record TranslateBrowsePathsToNodeIdsResponse(ResponseHeader ResponseHeader, BrowsePathResult[] Results)
    : IServiceResponse<TranslateBrowsePathsToNodeIdsResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.TranslateBrowsePathsToNodeIdsResponse;

    public static TranslateBrowsePathsToNodeIdsResponse Decode(ref BinaryDecoder d)
    {
        var r = new TranslateBrowsePathsToNodeIdsResponse(ResponseHeader.Decode(ref d), d.ReadArray(BrowsePathResult.Decode, "BrowsePathResults", 8));
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

// ---------------------------------------------------------------- attribute

public sealed record ReadValueId(NodeId NodeId, uint AttributeId = AttributeIds.Value, string? IndexRange = null)
{
    public void Encode(BinaryEncoder e)
    {
        e.WriteNodeId(NodeId);
        e.WriteUInt32(AttributeId);
        e.WriteString(IndexRange);
        e.WriteQualifiedName(default);
    }
}

public sealed class ReadRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.ReadRequest;
    public double MaxAge { get; set; }
    public TimestampsToReturn TimestampsToReturn { get; set; } = TimestampsToReturn.Both;
    public IReadOnlyList<ReadValueId> NodesToRead { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e)
    {
        e.WriteDouble(MaxAge);
        e.WriteUInt32((uint)TimestampsToReturn);
        e.WriteArray(NodesToRead, static (enc, r) => r.Encode(enc));
    }
}

public sealed record ReadResponse(ResponseHeader ResponseHeader, DataValue[] Results) : IServiceResponse<ReadResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.ReadResponse;

    public static ReadResponse Decode(ref BinaryDecoder d)
    {
        var r = new ReadResponse(ResponseHeader.Decode(ref d), d.ReadArray(static (ref BinaryDecoder x) => x.ReadDataValue(), "DataValues"));
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

public sealed record WriteValue(NodeId NodeId, DataValue Value, uint AttributeId = AttributeIds.Value, string? IndexRange = null)
{
    public void Encode(BinaryEncoder e)
    {
        e.WriteNodeId(NodeId);
        e.WriteUInt32(AttributeId);
        e.WriteString(IndexRange);
        e.WriteDataValue(Value);
    }
}

public sealed class WriteRequest : ServiceRequest
{
    public override uint BinaryEncodingId => EncodingIds.WriteRequest;
    public IReadOnlyList<WriteValue> NodesToWrite { get; set; } = [];

    protected override void EncodeBody(BinaryEncoder e) => e.WriteArray(NodesToWrite, static (enc, w) => w.Encode(enc));
}

public sealed record WriteResponse(ResponseHeader ResponseHeader, StatusCode[] Results) : IServiceResponse<WriteResponse>
{
    public static uint BinaryEncodingIdStatic => EncodingIds.WriteResponse;

    public static WriteResponse Decode(ref BinaryDecoder d)
    {
        var r = new WriteResponse(ResponseHeader.Decode(ref d), d.ReadStatusCodeArray());
        d.ReadDiagnosticInfoArray();
        return r;
    }
}

/// <summary>Engineering units of an analog item (Part 8, 5.6.3).</summary>
public sealed record EUInformation(string? NamespaceUri, int UnitId, LocalizedText DisplayName, LocalizedText Description)
    : IDecodeable<EUInformation>, IEncodeable
{
    public static uint BinaryEncodingIdStatic => EncodingIds.EUInformation;
    public uint BinaryEncodingId => EncodingIds.EUInformation;

    public static EUInformation Decode(ref BinaryDecoder d) => new(d.ReadString(), d.ReadInt32(), d.ReadLocalizedText(), d.ReadLocalizedText());

    public void Encode(BinaryEncoder encoder)
    {
        encoder.WriteString(NamespaceUri);
        encoder.WriteInt32(UnitId);
        encoder.WriteLocalizedText(DisplayName);
        encoder.WriteLocalizedText(Description);
    }
}

/// <summary>A value range (EURange; Part 8, 5.6.2).</summary>
public sealed record Range(double Low, double High) : IDecodeable<Range>, IEncodeable
{
    public static uint BinaryEncodingIdStatic => EncodingIds.Range;
    public uint BinaryEncodingId => EncodingIds.Range;

    public static Range Decode(ref BinaryDecoder d) => new(d.ReadDouble(), d.ReadDouble());

    public void Encode(BinaryEncoder encoder)
    {
        encoder.WriteDouble(Low);
        encoder.WriteDouble(High);
    }
}
