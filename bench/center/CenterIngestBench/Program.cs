// Sustained ingest: a publisher process feeds Mosquitto at a fixed rate of samples/s (JSON batches from several
// gateways, QoS 1); this process runs one center instance (CenterIngest) into SQLite or PostgreSQL and reports the
// stored samples/s, the center's CPU time per sample, and where the time goes (decode vs store, measured offline on
// the same payloads; the rest is MQTT receive and bookkeeping).
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using SmartFactoryEdge.Center;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Telemetry;
using SmartFactoryEdge.TestKit.Center;
using SmartFactoryEdge.TestKit.Mqtt;

var opts = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length && !args[x.i + 1].StartsWith("--", StringComparison.Ordinal) ? args[x.i + 1] : "true");
string Opt(string k, string d) => opts.TryGetValue(k, out var v) ? v : d;
var rate = int.Parse(Opt("rate", "200000"), CultureInfo.InvariantCulture);
var seconds = int.Parse(Opt("seconds", "10"), CultureInfo.InvariantCulture);
var batchSize = int.Parse(Opt("batch", "1000"), CultureInfo.InvariantCulture);
var gateways = int.Parse(Opt("gateways", "4"), CultureInfo.InvariantCulture);

if (args.Length > 0 && args[0] == "publish") return await PublishAsync(int.Parse(Opt("port", "1883"), CultureInfo.InvariantCulture));

var stores = Opt("store", "sqlite") == "both" ? new[] { "sqlite", "postgres" } : new[] { Opt("store", "sqlite") };
await using var broker = await MosquittoBroker.StartAsync();
// the center gets one core (core 0); the broker (started above) and the publisher (taskset -c 1) are not pinned to it
if (OperatingSystem.IsLinux() && Environment.ProcessorCount > 1 && Opt("pin", "true") == "true") Process.GetCurrentProcess().ProcessorAffinity = 1;
foreach (var kind in stores)
{
    var dir = Directory.CreateTempSubdirectory("sfe-center-bench-").FullName;
    PostgresServer? pg = null;
    try
    {
        ICenterStore store;
        if (kind == "postgres")
        {
            pg = await PostgresServer.StartAsync();
            var cs = await pg.CreateDatabaseAsync("bench");
            store = new PostgresCenterStore(cs);
        }
        else store = new SqliteCenterStore(Path.Combine(dir, "center.db"), durable: Opt("durable", "true") == "true");
        await RunAsync(kind, store, broker.AnonymousPort);
        await OfflineBreakdownAsync(kind, pg, dir);
    }
    finally
    {
        if (pg is not null) await pg.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }
}
return 0;

async Task RunAsync(string kind, ICenterStore store, int port)
{
    var options = new CenterOptions
    {
        Mqtt = new MqttClientOptions { Port = port, ClientId = "bench-center-" + kind, CleanStart = true },
        ShareGroup = "bench-" + kind,
        Store = kind == "postgres" ? CenterStoreKind.Postgres : CenterStoreKind.Sqlite,
    };
    await using var center = new CenterIngest(options, store);
    await center.StartAsync(default);
    long samples = 0;
    var firstAt = 0L;
    var lastAt = 0L;
    center.Handled += m =>
    {
        if (m.Batch is null) return;
        var now = Stopwatch.GetTimestamp();
        if (Interlocked.Read(ref samples) == 0) firstAt = now;
        Interlocked.Add(ref samples, m.Batch.Rows.Count);
        lastAt = now;
    };
    var expected = (long)rate * seconds / batchSize * batchSize;
    var self = Path.Combine(AppContext.BaseDirectory, "CenterIngestBench");
    var psi = new ProcessStartInfo("taskset") { UseShellExecute = false };
    foreach (var a in new[] { "-c", Environment.ProcessorCount > 1 ? "1" : "0", self }) psi.ArgumentList.Add(a);
    foreach (var a in new[] { "publish", "--port", port.ToString(CultureInfo.InvariantCulture), "--rate", rate.ToString(CultureInfo.InvariantCulture),
                 "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--batch", batchSize.ToString(CultureInfo.InvariantCulture), "--gateways", gateways.ToString(CultureInfo.InvariantCulture) })
        psi.ArgumentList.Add(a);
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    using var publisher = Process.Start(psi)!;
    var deadline = Stopwatch.StartNew();
    while (Interlocked.Read(ref samples) < expected && deadline.Elapsed < TimeSpan.FromSeconds(seconds * 6 + 30)) await Task.Delay(100);
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    await publisher.WaitForExitAsync();
    var elapsed = Stopwatch.GetElapsedTime(firstAt, lastAt).TotalSeconds;
    var n = Interlocked.Read(ref samples);
    var counts = await store.CountAsync(default);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{kind}: fed {rate:N0} samples/s for {seconds} s in batches of {batchSize} from {gateways} gateways; stored {n:N0} of {expected:N0} samples in {elapsed:0.00} s = {n / elapsed:N0} samples/s wall; center CPU {cpu:0.00} s = {n / cpu:N0} samples per CPU-second (rows in store {counts.Samples:N0})"));
}

