using System.CommandLine;
using System.Globalization;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Tools;
using SmartFactoryEdge.Modbus.Transport.Serial;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>
/// <c>sfe modbus read</c> and <c>sfe modbus scan</c>: look at an unknown device from the command line.
/// The logic lives in <see cref="ModbusProbe"/> (tested in SmartFactoryEdge.Modbus.Tests); this file only wires options.
/// </summary>
public static class ModbusCommands
{
    public static Command Create()
    {
        var modbus = new Command("modbus", "Read and scan Modbus TCP/RTU devices");
        modbus.Subcommands.Add(CreateRead());
        modbus.Subcommands.Add(CreateScan());
        return modbus;
    }

    private static Argument<string> Target() => new("target")
    {
        Description = "HOST[:PORT] for Modbus TCP (port 502 by default), or a serial device such as /dev/ttyUSB0 for RTU",
    };

    private sealed record ConnectionOptions(Option<int> Timeout, Option<bool> RtuOverTcp, Option<int> Baud, Option<SerialParity> Parity, Option<int> StopBits)
    {
        public static ConnectionOptions AddTo(Command command, int defaultTimeoutMs)
        {
            var o = new ConnectionOptions(
                new Option<int>("--timeout") { Description = "Request timeout in milliseconds", DefaultValueFactory = _ => defaultTimeoutMs },
                new Option<bool>("--rtu-over-tcp") { Description = "Send RTU frames over TCP (serial device servers)" },
                new Option<int>("--baud") { Description = "Serial speed (RTU)", DefaultValueFactory = _ => 19200 },
                new Option<SerialParity>("--parity") { Description = "Serial parity: None, Even, Odd (RTU)", DefaultValueFactory = _ => SerialParity.Even },
                new Option<int>("--stop-bits") { Description = "Serial stop bits, 1 or 2 (RTU)", DefaultValueFactory = _ => 1 });
            command.Options.Add(o.Timeout);
            command.Options.Add(o.RtuOverTcp);
            command.Options.Add(o.Baud);
            command.Options.Add(o.Parity);
            command.Options.Add(o.StopBits);
            return o;
        }

