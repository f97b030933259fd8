using Google.Protobuf;

namespace SmartFactoryEdge.Mqtt.Tests.Telemetry;

/// <summary>An independent, minimal reader of sparkplug_b.proto Payload messages for the tests.</summary>
internal static class SparkplugTestDecoder
{
    public sealed record Metric
    {
        public string? Name;
        public ulong? Alias;
        public ulong? Timestamp;
        public uint? DataType;
        public bool IsNull;
        public double? Double;
        public ulong? Long;
        public bool? Bool;
        public string? String;
        public Dictionary<string, object?> Properties = [];
    }

    public sealed record Payload(ulong? Timestamp, ulong? Seq, List<Metric> Metrics);

    public static Payload Decode(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        ulong? ts = null, seq = null;
        var metrics = new List<Metric>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ts = input.ReadUInt64(); break;
                case 2: metrics.Add(ReadMetric(input.ReadBytes().ToByteArray())); break;
                case 3: seq = input.ReadUInt64(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new Payload(ts, seq, metrics);
    }

    private static Metric ReadMetric(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var m = new Metric();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: m.Name = input.ReadString(); break;
                case 2: m.Alias = input.ReadUInt64(); break;
                case 3: m.Timestamp = input.ReadUInt64(); break;
                case 4: m.DataType = input.ReadUInt32(); break;
                case 7: m.IsNull = input.ReadBool(); break;
                case 9: ReadProperties(input.ReadBytes().ToByteArray(), m.Properties); break;
                case 11: m.Long = input.ReadUInt64(); break;
                case 13: m.Double = input.ReadDouble(); break;
                case 14: m.Bool = input.ReadBool(); break;
                case 15: m.String = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return m;
    }

    private static void ReadProperties(byte[] bytes, Dictionary<string, object?> into)
    {
        var input = new CodedInputStream(bytes);
        var keys = new List<string>();
        var values = new List<object?>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: keys.Add(input.ReadString()); break;
                case 2:
                    var v = new CodedInputStream(input.ReadBytes().ToByteArray());
                    object? value = null;
                    uint t2;
                    while ((t2 = v.ReadTag()) != 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(t2))
                        {
                            case 3: value = v.ReadUInt32(); break;
                            case 8: value = v.ReadString(); break;
                            default: v.SkipLastField(); break;
                        }
                    }
                    values.Add(value);
                    break;
                default: input.SkipLastField(); break;
            }
        }
        for (int i = 0; i < keys.Count; i++) into[keys[i]] = values[i];
    }
}
