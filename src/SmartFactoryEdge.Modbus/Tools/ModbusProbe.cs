using System.Globalization;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.Framing;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Transport;
using SmartFactoryEdge.Modbus.Transport.Serial;

namespace SmartFactoryEdge.Modbus.Tools;

/// <summary>One value read by <see cref="ModbusProbe.ReadAsync"/>: where it starts, its raw registers and its decoded value.</summary>
public sealed record ProbeValue(int Address, ushort[] Raw, SampleValue Value);

/// <summary>What a unit or an address range answered during a scan.</summary>
public sealed record ProbeOutcome(int Unit, int From, int To, string Answer, bool Answered)
{
    public override string ToString() => From == To ? $"unit {Unit} address {From}: {Answer}" : $"unit {Unit} addresses {From}..{To}: {Answer}";
}

/// <summary>
/// The logic behind <c>sfe modbus read</c> and <c>sfe modbus scan</c>, for DX mentors finding their way around an
/// unknown device: parse a target, read and decode values, probe unit ids and address ranges.
/// </summary>
public static class ModbusProbe
{
    /// <summary>
    /// Makes a client for "HOST[:PORT]" (Modbus TCP, or RTU over TCP when <paramref name="rtuOverTcp"/>) or a device path
    /// starting with '/' (RTU on a serial line).
    /// </summary>
    public static ModbusClient CreateClient(string target, ModbusClientOptions options, bool rtuOverTcp = false, SerialPortOptions? serial = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (target.StartsWith('/'))
            return new ModbusClient(new SerialModbusTransport((serial ?? new SerialPortOptions()) with { Device = target }), ModbusFraming.Rtu, options);
        var (host, port) = ParseHostPort(target);
        return new ModbusClient(new TcpModbusTransport(host, port), rtuOverTcp ? ModbusFraming.Rtu : ModbusFraming.Tcp, options);
    }

    /// <summary>"host", "host:port", "[v6]:port".</summary>
    public static (string Host, int Port) ParseHostPort(string target, int defaultPort = 502)
    {
        if (target.StartsWith('['))
        {
            int close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw new FormatException($"'{target}' opens '[' without ']'.");
            var host6 = target[1..close];
            var rest = target[(close + 1)..];
            return (host6, rest.StartsWith(':') ? ParsePort(rest[1..], target) : defaultPort);
        }
        int colon = target.LastIndexOf(':');
        if (colon < 0 || target.IndexOf(':') != colon) return (target, defaultPort);
        return (target[..colon], ParsePort(target[(colon + 1)..], target));
    }

