namespace SmartFactoryEdge.OpcUa;

/// <summary>Blocks of logging event ids per class of this project (see the LoggerMessage attributes).</summary>
internal static class EventIds
{
    /// <summary>1001-1099: <see cref="SecureChannel.UaSecureChannel"/>.</summary>
    public const int SecureChannel = 1000;

    /// <summary>1101-1199: <see cref="Session.UaSession"/>.</summary>
    public const int Session = 1100;

    /// <summary>1201-1299: <see cref="Session.Reconnect.UaManagedClient"/>.</summary>
    public const int ManagedClient = 1200;

    /// <summary>1301-1399: <see cref="Source.OpcUaSource"/>.</summary>
    public const int Source = 1300;
}
