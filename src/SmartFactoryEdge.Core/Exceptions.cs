namespace SmartFactoryEdge.Core;

/// <summary>A peer sent bytes that break its protocol (a bad frame, a wrong CRC, a length past the limit).</summary>
public class ProtocolViolationException : Exception
{
    public ProtocolViolationException(string message) : base(message) { }
    public ProtocolViolationException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A peer cannot be reached or stopped answering (refused, reset, timed out).</summary>
public class PeerUnavailableException : Exception
{
    public PeerUnavailableException(string message) : base(message) { }
    public PeerUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A local device (I2C, SPI, GPIO, 1-Wire) failed: a NACK, a CRC error, a missing chip.</summary>
public class DeviceCommunicationException : Exception
{
    public DeviceCommunicationException(string message) : base(message) { }
    public DeviceCommunicationException(string message, Exception inner) : base(message, inner) { }
}
