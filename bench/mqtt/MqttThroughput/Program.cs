using System.Diagnostics;
using System.Globalization;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;

// usage: MqttThroughput PORT COUNT QOS INFLIGHT PAYLOAD_BYTES [VERSION=5]
// Publishes COUNT messages with at most INFLIGHT outstanding (QoS 0: not yet written to the socket; QoS 1: not yet
// PUBACKed), then a QoS 1 barrier message whose PUBACK proves the broker has taken everything before it.
// Prints one line: "sfe qos=Q msgs=N seconds=S rate=R".
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
await client.ConnectAsync();
var payload = new byte[size];
Random.Shared.NextBytes(payload);
var message = new MqttApplicationMessage { Topic = "bench/sfe", Payload = payload, QoS = qos };

// warm-up (JIT, buffers)
await RunAsync(Math.Min(20_000, count));
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
var sw = Stopwatch.StartNew();
await RunAsync(count);
sw.Stop();
var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sfe qos={(int)qos} msgs={count} seconds={sw.Elapsed.TotalSeconds:0.000} cpu_us_per_msg={cpu.TotalMicroseconds / count:0.00} rate={count / sw.Elapsed.TotalSeconds:0}"));
await client.DisconnectAsync();

async Task RunAsync(int n)
{
    using var window = new SemaphoreSlim(inflight, inflight);
    var failures = 0;
    for (int i = 0; i < n; i++)
    {
        await window.WaitAsync();
        var t = client.PublishAsync(message);
        if (t.IsCompleted)
        {
            if (!t.IsCompletedSuccessfully) failures++;
            window.Release();
        }
        else
        {
            _ = t.ContinueWith(static (task, s) =>
            {
                ((SemaphoreSlim)s!).Release();
                if (!task.IsCompletedSuccessfully) Console.Error.WriteLine(task.Exception?.GetBaseException().Message);
            }, window, TaskContinuationOptions.ExecuteSynchronously);
        }
    }
    for (int i = 0; i < inflight; i++) await window.WaitAsync();
    var barrier = await client.PublishAsync(message with { QoS = MqttQualityOfService.AtLeastOnce });
    if (!barrier.IsSuccess || failures > 0) throw new InvalidOperationException($"publish failed: {barrier.ReasonCode}, {failures} failures");
}
