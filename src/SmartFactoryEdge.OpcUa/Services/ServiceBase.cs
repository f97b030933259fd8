using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;

namespace SmartFactoryEdge.OpcUa.Services;

/// <summary>The header every request carries (Part 4, 7.33).</summary>
public sealed class RequestHeader
{
    public NodeId AuthenticationToken { get; set; } = NodeId.Null;
    public DateTime Timestamp { get; set; }
    public uint RequestHandle { get; set; }
    public uint ReturnDiagnostics { get; set; }
    public string? AuditEntryId { get; set; }
    public uint TimeoutHint { get; set; }

    public void Encode(BinaryEncoder e)
    {
        e.WriteNodeId(AuthenticationToken);
        e.WriteDateTime(Timestamp);
        e.WriteUInt32(RequestHandle);
        e.WriteUInt32(ReturnDiagnostics);
        e.WriteString(AuditEntryId);
        e.WriteUInt32(TimeoutHint);
        e.WriteExtensionObject(ExtensionObject.Null);
    }
}

/// <summary>The header every response carries (Part 4, 7.34).</summary>
public sealed record ResponseHeader
{
    public DateTime Timestamp { get; init; }
    public uint RequestHandle { get; init; }
    public StatusCode ServiceResult { get; init; }
    public DiagnosticInfo? ServiceDiagnostics { get; init; }
    public string?[] StringTable { get; init; } = [];

    public static ResponseHeader Decode(ref BinaryDecoder d)
    {
        var h = new ResponseHeader
        {
            Timestamp = d.ReadDateTime(),
            RequestHandle = d.ReadUInt32(),
            ServiceResult = d.ReadStatusCode(),
            ServiceDiagnostics = d.ReadDiagnosticInfo(),
            StringTable = d.ReadStringArray(),
        };
        d.ReadExtensionObject();
        return h;
    }

    public void Encode(BinaryEncoder e)
    {
        e.WriteDateTime(Timestamp);
        e.WriteUInt32(RequestHandle);
        e.WriteStatusCode(ServiceResult);
        e.WriteDiagnosticInfo(ServiceDiagnostics);
        e.WriteStringArray(StringTable);
        e.WriteExtensionObject(ExtensionObject.Null);
    }
}

/// <summary>A service request: header plus body, with its DefaultBinary encoding id.</summary>
public abstract class ServiceRequest : IEncodeable
{
    public RequestHeader RequestHeader { get; set; } = new();

    public abstract uint BinaryEncodingId { get; }

    public void Encode(BinaryEncoder encoder)
    {
        RequestHeader.Encode(encoder);
        EncodeBody(encoder);
    }

    protected abstract void EncodeBody(BinaryEncoder e);
}

/// <summary>A service response type that can be decoded from its body.</summary>
public interface IServiceResponse
{
    ResponseHeader ResponseHeader { get; }
}

/// <summary>A service response decodable by its encoding id.</summary>
public interface IServiceResponse<TSelf> : IServiceResponse, IDecodeable<TSelf> where TSelf : IServiceResponse<TSelf>;

/// <summary>The response a server sends when a service fails as a whole (Part 4, 7.35).</summary>
public sealed record ServiceFault(ResponseHeader ResponseHeader) : IServiceResponse<ServiceFault>
{
    public static uint BinaryEncodingIdStatic => 397;

    public static ServiceFault Decode(ref BinaryDecoder d) => new(ResponseHeader.Decode(ref d));
}

/// <summary>A service failed as a whole, with the server's status code.</summary>
public sealed class ServiceResultException : Exception
{
    public ServiceResultException(StatusCode status, string message) : base($"{message}: {status}")
    {
        StatusCode = status;
    }

    public StatusCode StatusCode { get; }
}

/// <summary>DefaultBinary encoding ids of the messages used here (NodeIds.csv, namespace 0).</summary>
public static class EncodingIds
{
    public const uint OpenSecureChannelRequest = 446;
    public const uint OpenSecureChannelResponse = 449;
    public const uint CloseSecureChannelRequest = 452;
    public const uint ServiceFault = 397;
    public const uint GetEndpointsRequest = 428;
    public const uint GetEndpointsResponse = 431;
    public const uint FindServersRequest = 422;
    public const uint FindServersResponse = 425;
    public const uint CreateSessionRequest = 461;
    public const uint CreateSessionResponse = 464;
    public const uint ActivateSessionRequest = 467;
    public const uint ActivateSessionResponse = 470;
    public const uint CloseSessionRequest = 473;
    public const uint CloseSessionResponse = 476;
    public const uint BrowseRequest = 527;
    public const uint BrowseResponse = 530;
    public const uint BrowseNextRequest = 533;
    public const uint BrowseNextResponse = 536;
    public const uint TranslateBrowsePathsToNodeIdsRequest = 554;
    public const uint TranslateBrowsePathsToNodeIdsResponse = 557;
    public const uint ReadRequest = 631;
    public const uint ReadResponse = 634;
    public const uint WriteRequest = 673;
    public const uint WriteResponse = 676;
    public const uint CreateSubscriptionRequest = 787;
    public const uint CreateSubscriptionResponse = 790;
    public const uint ModifySubscriptionRequest = 793;
    public const uint ModifySubscriptionResponse = 796;
    public const uint DeleteSubscriptionsRequest = 847;
    public const uint DeleteSubscriptionsResponse = 850;
    public const uint CreateMonitoredItemsRequest = 751;
    public const uint CreateMonitoredItemsResponse = 754;
    public const uint DeleteMonitoredItemsRequest = 781;
    public const uint DeleteMonitoredItemsResponse = 784;
    public const uint PublishRequest = 826;
    public const uint PublishResponse = 829;
    public const uint RepublishRequest = 832;
    public const uint RepublishResponse = 835;
    public const uint TransferSubscriptionsRequest = 841;
    public const uint TransferSubscriptionsResponse = 844;
    public const uint AnonymousIdentityToken = 321;
    public const uint UserNameIdentityToken = 324;
    public const uint X509IdentityToken = 327;
    public const uint DataChangeFilter = 724;
    public const uint DataChangeNotification = 811;
    public const uint StatusChangeNotification = 820;
    public const uint EUInformation = 889;
    public const uint Range = 886;
}

/// <summary>Attribute ids (AttributeIds.csv; Part 6, A.1).</summary>
public static class AttributeIds
{
    public const uint NodeId = 1;
    public const uint NodeClass = 2;
    public const uint BrowseName = 3;
    public const uint DisplayName = 4;
    public const uint Description = 5;
    public const uint Value = 13;
    public const uint DataType = 14;
    public const uint ValueRank = 15;
    public const uint ArrayDimensions = 16;
    public const uint AccessLevel = 17;
    public const uint UserAccessLevel = 18;
    public const uint MinimumSamplingInterval = 19;
}

/// <summary>Well-known nodes of namespace 0 used by the client (NodeIds.csv).</summary>
public static class WellKnownNodes
{
    public static readonly NodeId RootFolder = new(84u);
    public static readonly NodeId ObjectsFolder = new(85u);
    public static readonly NodeId Server = new(2253u);
    public static readonly NodeId ServerStatusCurrentTime = new(2258u);
    public static readonly NodeId ServerStatusState = new(2259u);
    public static readonly NodeId NamespaceArray = new(2255u);
    public static readonly NodeId References = new(31u);
    public static readonly NodeId HierarchicalReferences = new(33u);
    public static readonly NodeId HasProperty = new(46u);
    public static readonly NodeId HasTypeDefinition = new(40u);
}
