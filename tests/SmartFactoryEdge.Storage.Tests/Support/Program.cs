using System.Diagnostics;
using System.Globalization;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Storage.Outbox;

namespace SmartFactoryEdge.Storage.Tests.Support;

/// <summary>
/// The test assembly doubles as a small console, run with <c>dotnet exec SmartFactoryEdge.Storage.Tests.dll &lt;verb&gt;</c>:
/// <list type="bullet">
/// <item><c>outbox-writer PATH normal|full</c>: appends numbered samples for ever, printing "committed N" after each commit
/// (the child process of the kill -9 test);</item>
/// <item><c>outbox-outage PATH RATE SECONDS</c>: appends RATE samples/s with no acknowledgement and prints the resident set every 10 s;</item>
/// <item><c>outbox-throughput PATH BATCH SECONDS [normal|full]</c>: append + take + acknowledge in a loop on one thread, prints samples/s;</item>
/// <item><c>outbox-open PATH</c>: times opening an existing outbox with and without the integrity check.</item>
/// </list>
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0) return 0;
        switch (args[0])
        {
            case "outbox-writer": return await WriterAsync(args[1], Mode(args[2]));
            case "outbox-outage": return await OutageAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
            case "outbox-throughput":
                return await ThroughputAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), double.Parse(args[3], CultureInfo.InvariantCulture),
                    args.Length > 4 ? Mode(args[4]) : OutboxSynchronousMode.Normal);
            case "outbox-open":
                // time to open an existing outbox (start-up), with and without the integrity check
                foreach (var check in new[] { false, true })
                {
                    var sw = Stopwatch.StartNew();
                    using var o = SqliteOutbox.Open(new OutboxOptions { Path = args[1], CheckIntegrityOnOpen = check }, "gw-open");
                    var first = o.TakePending(1);
                    Console.WriteLine(FormattableString.Invariant($"check={check} open_ms={sw.Elapsed.TotalMilliseconds:0} pending_records={o.GetStats().PendingBatches} first_record={first.Count}"));
                }
                return 0;
            default:
                await Console.Error.WriteLineAsync($"unknown verb {args[0]}");
                return 2;
        }
    }

    private static OutboxSynchronousMode Mode(string s) => s == "full" ? OutboxSynchronousMode.Full : OutboxSynchronousMode.Normal;

    private static async Task<int> WriterAsync(string path, OutboxSynchronousMode mode)
    {
        using var outbox = SqliteOutbox.Open(new OutboxOptions { Path = path, Synchronous = mode, BatchSize = 250 }, "gw-kill");
        long id = outbox.GetStats().PendingSamples;
        Console.WriteLine("ready");
        while (true)
        {
            var r = await outbox.AppendAsync(TestData.Numbered(id, 250), default);
            id += 250;
            Console.WriteLine($"committed {id} seq {r.LastSequence}");
        }
    }

    private static async Task<int> OutageAsync(string path, int rate, int seconds)
    {
        const int batch = 1000;
        var samples = Realistic(batch, 100);
        using var outbox = SqliteOutbox.Open(new OutboxOptions { Path = path, BatchSize = batch }, "gw-outage");
        var clock = Stopwatch.StartNew();
        long appended = 0;
        var nextReport = TimeSpan.Zero;
        Console.WriteLine("elapsed_s,appended_samples,pending_bytes,rss_mb,gc_heap_mb");
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            if (clock.Elapsed >= nextReport)
            {
                var s = outbox.GetStats();
                Console.WriteLine(FormattableString.Invariant($"{clock.Elapsed.TotalSeconds:0},{appended},{s.PendingBytes},{Rss() / 1048576.0:0.0},{GC.GetTotalMemory(false) / 1048576.0:0.0}"));
                nextReport += TimeSpan.FromSeconds(10);
            }
            await outbox.AppendAsync(samples, default);
            appended += batch;
            var due = TimeSpan.FromSeconds(appended / (double)rate) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
        }
        var end = outbox.GetStats();
        Console.WriteLine(FormattableString.Invariant($"{clock.Elapsed.TotalSeconds:0},{appended},{end.PendingBytes},{Rss() / 1048576.0:0.0},{GC.GetTotalMemory(false) / 1048576.0:0.0}"));
        return 0;
    }

    private static async Task<int> ThroughputAsync(string path, int batch, double seconds, OutboxSynchronousMode mode)
    {
        var samples = Realistic(batch, 100);
        using var outbox = SqliteOutbox.Open(new OutboxOptions { Path = path, BatchSize = batch, Synchronous = mode }, "gw-bench");
        // warm-up
        for (int i = 0; i < 50; i++) await Round(outbox, samples);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long n = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            await Round(outbox, samples);
            n += batch;
        }
        var wall = clock.Elapsed.TotalSeconds;
        var cpuUsed = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"batch={batch} sync={mode} samples={n} wall_s={wall:0.00} cpu_s={cpuUsed:0.00} samples_per_s={n / wall:0} samples_per_cpu_s={n / cpuUsed:0}"));
        return 0;
    }

    private static async Task Round(SqliteOutbox outbox, Sample[] samples)
    {
        await outbox.AppendAsync(samples, default);
        var records = outbox.TakePending(16);
        var ids = new long[records.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            // the forwarder decodes each batch before publishing: count that too
            _ = SmartFactoryEdge.Storage.Codec.SampleBatchCodec.Decode(records[i].Payload.Span);
            ids[i] = records[i].Id;
        }
        outbox.Acknowledge(ids);
    }

    /// <summary>Numeric samples of <paramref name="tags"/> tags at 10 Hz, Good quality, with units: the common shape.</summary>
    internal static Sample[] Realistic(int count, int tags)
    {
        var names = Enumerable.Range(0, tags).Select(i => $"line1.machine{i / 10}.signal{i % 10}").ToArray();
        string[] units = ["°C", "bar", "%", "mA", "rpm"];
        var rnd = new Random(7);
        var samples = new Sample[count];
        var t = TestData.T0;
        for (int i = 0; i < count; i++)
        {
            if (i % tags == 0) t = t.AddMilliseconds(100);
            samples[i] = Sample.Good(names[i % tags], t, Math.Round(20 + rnd.NextDouble() * 80, 2), units[i % tags % units.Length]);
        }
        return samples;
    }

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        return Environment.WorkingSet;
    }
}