        public ModbusClient CreateClient(ParseResult result, string target, int inFlight = 1) => ModbusProbe.CreateClient(
            target,
            new ModbusClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(Math.Max(1, result.GetValue(Timeout))), MaxRequestsInFlight = Math.Max(1, inFlight) },
            result.GetValue(RtuOverTcp),
            new SerialPortOptions { BaudRate = result.GetValue(Baud), Parity = result.GetValue(Parity), StopBits = result.GetValue(StopBits) });
    }

    private static Command CreateRead()
    {
        var command = new Command("read", "Read registers or bits and decode them, e.g. sfe modbus read 10.0.0.5 --unit 1 --fc 3 --address 0 --count 2 --type float32 --order CDAB");
        var target = Target();
        var unit = new Option<int>("--unit") { Description = "Unit id (slave address)", DefaultValueFactory = _ => 1 };
        var fc = new Option<int>("--fc") { Description = "Function code: 1 coils, 2 discrete inputs, 3 holding registers, 4 input registers", DefaultValueFactory = _ => 3 };
        var address = new Option<int>("--address") { Description = "Zero-based start address (40001 is holding register 0)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "How many values of --type (registers for a string, bits for fc 1/2)", DefaultValueFactory = _ => 1 };
        var type = new Option<ModbusDataType>("--type") { Description = "bool, int16, uint16, int32, uint32, int64, float32, float64, string", DefaultValueFactory = _ => ModbusDataType.UInt16 };
        var order = new Option<WordOrder>("--order") { Description = "ABCD (big-endian), CDAB (word swap), BADC (byte swap), DCBA (little-endian)", DefaultValueFactory = _ => WordOrder.ABCD };
        var scale = new Option<double>("--scale") { Description = "Multiply the raw value", DefaultValueFactory = _ => 1.0 };
        var offset = new Option<double>("--offset") { Description = "Add after scaling", DefaultValueFactory = _ => 0.0 };
        var duration = new Option<double>("--duration") { Description = "Repeat the read for this many seconds and print reads/s and values/s (a poll benchmark)" };
        var inFlight = new Option<int>("--in-flight") { Description = "Requests at a time during --duration (Modbus TCP only)", DefaultValueFactory = _ => 1 };
        command.Arguments.Add(target);
        foreach (var o in new Option[] { unit, fc, address, count, type, order, scale, offset, duration, inFlight }) command.Options.Add(o);
        var connection = ConnectionOptions.AddTo(command, 1000);
        command.SetAction(async (result, cancellationToken) =>
        {
            var t = result.GetValue(target)!;
            try
            {
                await using var client = connection.CreateClient(result, t, result.GetValue(inFlight));
                if (result.GetValue(duration) is > 0 and var seconds)
                {
                    int n = result.GetValue(count);
                    var (reads, elapsed) = await ModbusProbe.PollAsync(client, checked((byte)result.GetValue(unit)), result.GetValue(fc), checked((ushort)result.GetValue(address)),
                        n, TimeSpan.FromSeconds(seconds), result.GetValue(inFlight), cancellationToken).ConfigureAwait(false);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"reads {reads} values {reads * n} seconds {elapsed.TotalSeconds:0.000} reads/s {reads / elapsed.TotalSeconds:0} values/s {reads * n / elapsed.TotalSeconds:0}"));
                    return 0;
                }
                var values = await ModbusProbe.ReadAsync(client, checked((byte)result.GetValue(unit)), result.GetValue(fc), checked((ushort)result.GetValue(address)),
                    result.GetValue(count), result.GetValue(type), result.GetValue(order), result.GetValue(scale), result.GetValue(offset), cancellationToken).ConfigureAwait(false);
                foreach (var v in values)
                {
                    var raw = string.Join(' ', v.Raw.Select(r => r.ToString("X4", CultureInfo.InvariantCulture)));
                    Console.WriteLine($"{v.Address,5}  {Format(v.Value, result.GetValue(type)),-24} raw {raw}");
                }
                return 0;
            }
            catch (Exception ex) when (ex is ModbusException or PeerUnavailableException or ProtocolViolationException or ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"sfe modbus read {t}: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command CreateScan()
    {
        var command = new Command("scan", "Find the unit ids that answer, or the address ranges a unit serves, e.g. sfe modbus scan 10.0.0.5 --units 1-20, sfe modbus scan /dev/ttyUSB0 --units 3 --addresses 0-9999 --step 100");
        var target = Target();
        var units = new Option<string>("--units") { Description = "Unit ids to probe, e.g. 1-247 or 1,2,10-20", DefaultValueFactory = _ => "1-247" };
        var fc = new Option<int>("--fc") { Description = "Function code to probe with (1-4)", DefaultValueFactory = _ => 3 };
        var address = new Option<int>("--address") { Description = "Address probed in a unit scan", DefaultValueFactory = _ => 0 };
        var addresses = new Option<string?>("--addresses") { Description = "Scan this address range (e.g. 0-9999) of each unit instead of probing unit ids" };
        var step = new Option<int>("--step") { Description = "Items per probe read in an address scan", DefaultValueFactory = _ => 100 };
        var identify = new Option<bool>("--identify") { Description = "Also ask each unit that answers for its identification (FC 43/14: vendor, product code, revision)" };
        command.Arguments.Add(target);
        foreach (var o in new Option[] { units, fc, address, addresses, step, identify }) command.Options.Add(o);
        var connection = ConnectionOptions.AddTo(command, 300);
        command.SetAction(async (result, cancellationToken) =>
        {
            var t = result.GetValue(target)!;
            try
            {
                await using var client = connection.CreateClient(result, t);
                var unitIds = ModbusProbe.ParseRanges(result.GetValue(units)!, 0, 255);
                int found = 0;
                if (result.GetValue(addresses) is { } range)
                {
                    var bounds = ModbusProbe.ParseRanges(range, 0, 65535);
                    foreach (var u in unitIds)
                    {
                        await foreach (var outcome in ModbusProbe.ScanAddressesAsync(client, (byte)u, result.GetValue(fc), bounds[0], bounds[^1], result.GetValue(step), cancellationToken).ConfigureAwait(false))
                        {
                            Console.WriteLine(outcome);
                            if (outcome.Answer == "readable") found++;
                        }
                    }
                }
                else
                {
                    await foreach (var outcome in ModbusProbe.ScanUnitsAsync(client, unitIds, result.GetValue(fc), checked((ushort)result.GetValue(address)), cancellationToken).ConfigureAwait(false))
                    {
                        if (outcome.Answered)
                        {
                            Console.WriteLine(outcome);
                            found++;
                            if (result.GetValue(identify)) Console.WriteLine("  " + await IdentifyAsync(client, (byte)outcome.Unit, cancellationToken).ConfigureAwait(false));
                        }
                    }
                    Console.WriteLine($"{found} of {unitIds.Count} unit ids answered");
                }
                return found > 0 ? 0 : 1;
            }
            catch (Exception ex) when (ex is PeerUnavailableException or ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"sfe modbus scan {t}: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<string> IdentifyAsync(ModbusClient client, byte unit, CancellationToken cancellationToken)
    {
        try
        {
            var id = await client.ReadDeviceIdentificationAsync(unit, 2, cancellationToken).ConfigureAwait(false);
            return "identification: " + id;
        }
        catch (ModbusException ex)
        {
            return $"identification: not offered ({ModbusException.Describe(ex.Code)})";
        }
        catch (Exception ex) when (ex is PeerUnavailableException or ProtocolViolationException)
        {
            return "identification: " + ex.Message;
        }
    }

    private static string Format(SampleValue value, ModbusDataType type) => value.Kind switch
    {
        SampleValueKind.String => $"\"{value.AsString}\"",
        // a float32 printed as a double shows digits the register never held
        SampleValueKind.Double when type == ModbusDataType.Float32 => ((float)value.AsDouble).ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
