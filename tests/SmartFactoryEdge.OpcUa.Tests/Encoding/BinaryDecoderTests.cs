using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Tests.Encoding;

public class BinaryDecoderTests
{
    private static byte[] Encode(Action<BinaryEncoder> write)
    {
        using var e = new BinaryEncoder();
        write(e);
        return e.ToArray();
    }

    private static Variant RoundTripVariant(Variant v)
    {
        var bytes = Encode(e => e.WriteVariant(v));
        var d = new BinaryDecoder(bytes);
        var back = d.ReadVariant();
        Assert.Equal(0, d.Remaining);
        return back;
    }

    public static TheoryData<string> ScalarNames() => new(AllScalars().Select(s => s.Name));

    private static IEnumerable<(string Name, Variant Value)> AllScalars()
    {
        yield return ("Boolean", new Variant(true));
        yield return ("SByte", new Variant((sbyte)-5));
        yield return ("Byte", new Variant((byte)250));
        yield return ("Int16", new Variant((short)-30000));
        yield return ("UInt16", new Variant((ushort)65000));
        yield return ("Int32", new Variant(-2_000_000_000));
        yield return ("UInt32", new Variant(4_000_000_000u));
        yield return ("Int64", new Variant(long.MinValue + 1));
        yield return ("UInt64", new Variant(ulong.MaxValue));
        yield return ("Float", new Variant(3.25f));
        yield return ("Double", new Variant(-1.5e300));
        yield return ("String", new Variant("水Boy"));
        yield return ("DateTime", new Variant(new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc)));
        yield return ("Guid", new Variant(Guid.Parse("72962B91-FA75-4AE6-8D28-B404DC7DAF63")));
        yield return ("ByteString", Variant.FromByteString([1, 2, 3, 0, 255]));
        yield return ("XmlElement", Variant.FromXmlElement("<a>b</a>"));
        yield return ("NodeIdNumeric", new Variant(new NodeId(70000u, 3)));
        yield return ("NodeIdString", new Variant(new NodeId("Line1.Press01", 1)));
        yield return ("NodeIdGuid", new Variant(new NodeId(Guid.NewGuid(), 2)));
        yield return ("NodeIdOpaque", new Variant(new NodeId(new byte[] { 9, 8, 7 }, 4)));
        yield return ("ExpandedNodeId", new Variant(new ExpandedNodeId(new NodeId("x", 2), "urn:test", 7)));
        yield return ("StatusCode", new Variant(new StatusCode(StatusCodes.BadTimeout)));
        yield return ("QualifiedName", new Variant(new QualifiedName(2, "Temperature")));
        yield return ("LocalizedText", new Variant(new LocalizedText("en-US", "Hello")));
        yield return ("ExtensionObject", new Variant(ExtensionObject.From(new Services.Range(0, 100))));
        yield return ("DataValue", new Variant(new DataValue(new Variant(1.5), new StatusCode(StatusCodes.UncertainLastUsableValue),
            new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2020, 1, 1, 0, 0, 1, DateTimeKind.Utc)) { SourcePicoseconds = 10, ServerPicoseconds = 20 }));
        yield return ("DiagnosticInfo", new Variant(new DiagnosticInfo
        {
            SymbolicId = 1, NamespaceUri = 2, Locale = 3, LocalizedText = 4, AdditionalInfo = "more",
            InnerStatusCode = new StatusCode(StatusCodes.BadInternalError), InnerDiagnosticInfo = new DiagnosticInfo { AdditionalInfo = "inner" },
        }));
    }

    [Theory]
    [MemberData(nameof(ScalarNames))]
    public void EveryBuiltInScalarRoundTrips(string name)
    {
        var value = AllScalars().Single(s => s.Name == name).Value;
        var back = RoundTripVariant(value);
        Assert.Equal(value, back);
    }

    [Fact]
    public void EveryBuiltInArrayRoundTrips()
    {
        var arrays = new (BuiltInType Type, Array Values)[]
        {
            (BuiltInType.Boolean, new[] { true, false }),
            (BuiltInType.SByte, new sbyte[] { -1, 2 }),
            (BuiltInType.Byte, new byte[] { 1, 2, 3 }),
            (BuiltInType.Int16, new short[] { -1, 2 }),
            (BuiltInType.UInt16, new ushort[] { 1, 2 }),
            (BuiltInType.Int32, new[] { -1, 2 }),
            (BuiltInType.UInt32, new uint[] { 1, 2 }),
            (BuiltInType.Int64, new long[] { -1, 2 }),
            (BuiltInType.UInt64, new ulong[] { 1, 2 }),
            (BuiltInType.Float, new[] { 1.5f, float.NaN }),
            (BuiltInType.Double, new[] { 1.5, double.PositiveInfinity }),
            (BuiltInType.String, new[] { "a", null, "" }),
            (BuiltInType.DateTime, new[] { DateTime.MinValue, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc), DateTime.MaxValue }),
            (BuiltInType.Guid, new[] { Guid.Empty, Guid.NewGuid() }),
            (BuiltInType.ByteString, new byte[]?[] { [1], null, [] }),
            (BuiltInType.XmlElement, new[] { "<x/>" }),
            (BuiltInType.NodeId, new[] { new NodeId(1u), new NodeId("s", 1) }),
            (BuiltInType.ExpandedNodeId, new[] { new ExpandedNodeId(new NodeId(5u)), new ExpandedNodeId(new NodeId(6u), "urn:x") }),
            (BuiltInType.StatusCode, new[] { StatusCode.Good, StatusCode.Bad }),
            (BuiltInType.QualifiedName, new[] { new QualifiedName(1, "a"), new QualifiedName(0, null) }),
            (BuiltInType.LocalizedText, new[] { new LocalizedText("de", "Druck"), LocalizedText.Empty }),
            (BuiltInType.ExtensionObject, new[] { ExtensionObject.Null, ExtensionObject.From(new Services.Range(1, 2)) }),
            (BuiltInType.DataValue, new[] { new DataValue(new Variant(1)), new DataValue(Variant.Null, StatusCode.Bad) }),
            (BuiltInType.Variant, new[] { new Variant(1), new Variant("x"), Variant.FromArray(BuiltInType.Int32, new[] { 1, 2 }) }),
            (BuiltInType.DiagnosticInfo, new[] { new DiagnosticInfo { SymbolicId = 5 } }),
        };
        Assert.Equal(25, arrays.Length);
        foreach (var (type, values) in arrays)
        {
            var v = Variant.FromArray(type, values);
            Assert.Equal(v, RoundTripVariant(v));
        }
    }

    [Fact]
    public void MatrixKeepsItsDimensions()
    {
        var m = Variant.FromArray(BuiltInType.Int32, new[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var bytes = Encode(e => e.WriteVariant(m));
        Assert.Equal(0xC6, bytes[0]); // Int32 | dimensions | array
        var back = RoundTripVariant(m);
        Assert.Equal(new[] { 2, 3 }, back.Dimensions);
        Assert.Equal(m, back);
    }

    [Fact]
    public void MatrixWithWrongDimensionsIsRejected()
    {
        // Int32 array of 2 with dimensions [3]
        byte[] bytes = [0xC6, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0];
        var ex = Assert.Throws<UaDecodingException>(() => new BinaryDecoder(bytes).ReadVariant());
        Assert.Contains("dimensions", ex.Message);
    }

    [Theory]
    [InlineData("i=72", "00 48")]                                            // Part 6, 5.2.2.9 two-byte
    [InlineData("ns=5;i=1025", "01 05 01 04")]                              // four-byte
    [InlineData("ns=1;s=Hot水", "03 01 00 06 00 00 00 48 6F 74 E6 B0 B4")]  // string
    [InlineData("ns=4;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63", "04 04 00 91 2B 96 72 75 FA E6 4A 8D 28 B4 04 DC 7D AF 63")]
    [InlineData("ns=300;i=5", "02 2C 01 05 00 00 00")]                      // numeric (namespace > 255)
    [InlineData("ns=2;b=AQI=", "05 02 00 02 00 00 00 01 02")]               // opaque
    public void NodeIdEncodingsMatchTheSpecification(string text, string hex)
    {
        var expected = Convert.FromHexString(hex.Replace(" ", ""));
        var id = NodeId.Parse(text);
        Assert.Equal(expected, Encode(e => e.WriteNodeId(id)));
        var d = new BinaryDecoder(expected);
        Assert.Equal(id, d.ReadNodeId());
        Assert.Equal(text, id.ToString(), ignoreCase: true);
    }

    [Fact]
    public void StringAndGuidMatchTheSpecificationExamples()
    {
        // Part 6, 5.2.2.4: "水Boy"; 5.2.2.7: {72962B91-FA75-4AE6-8D28-B404DC7DAF63}
        Assert.Equal(Convert.FromHexString("06000000E6B0B4426F79"), Encode(e => e.WriteString("水Boy")));
        Assert.Equal(Convert.FromHexString("912B967275FAE64A8D28B404DC7DAF63"), Encode(e => e.WriteGuid(Guid.Parse("72962B91-FA75-4AE6-8D28-B404DC7DAF63"))));
        Assert.Equal(Convert.FromHexString("FFFFFFFF"), Encode(e => e.WriteString(null)));
    }

    [Fact]
    public void ExpandedNodeIdWithUriAndServerIndexUsesTheFlagBits()
    {
        var x = new ExpandedNodeId(new NodeId(72u), "urn:a", 2);
        var bytes = Encode(e => e.WriteExpandedNodeId(x));
        Assert.Equal(0xC0, bytes[0]);
        var d = new BinaryDecoder(bytes);
        Assert.Equal(x, d.ReadExpandedNodeId());
    }

    [Fact]
    public void VariantAndDataValueDecodeFromKnownBytes()
    {
        // Variant: Int32 scalar 1000 = 06 E8 03 00 00; Double array [1.0] = 8B 01 00 00 00 00..F0 3F
        var v = new BinaryDecoder(Convert.FromHexString("06E8030000")).ReadVariant();
        Assert.Equal(BuiltInType.Int32, v.Type);
        Assert.Equal(1000, v.ToInt64());
        var arr = new BinaryDecoder(Convert.FromHexString("8B01000000000000000000F03F")).ReadVariant();
        Assert.True(arr.IsArray);
        Assert.Equal(new[] { 1.0 }, (double[])arr.Value!);
        // DataValue: mask 0x05 (value + source timestamp), Boolean true, timestamp 1 = 100 ns after 1601-01-01
        var dv = new BinaryDecoder(Convert.FromHexString("0501010100000000000000")).ReadDataValue();
        Assert.True((bool)dv.Value.Value!);
        Assert.Equal(new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1), dv.SourceTimestamp);
        Assert.Null(dv.ServerTimestamp);
        Assert.True(dv.StatusCode.IsGood);
        // DataValue: status only (mask 0x02) BadTimeout
        var bad = new BinaryDecoder(Convert.FromHexString("0200000A80")).ReadDataValue();
        Assert.Equal(StatusCodes.BadTimeout, bad.StatusCode.Code);
    }

    [Fact]
    public void DateTimeUsesThe1601EpochAndClampsTheEnds()
    {
        var t = new DateTime(1601, 1, 1, 0, 0, 1, DateTimeKind.Utc);
        Assert.Equal(Convert.FromHexString("8096980000000000"), Encode(e => e.WriteDateTime(t)));
        Assert.Equal(new byte[8], Encode(e => e.WriteDateTime(DateTime.MinValue)));
        Assert.Equal(Convert.FromHexString("FFFFFFFFFFFFFF7F"), Encode(e => e.WriteDateTime(DateTime.MaxValue)));
        Assert.Equal(DateTime.MaxValue, new BinaryDecoder(Convert.FromHexString("FFFFFFFFFFFFFF7F")).ReadDateTime());
    }

    [Fact]
    public void HugeLengthsAreRefusedBeforeAllocating()
    {
        byte[] hugeString = [0xFF, 0xFF, 0xFF, 0x7F, 1, 2];
        var ex = Assert.Throws<UaDecodingException>(() => new BinaryDecoder(hugeString).ReadString());
        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, ex.StatusCode.Code);
        byte[] bigArray = [0x8B, 0x00, 0x00, 0x01, 0x00, 1, 2, 3]; // 65536 doubles claimed, 3 bytes present
        var ex2 = Assert.Throws<UaDecodingException>(() => new BinaryDecoder(bigArray).ReadVariant());
        Assert.Contains("bytes left", ex2.Message);
        var small = new DecodingLimits { MaxStringLength = 3 };
        Assert.Throws<UaDecodingException>(() => new BinaryDecoder(Encode(e => e.WriteString("abcd")), small).ReadString());
    }

    [Fact]
    public void DeepNestingIsRefused()
    {
        var v = new Variant(1);
        for (int i = 0; i < 100; i++) v = Variant.FromArray(BuiltInType.Variant, new[] { v });
        var bytes = Encode(e => e.WriteVariant(v));
        var ex = Assert.Throws<UaDecodingException>(() => new BinaryDecoder(bytes).ReadVariant());
        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, ex.StatusCode.Code);
    }

    [Fact]
    public void InvalidEncodingBytesAreRefused()
    {
        Assert.Throws<UaDecodingException>(() => new BinaryDecoder([0x07, 0]).ReadNodeId());
        Assert.Throws<UaDecodingException>(() => new BinaryDecoder([0x1A]).ReadVariant()); // type 26
        Assert.Throws<UaDecodingException>(() => new BinaryDecoder([0x18, 0]).ReadVariant()); // scalar Variant in Variant
        Assert.Throws<UaDecodingException>(() => new BinaryDecoder([0x00, 0x01, 0x03]).ReadExtensionObject());
        Assert.Throws<UaDecodingException>(() => new BinaryDecoder([0x02, 0x00, 0x00, 0x00, 0xC3, 0x28]).ReadString()); // bad UTF-8
    }

    /// <summary>A realistic response: a Read of mixed values (what a server sends most).</summary>
    internal static byte[] SampleMessage()
    {
        using var e = new BinaryEncoder();
        e.WriteNodeId(new NodeId(EncodingIds.ReadResponse));
        new ResponseHeader { Timestamp = DateTime.UtcNow, RequestHandle = 7, StringTable = ["a"] }.Encode(e);
        var values = AllScalars().Select(s => new DataValue(s.Value, StatusCode.Good, DateTime.UtcNow, DateTime.UtcNow)).ToList();
        values.Add(new DataValue(Variant.FromArray(BuiltInType.Double, new[] { 1.0, 2.0, 3.0, 4.0 }, [2, 2])));
        e.WriteArray(values, static (enc, v) => enc.WriteDataValue(v));
        e.WriteInt32(1);
        e.WriteDiagnosticInfo(new DiagnosticInfo { AdditionalInfo = "x", InnerDiagnosticInfo = new DiagnosticInfo { SymbolicId = 1 } });
        return e.ToArray();
    }

    internal static void DecodeResponse(ReadOnlySpan<byte> bytes)
    {
        var d = new BinaryDecoder(bytes, new DecodingLimits { MaxArrayLength = 10_000, MaxStringLength = 10_000, MaxByteStringLength = 10_000 });
        var typeId = d.ReadNodeId();
        _ = typeId;
        var r = ReadResponse.Decode(ref d);
        foreach (var dv in r.Results)
        {
            if (dv.Value.Type == BuiltInType.ExtensionObject && dv.Value.Value is ExtensionObject eo) eo.TryDecode<Services.Range>(out _);
        }
    }

    [Fact]
    public void SampleMessageDecodes()
    {
        var bytes = SampleMessage();
        DecodeResponse(bytes);
        var d = new BinaryDecoder(bytes);
        d.ReadNodeId();
        var r = ReadResponse.Decode(ref d);
        Assert.Equal(28, r.Results.Length);
        Assert.Equal(0, d.Remaining);
    }

    [Fact]
    public void MessageCutAtEveryByteGivesAClearError()
    {
        var bytes = SampleMessage();
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var ex = Assert.Throws<UaDecodingException>(() => DecodeResponse(bytes.AsSpan(0, cut)));
            Assert.InRange(ex.Offset, 0, cut);
        }
    }

    [Fact]
    public void RandomlyMutatedMessagesNeverCrash()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 100_000;
        var original = SampleMessage();
        var random = new Random(20240601);
        var buffer = new byte[original.Length];
        int decoded = 0, refused = 0;
        for (int i = 0; i < iterations; i++)
        {
            original.CopyTo(buffer, 0);
            var length = buffer.Length;
            var mutations = random.Next(1, 5);
            for (int m = 0; m < mutations; m++)
            {
                switch (random.Next(4))
                {
                    case 0: buffer[random.Next(length)] = (byte)random.Next(256); break;
                    case 1: buffer[random.Next(length)] ^= (byte)(1 << random.Next(8)); break;
                    case 2: buffer[random.Next(length)] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x7F; break;
                    default: length = random.Next(length + 1); break;
                }
            }
            try
            {
                DecodeResponse(buffer.AsSpan(0, length));
                decoded++;
            }
            catch (UaDecodingException)
            {
                refused++;
            }
        }
        Assert.Equal(iterations, decoded + refused);
        Assert.True(refused > 0 && decoded > 0, $"decoded {decoded}, refused {refused}");
    }
}
