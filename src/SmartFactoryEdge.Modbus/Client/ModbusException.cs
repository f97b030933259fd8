using SmartFactoryEdge.Core;
using SmartFactoryEdge.Modbus.Framing;

namespace SmartFactoryEdge.Modbus.Client;

/// <summary>A unit answered with an exception response; the message names the code, unit, function, address and endpoint.</summary>
public sealed class ModbusException : Exception
{
    public ModbusException(ModbusExceptionCode code, byte unitId, ModbusFunctionCode function, ushort address, ushort quantity, string endpoint)
        : base($"Unit {unitId} at {endpoint} answered {Describe(code)} to {function} at address {address} (count {quantity}).")
    {
        Code = code;
        UnitId = unitId;
        Function = function;
        Address = address;
        Quantity = quantity;
        Endpoint = endpoint;
    }

    public ModbusExceptionCode Code { get; }

    public byte UnitId { get; }

    public ModbusFunctionCode Function { get; }

    public ushort Address { get; }

    public ushort Quantity { get; }

    public string Endpoint { get; }

    /// <summary>"IllegalDataAddress (0x02)", or the hex code when it is not a standard one.</summary>
    public static string Describe(ModbusExceptionCode code) =>
        Enum.IsDefined(code) ? $"{code} (0x{(byte)code:X2})" : $"exception 0x{(byte)code:X2}";
}

/// <summary>A unit did not answer within the request timeout.</summary>
public sealed class ModbusTimeoutException : PeerUnavailableException
{
    public ModbusTimeoutException(byte unitId, ModbusRequest request, TimeSpan timeout, string endpoint)
        : base($"Unit {unitId} at {endpoint} did not answer {request} within {timeout.TotalMilliseconds:0} ms.")
    {
        UnitId = unitId;
        Timeout = timeout;
        Endpoint = endpoint;
    }

    public byte UnitId { get; }

    public TimeSpan Timeout { get; }

    public string Endpoint { get; }
}

/// <summary>What a unit says about itself (FC 43 / MEI 14, Modbus Application Protocol 1.1b3, section 6.21).</summary>
public sealed record ModbusDeviceIdentification(byte Conformity, IReadOnlyDictionary<int, string> Objects)
{
    public string? VendorName => Objects.GetValueOrDefault(0);
    public string? ProductCode => Objects.GetValueOrDefault(1);
    public string? Revision => Objects.GetValueOrDefault(2);
    public string? VendorUrl => Objects.GetValueOrDefault(3);
    public string? ProductName => Objects.GetValueOrDefault(4);
    public string? ModelName => Objects.GetValueOrDefault(5);

    public override string ToString() => string.Join(", ", Objects.Select(o => $"{Name(o.Key)}={o.Value}"));

    private static string Name(int id) => id switch
    {
        0 => "VendorName",
        1 => "ProductCode",
        2 => "MajorMinorRevision",
        3 => "VendorUrl",
        4 => "ProductName",
        5 => "ModelName",
        6 => "UserApplicationName",
        _ => $"object{id}",
    };
}
