using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.Framing;

namespace SmartFactoryEdge.Modbus.Source;

/// <summary>Maps Modbus failures to the OPC UA status code a sample carries.</summary>
public static class ModbusQuality
{
    /// <summary>The status for an exception response (Modbus Application Protocol 1.1b3, section 7).</summary>
    public static StatusCode FromExceptionCode(ModbusExceptionCode code) => code switch
    {
        ModbusExceptionCode.IllegalFunction => StatusCodes.BadNotSupported,
        ModbusExceptionCode.IllegalDataAddress => StatusCodes.BadNodeIdUnknown,
        ModbusExceptionCode.IllegalDataValue => StatusCodes.BadOutOfRange,
        ModbusExceptionCode.ServerDeviceFailure or ModbusExceptionCode.MemoryParityError => StatusCodes.BadDeviceFailure,
        ModbusExceptionCode.Acknowledge or ModbusExceptionCode.ServerDeviceBusy => StatusCodes.BadResourceUnavailable,
        ModbusExceptionCode.GatewayPathUnavailable => StatusCodes.BadNoCommunication,
        ModbusExceptionCode.GatewayTargetDeviceFailedToRespond => StatusCodes.BadTimeout,
        _ => StatusCodes.BadUnexpectedError,
    };

    /// <summary>The status for a failed request; true in <paramref name="unitDown"/> when the unit (or the line) is unreachable, so it backs off.</summary>
    public static StatusCode FromException(Exception error, out bool unitDown)
    {
        unitDown = true;
        switch (error)
        {
            case ModbusException m:
                unitDown = m.Code is ModbusExceptionCode.GatewayPathUnavailable or ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;
                return FromExceptionCode(m.Code);
            case ModbusTimeoutException:
                return StatusCodes.BadTimeout;
            case PeerUnavailableException:
                return StatusCodes.BadCommunicationError;
            case ProtocolViolationException:
                return StatusCodes.BadCommunicationError;
            default:
                return StatusCodes.BadUnexpectedError;
        }
    }
}
