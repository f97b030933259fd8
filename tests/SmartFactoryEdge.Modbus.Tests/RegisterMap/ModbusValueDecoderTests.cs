using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Tests.Client;

namespace SmartFactoryEdge.Modbus.Tests.RegisterMap;

public class ModbusValueDecoderTests(PymodbusTcpFixture fixture) : IClassFixture<PymodbusTcpFixture>
{
    // these tests are about decoding: a pymodbus (Python) answer that takes over the default 1 s on a loaded CI machine is
    // not a failure here (one did, 2026-11-22); the client's timeouts have their own tests
    private static readonly ModbusClientOptions Patient = new() { RequestTimeout = TimeSpan.FromSeconds(8) };

    private static readonly (ModbusDataType Type, double Expected)[] Seeded =
    [
        (ModbusDataType.Int16, -12345), (ModbusDataType.UInt16, 54321), (ModbusDataType.Int32, -123456789),
        (ModbusDataType.UInt32, 3456789012), (ModbusDataType.Int64, -1234567890123456789), (ModbusDataType.Float32, (float)-273.15),
        (ModbusDataType.Float64, 6.02214076e23),
    ];

    public static TheoryData<int, WordOrder> TypesAndOrders()
    {
        var data = new TheoryData<int, WordOrder>();
        for (int t = 0; t < Seeded.Length; t++)
            foreach (var order in Enum.GetValues<WordOrder>()) data.Add(t, order);
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndOrders))]
    public async Task DecodesEveryTypeInEveryOrderAsPymodbusEncodedIt(int typeIndex, WordOrder order)
    {
        // modbus_server.py packs each value with Python's struct and arranges it at 1000 + 16 * type + 4 * order
        var (type, expected) = Seeded[typeIndex];
        var point = new ModbusPointOptions { TagId = "t", Address = 1000 + 16 * typeIndex + 4 * (int)order, Type = type, Order = order };
        await using var client = new ModbusTcpClient(fixture.Server.Host, fixture.Server.Port, Patient);
        var registers = new ushort[point.Span];
        await client.ReadHoldingRegistersAsync(1, (ushort)point.Address, registers).WaitAsync(TimeSpan.FromSeconds(10));
        var value = ModbusValueDecoder.Decode(registers, point);
        if (type is ModbusDataType.Float32 or ModbusDataType.Float64)
        {
            Assert.Equal(SampleValueKind.Double, value.Kind);
            Assert.Equal(expected, value.AsDouble);
        }
        else
        {
            Assert.Equal(SampleValueKind.Int64, value.Kind);
            Assert.Equal(type == ModbusDataType.Int64 ? -1234567890123456789 : (long)expected, value.AsInt64);
        }
        // the encoder is the decoder's inverse
        var encoded = new ushort[point.Span];
        ModbusValueDecoder.Encode(value.Kind == SampleValueKind.Int64 ? value.AsInt64 : value.AsDouble, type, order, encoded);
        if (type != ModbusDataType.Int64) Assert.Equal(registers, encoded); // Int64 goes through a double here and may round
    }

    [Fact]
    public async Task DecodesStringsAndBitsFromTheServer()
    {
        await using var client = new ModbusTcpClient(fixture.Server.Host, fixture.Server.Port, Patient);
        var registers = new ushort[21];
        await client.ReadInputRegistersAsync(1, 1200, registers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("SFE-MODBUS-01", ModbusValueDecoder.Decode(registers, new() { TagId = "s", Type = ModbusDataType.String, Length = 7 }).AsString);
        Assert.Equal("SFE-MODBUS-01", ModbusValueDecoder.Decode(registers.AsSpan(10), new() { TagId = "s", Type = ModbusDataType.String, Length = 7, Order = WordOrder.BADC }).AsString);
        var word = registers.AsSpan(20); // 0xA005
        bool[] expected = [true, false, true, false, false, false, false, false, false, false, false, false, false, true, false, true];
        for (int bit = 0; bit < 16; bit++)
            Assert.Equal(expected[bit], ModbusValueDecoder.Decode(word, new() { TagId = "b", Type = ModbusDataType.Bool, Bit = bit }).AsBoolean);
    }

    [Fact]
    public void AppliesScaleAndOffset()
    {
        // 0x00FA = 250 with scale 0.1 and offset -20 gives 5.0 (a temperature in tenths with a bias)
        var v = ModbusValueDecoder.Decode([250], new ModbusPointOptions { TagId = "x", Type = ModbusDataType.Int16, Scale = 0.1, Offset = -20 });
        Assert.Equal(SampleValueKind.Double, v.Kind);
        Assert.Equal(5.0, v.AsDouble, 9);
        var f = ModbusValueDecoder.Decode([0x3F80, 0x0000], new ModbusPointOptions { TagId = "x", Type = ModbusDataType.Float32, Scale = 1000 });
        Assert.Equal(1000.0, f.AsDouble);
        Assert.Equal(-1, ModbusValueDecoder.Decode([0xFFFF], new ModbusPointOptions { TagId = "x", Type = ModbusDataType.Int16 }).AsInt64);
        Assert.Equal(65535, ModbusValueDecoder.Decode([0xFFFF], new ModbusPointOptions { TagId = "x", Type = ModbusDataType.UInt16 }).AsInt64);
    }

    [Fact]
    public void ValidationNamesTheTagAndTheValue()
    {
        Assert.Contains("'a'", new ModbusPointOptions { TagId = "a", Area = ModbusArea.Coil, Type = ModbusDataType.Float32 }.Validate());
        Assert.Contains("bit 3 needs type Bool", new ModbusPointOptions { TagId = "a", Bit = 3, Type = ModbusDataType.UInt16 }.Validate());
        Assert.Contains("run past 65535", new ModbusPointOptions { TagId = "a", Address = 65534, Type = ModbusDataType.Float64 }.Validate());
        Assert.Contains("scale 0", new ModbusPointOptions { TagId = "a", Scale = 0 }.Validate());
        Assert.Null(new ModbusPointOptions { TagId = "a", Address = 65532, Type = ModbusDataType.Float64 }.Validate());
    }
}

