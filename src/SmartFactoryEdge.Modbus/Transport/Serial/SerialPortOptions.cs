using System.ComponentModel.DataAnnotations;

namespace SmartFactoryEdge.Modbus.Transport.Serial;

/// <summary>Parity of a serial line. Modbus over serial line 1.02 (2.5.1) asks for even parity by default.</summary>
public enum SerialParity
{
    None,
    Even,
    Odd,
}

/// <summary>A serial line: device, speed and character format (Modbus RTU is 8 data bits; 8E1 is the default).</summary>
public sealed record SerialPortOptions
{
    /// <summary>The device path, e.g. /dev/ttyUSB0, /dev/ttyAMA0, /dev/serial/by-id/...</summary>
    [Required]
    public string Device { get; init; } = "";

    /// <summary>Bits per second; 9600 and 19200 are the values the specification requires devices to offer.</summary>
    [Range(300, 4_000_000)]
    public int BaudRate { get; init; } = 19200;

    public SerialParity Parity { get; init; } = SerialParity.Even;

    [Range(7, 8)]
    public int DataBits { get; init; } = 8;

    /// <summary>1 or 2; the specification uses 2 stop bits when there is no parity.</summary>
    [Range(1, 2)]
    public int StopBits { get; init; } = 1;

    public override string ToString() =>
        $"{Device}@{BaudRate},{DataBits}{Parity switch { SerialParity.Even => 'E', SerialParity.Odd => 'O', _ => 'N' }}{StopBits}";
}
