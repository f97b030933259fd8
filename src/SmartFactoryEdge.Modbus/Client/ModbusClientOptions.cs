using System.ComponentModel.DataAnnotations;

namespace SmartFactoryEdge.Modbus.Client;

/// <summary>How a client frames its requests on the byte stream.</summary>
public enum ModbusFraming
{
    /// <summary>MBAP header with transaction ids (Modbus TCP).</summary>
    Tcp,

    /// <summary>Address + PDU + CRC-16 (Modbus RTU on a serial line, or RTU over TCP to a serial device server).</summary>
    Rtu,
}

/// <summary>Timeouts and concurrency of one Modbus connection.</summary>
public sealed record ModbusClientOptions
{
    /// <summary>How long a unit has to answer one request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long opening the connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Requests sent before their answers arrive (Modbus TCP only; RTU is always 1). 1 by default, because many
    /// devices and gateways mishandle pipelined requests.
    /// </summary>
    [Range(1, 256)]
    public int MaxRequestsInFlight { get; init; } = 1;

    /// <summary>
    /// RTU: bytes of a partial frame are dropped when the line stays silent this long (the 1.5/3.5 character rule,
    /// widened for what user space and USB adapters can promise). Null: 3.5 characters + 50 ms on a serial line, off over TCP.
    /// </summary>
    public TimeSpan? RtuFrameGapTimeout { get; init; }
}