public class ReadPlannerTests
{
    private static ModbusPointOptions P(string id, int address, ModbusDataType type = ModbusDataType.UInt16, ModbusArea area = ModbusArea.HoldingRegister) =>
        new() { TagId = id, Address = address, Type = type, Area = area };

    [Fact]
    public void CoalescesAdjacentAndNearbyRegistersWithinTheGap()
    {
        var blocks = ReadPlanner.Plan([P("a", 0), P("b", 1, ModbusDataType.Float32), P("c", 5), P("d", 20)], new ReadPlanOptions { MaxRegisterGap = 2 });
        Assert.Equal(2, blocks.Count);
        Assert.Equal((ushort)0, blocks[0].Address);
        Assert.Equal(6, blocks[0].Count);
        Assert.Equal([0, 1, 5], blocks[0].Points.Select(p => p.Offset));
        Assert.Equal((ushort)20, blocks[1].Address);
        Assert.Equal(1, blocks[1].Count);
    }

    [Fact]
    public void NeverExceeds125RegistersOr2000Bits()
    {
        var registers = Enumerable.Range(0, 300).Select(i => P($"r{i}", i)).ToList();
        var coils = Enumerable.Range(0, 4500).Select(i => P($"c{i}", i, ModbusDataType.Bool, ModbusArea.Coil)).ToList();
        var blocks = ReadPlanner.Plan(registers.Concat(coils));
        Assert.All(blocks.Where(b => b.Area == ModbusArea.HoldingRegister), b => Assert.InRange(b.Count, 1, 125));
        Assert.All(blocks.Where(b => b.Area == ModbusArea.Coil), b => Assert.InRange(b.Count, 1, 2000));
        Assert.Equal(3, blocks.Count(b => b.Area == ModbusArea.HoldingRegister));
        Assert.Equal(3, blocks.Count(b => b.Area == ModbusArea.Coil));
        Assert.Equal(4800, blocks.Sum(b => b.Points.Count));
    }

    [Fact]
    public void KeepsTablesApartAndHonoursASmallerDeviceLimit()
    {
        var blocks = ReadPlanner.Plan([P("h", 0), P("i", 0, area: ModbusArea.InputRegister), P("h2", 1, ModbusDataType.Float64)],
            new ReadPlanOptions { MaxRegistersPerRead = 4 });
        Assert.Equal(3, blocks.Count); // h (1) + h2 (4) exceed 4, i is another table
        Assert.Single(blocks, b => b.Area == ModbusArea.InputRegister);
    }

    [Fact]
    public void OverlappingPointsShareARead()
    {
        // a float32 and a bit of its high word
        var blocks = ReadPlanner.Plan([P("f", 10, ModbusDataType.Float32), new ModbusPointOptions { TagId = "bit", Address = 10, Type = ModbusDataType.Bool, Bit = 15 }]);
        var block = Assert.Single(blocks);
        Assert.Equal(2, block.Count);
    }
}
