using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Storage.Tests.Support;

internal static class TestData
{
    public static readonly DateTime T0 = new(2026, 11, 22, 3, 0, 0, DateTimeKind.Utc);

    /// <summary>Samples of tag "id" whose Int64 value is a running id, so a reader can tell exactly which ones arrived.</summary>
    public static Sample[] Numbered(long firstId, int count, string tag = "seq.id")
    {
        var samples = new Sample[count];
        for (int i = 0; i < count; i++)
        {
            var ts = T0.AddMilliseconds(firstId + i);
            samples[i] = new Sample(tag, ts, ts, SampleValue.FromInt64(firstId + i), StatusCode.Good, "1");
        }
        return samples;
    }

    /// <summary>A mixed batch: every value kind, units and none, odd timestamps and qualities.</summary>
    public static Sample[] Mixed(int seed, int count)
    {
        var rnd = new Random(seed);
        string[] tags = ["furnace.zone1.temp", "press.pressure", "tank.level", "pump.running", "batch.state", "ferm.ph"];
        string?[] units = ["°C", "bar", "%", null, null, "pH"];
        var samples = new Sample[count];
        var ts = T0;
        for (int i = 0; i < count; i++)
        {
            int k = rnd.Next(tags.Length);
            ts = ts.AddTicks(rnd.Next(0, 2_000_000) - (rnd.Next(10) == 0 ? 3_000_000 : 0));
            var received = ts.AddTicks(rnd.Next(-1000, 500_000));
            SampleValue value = k switch
            {
                3 => SampleValue.FromBoolean(rnd.Next(2) == 1),
                4 => SampleValue.FromString(rnd.Next(3) switch { 0 => "heating", 1 => "", _ => "저장 중 ✓" }),
                5 => SampleValue.FromInt64(rnd.NextInt64(long.MinValue, long.MaxValue)),
                _ => rnd.Next(20) == 0 ? SampleValue.None : SampleValue.FromDouble(rnd.NextDouble() * 1000 - 500),
            };
            var quality = rnd.Next(5) switch
            {
                0 => new StatusCode(StatusCodes.BadTimeout),
                1 => new StatusCode(StatusCodes.UncertainLastUsableValue),
                _ => StatusCode.Good,
            };
            samples[i] = new Sample(tags[k], ts, received, value, quality, units[k]);
        }
        return samples;
    }

    public static OutboxOptions Options(string path, Func<OutboxOptions, OutboxOptions>? configure = null)
    {
        var o = new OutboxOptions { Path = path, BatchSize = 1000, MaxBytes = 64L * 1024 * 1024 };
        return configure is null ? o : configure(o);
    }

    public static IEnumerable<long> Ids(IEnumerable<Sample> samples) => samples.Select(s => s.Value.AsInt64);
}

/// <summary>A fresh folder per test, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sfe-outbox-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name = "outbox.db") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
