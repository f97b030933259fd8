namespace SmartFactoryEdge.Modbus.RegisterMap;

/// <summary>How far adjacent points may be coalesced into one read.</summary>
public sealed record ReadPlanOptions
{
    /// <summary>Unused registers a read may span to join two points (reading a few extra registers beats another round trip).</summary>
    public int MaxRegisterGap { get; init; } = 10;

    /// <summary>Unused bits a coil or discrete-input read may span to join two points.</summary>
    public int MaxBitGap { get; init; } = 64;

    /// <summary>Most registers per read: 125 by the specification; some devices need fewer.</summary>
    public int MaxRegistersPerRead { get; init; } = 125;

    /// <summary>Most coils or inputs per read: 2000 by the specification.</summary>
    public int MaxBitsPerRead { get; init; } = 2000;
}

/// <summary>A point inside a read: where its registers or bit start relative to the read's address.</summary>
public readonly record struct PlannedPoint(ModbusPointOptions Point, int Offset);

/// <summary>One request a poll sends: a table, a start address and a count, and the points it serves.</summary>
public sealed record ReadBlock(ModbusArea Area, ushort Address, int Count, IReadOnlyList<PlannedPoint> Points)
{
    public override string ToString() => $"{Area} {Address}..{Address + Count - 1} ({Count}, {Points.Count} points)";
}

/// <summary>Coalesces points into as few reads as the limits and the maximum gap allow (greedy, by table and address).</summary>
public static class ReadPlanner
{
    public static IReadOnlyList<ReadBlock> Plan(IEnumerable<ModbusPointOptions> points, ReadPlanOptions? options = null)
    {
        options ??= new ReadPlanOptions();
        var blocks = new List<ReadBlock>();
        foreach (var group in points.GroupBy(p => p.Area).OrderBy(g => g.Key))
        {
            bool bits = group.Key is ModbusArea.Coil or ModbusArea.DiscreteInput;
            int maxCount = bits ? Math.Clamp(options.MaxBitsPerRead, 1, 2000) : Math.Clamp(options.MaxRegistersPerRead, 1, 125);
            int maxGap = Math.Max(0, bits ? options.MaxBitGap : options.MaxRegisterGap);
            var sorted = group.OrderBy(p => p.Address).ThenByDescending(p => p.Span).ToList();
            int start = -1, end = -1;
            var members = new List<ModbusPointOptions>();
            foreach (var p in sorted)
            {
                if (p.Span > maxCount)
                    throw new ArgumentException($"point '{p.TagId}' spans {p.Span} registers, more than one read may carry ({maxCount}).");
                int pEnd = p.Address + p.Span;
                if (start >= 0 && p.Address - end <= maxGap && Math.Max(end, pEnd) - start <= maxCount)
                {
                    end = Math.Max(end, pEnd);
                    members.Add(p);
                    continue;
                }
                if (start >= 0) blocks.Add(Make(group.Key, start, end, members));
                start = p.Address;
                end = pEnd;
                members = [p];
            }
            if (start >= 0) blocks.Add(Make(group.Key, start, end, members));
        }
        return blocks;
    }

    private static ReadBlock Make(ModbusArea area, int start, int end, List<ModbusPointOptions> members) =>
        new(area, (ushort)start, end - start, members.Select(p => new PlannedPoint(p, p.Address - start)).ToArray());
}
