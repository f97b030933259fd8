using System.Diagnostics;
using System.Globalization;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;

// usage: MqttThroughput PORT COUNT QOS INFLIGHT PAYLOAD_BYTES [VERSION=5]
//        MqttThroughput null-broker PORT                    (see NullBroker.cs)
//        MqttThroughput raw PORT COUNT PAYLOAD_BYTES         (pre-encoded frames, no client: see RawSender.cs)
// Publishes COUNT messages with at most INFLIGHT outstanding (QoS 0: not yet written to the socket; QoS 1: not yet
// PUBACKed), then a QoS 1 barrier message whose PUBACK proves the broker has taken everything before it.
// Prints one line: "sfe qos=Q msgs=N seconds=S cpu_us_per_msg=C [broker_us_per_msg=B broker_busy=P%] rate=R"; the broker
// figures (its CPU over the timed window only, read from /proc) appear when BENCH_BROKER_PID is set.
if (args[0] == "null-broker")
{
    await NullBroker.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
    return;
}
if (args[0] == "raw")
{
    Console.WriteLine(await RawSender.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture),
        int.Parse(args[3], CultureInfo.InvariantCulture), Environment.GetEnvironmentVariable("BENCH_BROKER_PID"), BrokerCpuSeconds));
    return;
}
var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var count = int.Parse(args[1], CultureInfo.InvariantCulture);
var qos = (MqttQualityOfService)int.Parse(args[2], CultureInfo.InvariantCulture);
var inflight = int.Parse(args[3], CultureInfo.InvariantCulture);
var size = int.Parse(args[4], CultureInfo.InvariantCulture);
var version = args.Length > 5 && args[5] == "311" ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;

await using var client = new MqttClient(new MqttClientOptions
{
    Port = port,
    ProtocolVersion = version,
    ClientId = "bench-sfe-" + Environment.ProcessId,
    MaxInFlight = Math.Max(1, inflight),
    OutgoingQueueCapacity = Math.Max(1, inflight),
    AutoReconnect = false,
    UseTopicAliases = false, // mqtt.js does not use them by default either
});
var disconnecting = false;
client.DisconnectedAsync += e =>
{
    if (e.Exception is not null && !Volatile.Read(ref disconnecting)) Console.Error.WriteLine($"connection lost: {e.Exception}");
    return Task.CompletedTask;
};
await client.ConnectAsync();
var payload = new byte[size];
Random.Shared.NextBytes(payload);
// same topic length as mqtt.js's "bench/mqttjs", so both send 115-byte PUBLISH frames
var message = new MqttApplicationMessage { Topic = "bench/dotnet", Payload = payload, QoS = qos };

// warm-up (JIT, buffers)
await RunAsync(Math.Min(20_000, count));
var brokerPid = Environment.GetEnvironmentVariable("BENCH_BROKER_PID");
var broker0 = BrokerCpuSeconds(brokerPid);
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
var gc0 = GC.CollectionCount(0);
var sw = Stopwatch.StartNew();
await RunAsync(count);
sw.Stop();
var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
var gcs = GC.CollectionCount(0) - gc0;
var brokerCpu = BrokerCpuSeconds(brokerPid) - broker0;
var brokerText = brokerPid is null ? "" : string.Create(CultureInfo.InvariantCulture,
    $" broker_us_per_msg={brokerCpu * 1e6 / count:0.00} broker_busy={100 * brokerCpu / sw.Elapsed.TotalSeconds:0}%");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sfe qos={(int)qos} msgs={count} seconds={sw.Elapsed.TotalSeconds:0.000} cpu_us_per_msg={cpu.TotalMicroseconds / count:0.00} alloc_bytes_per_msg={allocated / count} gen0_gcs={gcs}{brokerText} rate={count / sw.Elapsed.TotalSeconds:0}"));
Volatile.Write(ref disconnecting, true);
await client.DisconnectAsync();

// INFLIGHT callers, each awaiting its publish's result before it sends the next message (ordinary async code, no
// semaphore), so at most INFLIGHT are outstanding and a slot is refilled as soon as a result arrives: the same as the
// mqtt.js driver, whose publish callback calls pump(). Every result is checked.
async Task RunAsync(int n)
{
    var next = 0;
    var failures = 0;
    var workers = new Task[Math.Max(1, Math.Min(inflight, n))];
    for (int i = 0; i < workers.Length; i++) workers[i] = PublishSomeAsync();
    await Task.WhenAll(workers);
    var barrier = await client.PublishAsync(message with { QoS = MqttQualityOfService.AtLeastOnce });
    if (!barrier.IsSuccess || failures > 0) throw new InvalidOperationException($"publish failed: {barrier.ReasonCode}, {failures} failures");

    async Task PublishSomeAsync()
    {
        while (Interlocked.Increment(ref next) <= n)
        {
            var result = await client.PublishAsync(message).ConfigureAwait(false);
            if (!result.IsSuccess) Interlocked.Increment(ref failures);
        }
    }
}

// utime + stime of the broker process (fields 14 and 15 of /proc/PID/stat, after the parenthesised name)
static double BrokerCpuSeconds(string? pid)
{
    if (pid is null) return 0;
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0; // USER_HZ
}
