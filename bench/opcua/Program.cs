// Our OPC UA client under load: N monitored items at an interval, values/s received, CPU per value, RSS.
// Usage: dotnet bench/opcua/bin/Release/net10.0/OpcUaBench.dll URL [items=10000] [intervalMs=100] [seconds=20] [warmup=5] [samplingMs=intervalMs]
// Message security from the environment: SFE_BENCH_POLICY (None, Basic256Sha256, ...; unset = plain None channel),
// SFE_BENCH_MODE (Sign, SignAndEncrypt; default Best), SFE_BENCH_PKI (PKI folder; the server certificate is auto-accepted).
using System.Diagnostics;
using System.Globalization;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Session;

var url = args.Length > 0 ? args[0] : "opc.tcp://127.0.0.1:48400/UA/Sim";
int Arg(int i, int def) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : def;
var items = Arg(1, 10_000);
var intervalMs = Arg(2, 100);
var seconds = Arg(3, 20);
var warmup = Arg(4, 5);
var sampling = Arg(5, intervalMs);

var securityPolicy = Environment.GetEnvironmentVariable("SFE_BENCH_POLICY");
await using var session = await UaSession.ConnectAsync(url, new UaSessionOptions
{
    OutstandingPublishRequests = int.TryParse(Environment.GetEnvironmentVariable("SFE_BENCH_PUBLISH"), out var p) ? p : 10,
    Security = securityPolicy is { Length: > 0 }
        ? new UaSecurityOptions
        {
            SecurityPolicy = securityPolicy,
            SecurityMode = Environment.GetEnvironmentVariable("SFE_BENCH_MODE") ?? "Best",
            PkiPath = Environment.GetEnvironmentVariable("SFE_BENCH_PKI") ?? Path.Combine(Path.GetTempPath(), "sfe-opcua-bench-client-pki"),
            AutoAcceptUntrusted = true,
        }
        : null,
});
var security = $"{session.Channel.Policy.Uri.Split('#')[^1]}/{session.Channel.Policy.Mode}";
long values = 0, bad = 0, messages = 0;
double sum = 0;
var subscription = await session.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(intervalMs), (_, message) =>
{
    messages++;
    foreach (var n in message.DataChanges)
    {
        if (n.Value.StatusCode.IsGood) values++;
        else bad++;
        sum += n.Value.Value.ToDouble();
    }
}, CancellationToken.None);
var specs = Enumerable.Range(0, items).Select(i => new MonitoredItemSpec
{
    NodeId = new NodeId($"Load.Var{i:0000}", 1), ClientHandle = (uint)i, SamplingInterval = sampling, QueueSize = 1,
}).ToArray();
var results = await subscription.CreateMonitoredItemsAsync(specs, CancellationToken.None);
var refused = results.Count(r => r.StatusCode.IsBad);
await Task.Delay(TimeSpan.FromSeconds(warmup));
var process = Process.GetCurrentProcess();
var cpu0 = process.TotalProcessorTime;
var v0 = Interlocked.Read(ref values);
var sw = Stopwatch.StartNew();
long peakRss = 0;
while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
{
    await Task.Delay(500);
    process.Refresh();
    peakRss = Math.Max(peakRss, process.WorkingSet64);
}
process.Refresh();
var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
var got = Interlocked.Read(ref values) - v0;
var elapsed = sw.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT client=sfe security={security} items={items} refused={refused} values_per_s={got / elapsed:0} cpu_core={cpu / elapsed:0.000} cpu_us_per_value={cpu * 1e6 / Math.Max(1, got):0.00} rss_mb={peakRss / 1048576.0:0.0} bad={bad} republishes={session.Republishes} lost={session.LostMessages} values_per_message={values / (double)Math.Max(1, messages):0}"));
GC.KeepAlive(sum);
await session.CloseAsync(CancellationToken.None);