    private static int ParsePort(string text, string target) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"'{text}' in '{target}' is not a port (1..65535).");

    /// <summary>Parses "1-10,15,20-22" into unit ids or addresses.</summary>
    public static IReadOnlyList<int> ParseRanges(string text, int min, int max)
    {
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', 2);
            int from = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            int to = bounds.Length == 2 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : from;
            if (from < min || to > max || from > to) throw new FormatException($"'{part}' is outside {min}..{max}.");
            for (int i = from; i <= to; i++) result.Add(i);
        }
        return result;
    }

    /// <summary>The table a function code reads (1 coils, 2 discrete inputs, 3 holding registers, 4 input registers).</summary>
    public static ModbusArea AreaOf(int functionCode) => functionCode switch
    {
        1 => ModbusArea.Coil,
        2 => ModbusArea.DiscreteInput,
        3 => ModbusArea.HoldingRegister,
        4 => ModbusArea.InputRegister,
        _ => throw new ArgumentOutOfRangeException(nameof(functionCode), functionCode, "Reads use function code 1, 2, 3 or 4."),
    };

    /// <summary>
    /// Reads <paramref name="count"/> values of <paramref name="type"/> from <paramref name="address"/> (for strings, a
    /// string of <paramref name="count"/> registers; for bit tables, <paramref name="count"/> bits).
    /// </summary>
    public static async Task<IReadOnlyList<ProbeValue>> ReadAsync(ModbusClient client, byte unit, int functionCode, ushort address, int count,
        ModbusDataType type, WordOrder order, double scale, double offset, CancellationToken cancellationToken)
    {
        var area = AreaOf(functionCode);
        var values = new List<ProbeValue>();
        if (area is ModbusArea.Coil or ModbusArea.DiscreteInput)
        {
            var bits = new bool[count];
            var request = area == ModbusArea.Coil ? ModbusRequest.ReadCoils(address, count) : ModbusRequest.ReadDiscreteInputs(address, count);
            await client.ExecuteAsync(unit, request, default, bits, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < count; i++) values.Add(new ProbeValue(address + i, [bits[i] ? (ushort)1 : (ushort)0], bits[i]));
            return values;
        }
        var point = new ModbusPointOptions { TagId = "probe", Area = area, Type = type, Order = order, Scale = scale, Offset = offset, Length = type == ModbusDataType.String ? count : 1 };
        int span = point.Span;
        int valuesWanted = type == ModbusDataType.String ? 1 : count;
        int registers = span * valuesWanted;
        var raw = new ushort[registers];
        for (int done = 0; done < registers;)
        {
            int chunk = Math.Min(ModbusRequest.MaxReadRegisters / span * span, registers - done);
            var request = area == ModbusArea.HoldingRegister
                ? ModbusRequest.ReadHoldingRegisters((ushort)(address + done), chunk)
                : ModbusRequest.ReadInputRegisters((ushort)(address + done), chunk);
            await client.ExecuteAsync(unit, request, raw.AsMemory(done, chunk), default, cancellationToken).ConfigureAwait(false);
            done += chunk;
        }
        for (int i = 0; i < valuesWanted; i++)
        {
            var slice = raw.AsSpan(i * span, span);
            values.Add(new ProbeValue(address + i * span, slice.ToArray(), ModbusValueDecoder.Decode(slice, point)));
        }
        return values;
    }

    /// <summary>
    /// Repeats one read for <paramref name="duration"/> with <paramref name="parallel"/> requests at a time, into
    /// preallocated buffers, and returns how many reads completed and how long that took (the poll benchmark).
    /// </summary>
    public static async Task<(long Reads, TimeSpan Elapsed)> PollAsync(ModbusClient client, byte unit, int functionCode, ushort address, int count,
        TimeSpan duration, int parallel, CancellationToken cancellationToken)
    {
        var area = AreaOf(functionCode);
        var request = area switch
        {
            ModbusArea.Coil => ModbusRequest.ReadCoils(address, count),
            ModbusArea.DiscreteInput => ModbusRequest.ReadDiscreteInputs(address, count),
            ModbusArea.HoldingRegister => ModbusRequest.ReadHoldingRegisters(address, count),
            _ => ModbusRequest.ReadInputRegisters(address, count),
        };
        await client.ExecuteAsync(unit, request, new ushort[count], new bool[count], cancellationToken).ConfigureAwait(false); // connect and warm up
        long reads = 0;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long end = started + (long)(duration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        async Task Worker()
        {
            var registers = new ushort[count];
            var bits = new bool[count];
            while (System.Diagnostics.Stopwatch.GetTimestamp() < end)
            {
                await client.ExecuteAsync(unit, request, registers, bits, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref reads);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, parallel)).Select(_ => Worker())).ConfigureAwait(false);
        return (reads, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Asks each unit id for one item at <paramref name="address"/>; an exception response also proves that a unit is
    /// there. Units that stay silent for the client's request timeout are reported as not answering.
    /// </summary>
    public static async IAsyncEnumerable<ProbeOutcome> ScanUnitsAsync(ModbusClient client, IEnumerable<int> units, int functionCode, ushort address,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var unit in units)
        {
            yield return await ProbeAsync(client, (byte)unit, functionCode, address, 1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Walks <paramref name="from"/>..<paramref name="to"/> in reads of <paramref name="step"/> items and merges neighbouring
    /// reads with the same answer, so the output says which ranges exist ("0..199: readable", "200..999: IllegalDataAddress").
    /// </summary>
    public static async IAsyncEnumerable<ProbeOutcome> ScanAddressesAsync(ModbusClient client, byte unit, int functionCode, int from, int to, int step,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool bits = functionCode is 1 or 2;
        step = Math.Clamp(step, 1, bits ? ModbusRequest.MaxReadBits : ModbusRequest.MaxReadRegisters);
        ProbeOutcome? run = null;
        for (int start = from; start <= to; start += step)
        {
            int count = Math.Min(step, to - start + 1);
            var outcome = await ProbeAsync(client, unit, functionCode, (ushort)start, count, cancellationToken).ConfigureAwait(false);
            if (run is not null && run.Answer == outcome.Answer)
            {
                run = run with { To = outcome.To };
                continue;
            }
            if (run is not null) yield return run;
            run = outcome;
        }
        if (run is not null) yield return run;
    }

    private static async Task<ProbeOutcome> ProbeAsync(ModbusClient client, byte unit, int functionCode, ushort address, int count, CancellationToken cancellationToken)
    {
        var area = AreaOf(functionCode);
        var request = area switch
        {
            ModbusArea.Coil => ModbusRequest.ReadCoils(address, count),
            ModbusArea.DiscreteInput => ModbusRequest.ReadDiscreteInputs(address, count),
            ModbusArea.HoldingRegister => ModbusRequest.ReadHoldingRegisters(address, count),
            _ => ModbusRequest.ReadInputRegisters(address, count),
        };
        try
        {
            await client.ExecuteAsync(unit, request, new ushort[count], new bool[count], cancellationToken).ConfigureAwait(false);
            return new ProbeOutcome(unit, address, address + count - 1, "readable", true);
        }
        catch (ModbusException ex)
        {
            return new ProbeOutcome(unit, address, address + count - 1, ModbusException.Describe(ex.Code), true);
        }
        catch (ModbusTimeoutException)
        {
            return new ProbeOutcome(unit, address, address + count - 1, "no answer", false);
        }
        catch (ProtocolViolationException ex)
        {
            return new ProbeOutcome(unit, address, address + count - 1, "bad answer: " + ex.Message, true);
        }
    }
}
