using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using SmartFactoryEdge.Core.Retry;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Transport.Serial;

namespace SmartFactoryEdge.Modbus.Source;

/// <summary>How a device is reached.</summary>
public enum ModbusTransportKind
{
    /// <summary>Modbus TCP (MBAP) to <see cref="ModbusDeviceOptions.Host"/>:<see cref="ModbusDeviceOptions.Port"/>.</summary>
    Tcp,

    /// <summary>RTU frames over TCP, to a serial device server in transparent mode.</summary>
    RtuOverTcp,

    /// <summary>RTU on a local serial line (<see cref="ModbusDeviceOptions.Serial"/>).</summary>
    Rtu,
}

/// <summary>The YAML section <c>sources.modbus</c>: every Modbus unit the gateway polls.</summary>
public sealed record ModbusSourceOptions
{
    public const string SectionName = "sources:modbus";

    /// <summary>One entry per unit. Units with the same host:port (or serial device) share one connection.</summary>
    public List<ModbusDeviceOptions> Devices { get; init; } = [];
}

/// <summary>One Modbus unit (a slave id behind a connection) and what to poll from it.</summary>
public sealed record ModbusDeviceOptions
{
    /// <summary>A name for logs and health ("meter-1"); unique.</summary>
    [Required]
    public string Name { get; init; } = "";

    public ModbusTransportKind Transport { get; init; } = ModbusTransportKind.Tcp;

    public string Host { get; init; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; init; } = 502;

    /// <summary>The serial line when <see cref="Transport"/> is Rtu.</summary>
    public SerialPortOptions? Serial { get; init; }

    /// <summary>Unit identifier (slave address): 1..247 on serial lines; 0..255 over TCP (255 or 1 for a plain TCP device).</summary>
    [Range(0, 255)]
    public int UnitId { get; init; } = 1;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests in flight on the connection (TCP only; the first device of a shared connection decides).</summary>
    [Range(1, 256)]
    public int MaxRequestsInFlight { get; init; } = 1;

    [Range(0, 2000)]
    public int MaxRegisterGap { get; init; } = 10;

    [Range(0, 2000)]
    public int MaxBitGap { get; init; } = 64;

    [Range(1, 125)]
    public int MaxRegistersPerRead { get; init; } = 125;

    [Range(1, 2000)]
    public int MaxBitsPerRead { get; init; } = 2000;

    /// <summary>How long this unit rests after timeouts or connection failures before it is polled again.</summary>
    public RetryPolicyOptions Backoff { get; init; } = new() { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) };

    public List<ModbusPollGroupOptions> PollGroups { get; init; } = [];

    /// <summary>The key of the connection this unit uses; units with the same key share it.</summary>
    public string ConnectionKey => Transport == ModbusTransportKind.Rtu ? $"rtu:{Serial?.Device}" : $"{Transport}:{Host}:{Port}".ToLowerInvariant();
}

/// <summary>Points polled together at one rate.</summary>
public sealed record ModbusPollGroupOptions
{
    public string Name { get; init; } = "default";

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public List<ModbusPointOptions> Points { get; init; } = [];
}

/// <summary>Checks what DataAnnotations cannot: references between fields, unique names and tags. Messages name the device, group and tag.</summary>
public sealed class ModbusSourceOptionsValidator : IValidateOptions<ModbusSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, ModbusSourceOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem found, each naming where it is.</summary>
    public static List<string> Check(ModbusSourceOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tags = new HashSet<string>(StringComparer.Ordinal);
        var units = new HashSet<(string, int)>();
        for (int d = 0; d < options.Devices.Count; d++)
        {
            var device = options.Devices[d];
            string where = $"sources.modbus.devices[{d}] ('{device.Name}')";
            if (string.IsNullOrWhiteSpace(device.Name)) errors.Add($"{where}: name is required");
            else if (!names.Add(device.Name)) errors.Add($"{where}: name '{device.Name}' is used twice");
            if (device.Transport == ModbusTransportKind.Rtu)
            {
                if (device.Serial is null || string.IsNullOrWhiteSpace(device.Serial.Device)) errors.Add($"{where}: transport Rtu needs serial.device");
                if (device.UnitId is < 1 or > 247) errors.Add($"{where}: unitId {device.UnitId} must be 1..247 on a serial line");
            }
            else
            {
                if (string.IsNullOrWhiteSpace(device.Host)) errors.Add($"{where}: host is required for {device.Transport}");
                if (device.Port is < 1 or > 65535) errors.Add($"{where}: port {device.Port} is outside 1..65535");
            }
            if (device.UnitId is < 0 or > 255) errors.Add($"{where}: unitId {device.UnitId} is outside 0..255");
            if (!units.Add((device.ConnectionKey, device.UnitId))) errors.Add($"{where}: unit {device.UnitId} on {device.ConnectionKey} is configured twice");
            if (device.RequestTimeout <= TimeSpan.Zero) errors.Add($"{where}: requestTimeout {device.RequestTimeout} must be positive");
            if (device.PollGroups.Count == 0) errors.Add($"{where}: no pollGroups");
            for (int g = 0; g < device.PollGroups.Count; g++)
            {
                var group = device.PollGroups[g];
                string gwhere = $"{where}.pollGroups[{g}] ('{group.Name}')";
                if (group.Interval < TimeSpan.FromMilliseconds(10)) errors.Add($"{gwhere}: interval {group.Interval} is below 10 ms");
                if (group.Points.Count == 0) errors.Add($"{gwhere}: no points");
                foreach (var point in group.Points)
                {
                    if (point.Validate() is { } problem) errors.Add($"{gwhere}: {problem}");
                    else if (!Core.Tags.TagDefinition.IsValidId(point.TagId)) errors.Add($"{gwhere}: tagId '{point.TagId}' may hold only letters, digits, '.', '_', '-'");
                    else if (!tags.Add(point.TagId)) errors.Add($"{gwhere}: tagId '{point.TagId}' is used twice");
                    int limit = point.IsBitArea ? device.MaxBitsPerRead : device.MaxRegistersPerRead;
                    if (point.Span > limit) errors.Add($"{gwhere}: point '{point.TagId}' spans {point.Span} registers, more than maxRegistersPerRead {limit}");
                }
            }
        }
        return errors;
    }
}