async Task OfflineBreakdownAsync(string kind, PostgresServer? pg, string dir)
{
    // the same payloads without the broker: decode alone, then store alone
    var payloads = Enumerable.Range(1, 200).Select(i => (Topic: $"sfe/v1/plant1/gw-{i % gateways:00}/telemetry", Payload: Encode(Batch($"gw-{i % gateways:00}", 1_000_000 + i)))).ToList();
    var decoder = new TelemetryDecoder();
    for (var i = 0; i < 20; i++) decoder.Decode(payloads[i].Topic, payloads[i].Payload, 0);
    var sw = Stopwatch.StartNew();
    var decoded = payloads.Select(p => decoder.Decode(p.Topic, p.Payload, 0).Batch!).ToList();
    var decodeS = sw.Elapsed.TotalSeconds;
    await using ICenterStore store = kind == "postgres" ? new PostgresCenterStore(await pg!.CreateDatabaseAsync("offline")) : new SqliteCenterStore(Path.Combine(dir, "offline.db"), durable: Opt("durable", "true") == "true");
    await store.InitializeAsync(default);
    await store.StoreBatchesAsync(decoded.Take(5).Select(b => b with { Sequence = -b.Sequence }).ToList(), default);
    sw.Restart();
    foreach (var b in decoded) await store.StoreBatchesAsync([b], default);
    var storeS = sw.Elapsed.TotalSeconds;
    var rows = decoded.Sum(b => b.Rows.Count);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{kind} breakdown per sample: JSON decode {decodeS / rows * 1e6:0.00} us ({rows / decodeS:N0}/s), store {storeS / rows * 1e6:0.00} us ({rows / storeS:N0}/s, one transaction per batch of {batchSize})"));
}

TelemetryBatch Batch(string gateway, long seq)
{
    var t0 = DateTime.UtcNow;
    var samples = new Sample[batchSize];
    for (var i = 0; i < batchSize; i++)
    {
        var tag = $"line{i % 10}.tag{i % 100:000}";
        samples[i] = new Sample(tag, t0.AddTicks(i * 100), t0, 20.0 + (seq + i) % 1000 * 0.01, i % 50 == 0 ? StatusCode.Uncertain : StatusCode.Good, i % 3 == 0 ? "°C" : "bar");
    }
    return new TelemetryBatch(gateway, seq, false, t0, samples);
}

static byte[] Encode(TelemetryBatch b)
{
    var w = new ArrayBufferWriter<byte>();
    TelemetryJsonEncoder.Encode(b, w);
    return w.WrittenSpan.ToArray();
}

async Task<int> PublishAsync(int port)
{
    await using var client = new MqttClient(new MqttClientOptions { Port = port, ClientId = "bench-pub-" + Environment.ProcessId });
    await client.ConnectAsync();
    var batchesPerSecond = (double)rate / batchSize;
    var total = (long)rate * seconds / batchSize;
    var payloads = Enumerable.Range(0, gateways).Select(g => Enumerable.Range(0, 8).Select(k => Encode(Batch($"gw-{g:00}", k))).ToArray()).ToArray();
    var sw = Stopwatch.StartNew();
    var pending = new List<Task<MqttPublishResult>>();
    for (long i = 0; i < total; i++)
    {
        var due = TimeSpan.FromSeconds(i / batchesPerSecond);
        var wait = due - sw.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(2)) await Task.Delay(wait);
        var g = (int)(i % gateways);
        // a fresh sequence per batch: patch the pre-encoded payload's seq by re-encoding only the header would be faster;
        // re-encoding is cheap enough here and keeps the payload exactly what the sink sends
        var seq = i / gateways + 1;
        var payload = payloads[g][seq % 8];
        pending.Add(client.PublishAsync($"sfe/v1/plant1/gw-{g:00}/telemetry", Reseq(payload, seq)));
        if (pending.Count >= 256) { await Task.WhenAll(pending); pending.Clear(); }
    }
    await Task.WhenAll(pending);
    await client.DisconnectAsync();
    return 0;
}

static byte[] Reseq(byte[] payload, long seq)
{
    // the encoder wrote "seq":K with K in 0..7 (one digit): splice in the real sequence number
    var text = System.Text.Encoding.UTF8.GetString(payload);
    var at = text.IndexOf("\"seq\":", StringComparison.Ordinal) + 6;
    return System.Text.Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at), seq.ToString(CultureInfo.InvariantCulture), text.AsSpan(at + 1)));
}
