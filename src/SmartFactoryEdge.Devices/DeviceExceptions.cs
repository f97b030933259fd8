using SmartFactoryEdge.Core;

namespace SmartFactoryEdge.Devices;

/// <summary>The device is absent: no ACK on its address, no such device file, no w1 slave folder.</summary>
public class DeviceNotRespondingException : DeviceCommunicationException
{
    public DeviceNotRespondingException(string message) : base(message) { }
    public DeviceNotRespondingException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Something answered at the address, but its identity register names another chip.</summary>
public class ChipIdentityException : DeviceCommunicationException
{
    public ChipIdentityException(string message) : base(message) { }
}

/// <summary>
/// The chip works and reports that its sensing element does not: an open thermocouple, an RTD fault,
/// a 4-20 mA loop below the NAMUR limit, a DS18B20 power-on value.
/// </summary>
public class SensorFaultException : DeviceCommunicationException
{
    public SensorFaultException(string message) : base(message) { }
}

/// <summary>A checksum did not match (SHT3x/SHT4x CRC-8, DS18B20 scratchpad CRC).</summary>
public class DeviceCrcException : DeviceCommunicationException
{
    public DeviceCrcException(string message) : base(message) { }
}
