using System.CommandLine;
using System.Text;
using System.Threading.Channels;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Mqtt.Client;
using SmartFactoryEdge.Mqtt.Packets;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>
/// `sfe mqtt pub` and `sfe mqtt sub`: check a broker the way mosquitto_pub/mosquitto_sub do, with our own client
/// (TLS with validation, client certificates, MQTT 3.1.1 and 5.0). Exit codes: 0 success; 1 usage or connection error;
/// 2 timeout; a broker's refusal exits with its reason code (e.g. 135 NotAuthorized, 134 bad user name or password).
/// </summary>
public static class MqttCommands
{
    private sealed class Common
    {
        public readonly Option<string> Host = new("--host", "-H") { Description = "Broker host", DefaultValueFactory = _ => "127.0.0.1" };
        public readonly Option<int> Port = new("--port", "-p") { Description = "Broker port (default 1883, or 8883 with --tls)" };
        public readonly Option<string> Protocol = new("--protocol-version", "-V") { Description = "MQTT version: 5 (mqttv5) or 311 (mqttv311)", DefaultValueFactory = _ => "5" };
        public readonly Option<string?> ClientId = new("--id", "-i") { Description = "Client id (default: random)" };
        public readonly Option<string?> Username = new("--username", "-u") { Description = "User name" };
        public readonly Option<string?> Password = new("--password", "-P") { Description = "Password (prefer the SFE_MQTT_PASSWORD environment variable: command lines are visible to other users)" };
        public readonly Option<bool> Tls = new("--tls") { Description = "Use TLS (server certificate validated)" };
        public readonly Option<string?> CaFile = new("--cafile") { Description = "PEM CA certificate(s) to trust for the broker (implies --tls)" };
        public readonly Option<string?> Cert = new("--cert") { Description = "Client certificate: .pfx/.p12 or PEM (implies --tls)" };
        public readonly Option<string?> Key = new("--key") { Description = "PEM private key of --cert" };
        public readonly Option<string?> CertPassword = new("--cert-password") { Description = "Password of a .pfx client certificate" };
        public readonly Option<bool> Insecure = new("--insecure") { Description = "Do not validate the server certificate (test rigs only)" };
        public readonly Option<int> Qos = new("--qos", "-q") { Description = "QoS 0, 1 or 2", DefaultValueFactory = _ => 0 };
        public readonly Option<double> Timeout = new("--timeout", "-W") { Description = "Give up after this many seconds (0: never for sub; connect timeout otherwise 10 s)" };
        public readonly Option<int> KeepAlive = new("--keepalive", "-k") { Description = "Keep-alive in seconds", DefaultValueFactory = _ => 30 };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Host, Port, Protocol, ClientId, Username, Password, Tls, CaFile, Cert, Key, CertPassword, Insecure, Qos, Timeout, KeepAlive })
                c.Options.Add(o);
        }

        public MqttClientOptions Build(ParseResult r)
        {
            var tls = r.GetValue(Tls) || r.GetValue(CaFile) is not null || r.GetValue(Cert) is not null || r.GetValue(Insecure);
            var port = r.GetValue(Port);
            var version = r.GetValue(Protocol) switch
            {
                "5" or "mqttv5" or "500" => MqttProtocolVersion.V500,
                "311" or "mqttv311" or "3.1.1" or "4" => MqttProtocolVersion.V311,
                var v => throw new ArgumentException($"--protocol-version '{v}' is not 5 or 311."),
            };
            var qos = r.GetValue(Qos);
            if (qos is < 0 or > 2) throw new ArgumentException($"--qos {qos} is not 0, 1 or 2.");
            var password = r.GetValue(Password) ?? Environment.GetEnvironmentVariable("SFE_MQTT_PASSWORD");
            var timeout = r.GetValue(Timeout);
            return new MqttClientOptions
            {
                Host = r.GetValue(Host)!,
                Port = port > 0 ? port : tls ? 8883 : 1883,
                ProtocolVersion = version,
                ClientId = r.GetValue(ClientId) ?? "sfe-cli-" + Guid.NewGuid().ToString("N")[..8],
                Username = r.GetValue(Username),
                Password = string.IsNullOrEmpty(password) ? null : password,
                KeepAlive = TimeSpan.FromSeconds(r.GetValue(KeepAlive)),
                Timeout = timeout > 0 ? TimeSpan.FromSeconds(Math.Min(timeout, 10)) : TimeSpan.FromSeconds(10),
                AutoReconnect = false,
                Tls = new MqttClientTlsOptions
                {
                    UseTls = tls,
                    CaFile = r.GetValue(CaFile),
                    ClientCertificateFile = r.GetValue(Cert),
                    ClientKeyFile = r.GetValue(Key),
                    ClientCertificatePassword = r.GetValue(CertPassword),
                    AllowUntrustedCertificates = r.GetValue(Insecure),
                },
            };
        }
    }

    /// <summary>The `mqtt` verb with its `pub` and `sub` subcommands.</summary>
    public static Command Create()
    {
        var mqtt = new Command("mqtt", "Publish to or subscribe on an MQTT broker (like mosquitto_pub / mosquitto_sub)");
        mqtt.Subcommands.Add(CreatePub());
        mqtt.Subcommands.Add(CreateSub());
        return mqtt;
    }

    private static Command CreatePub()
    {
        var common = new Common();
        var topic = new Option<string>("--topic", "-t") { Description = "Topic to publish to", Required = true };
        var message = new Option<string?>("--message", "-m") { Description = "Payload text" };
        var file = new Option<string?>("--file", "-f") { Description = "Send this file as the payload" };
        var stdin = new Option<bool>("--stdin-line", "-l") { Description = "Send each line of standard input as a message" };
        var retain = new Option<bool>("--retain", "-r") { Description = "Retain the message" };
        var count = new Option<int>("--repeat") { Description = "Publish the message this many times", DefaultValueFactory = _ => 1 };
        var pub = new Command("pub", "Publish a message");
        common.AddTo(pub);
        foreach (var o in new Option[] { topic, message, file, stdin, retain, count }) pub.Options.Add(o);
        pub.SetAction(async (r, ct) =>
        {
            try
            {
                var options = common.Build(r);
                var qos = (MqttQualityOfService)r.GetValue(common.Qos);
                await using var client = new MqttClient(options);
                await client.ConnectAsync(ct);
                async Task<int> SendAsync(ReadOnlyMemory<byte> payload)
                {
                    var result = await client.PublishAsync(new MqttApplicationMessage { Topic = r.GetValue(topic)!, Payload = payload, QoS = qos, Retain = r.GetValue(retain) }, ct);
                    if (result.IsSuccess) return 0;
                    await Console.Error.WriteLineAsync($"sfe mqtt pub: broker refused the message: {result.ReasonCode} (0x{(byte)result.ReasonCode:X2}){(result.ReasonString is null ? "" : ": " + result.ReasonString)}");
                    return (byte)result.ReasonCode;
                }
                if (r.GetValue(stdin))
                {
                    string? line;
                    while ((line = await Console.In.ReadLineAsync(ct)) is not null)
                    {
                        var rc = await SendAsync(Encoding.UTF8.GetBytes(line));
                        if (rc != 0) return rc;
                    }
                }
                else
                {
                    ReadOnlyMemory<byte> payload = r.GetValue(file) is { } path ? await File.ReadAllBytesAsync(path, ct) : Encoding.UTF8.GetBytes(r.GetValue(message) ?? "");
                    for (int i = 0; i < Math.Max(1, r.GetValue(count)); i++)
                    {
                        var rc = await SendAsync(payload);
                        if (rc != 0) return rc;
                    }
                }
                await client.DisconnectAsync(cancellationToken: ct);
                return 0;
            }
            catch (Exception e)
            {
                return Fail("pub", e);
            }
        });
        return pub;
    }

    private static Command CreateSub()
    {
        var common = new Common();
        var topics = new Option<string[]>("--topic", "-t") { Description = "Topic filter (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var count = new Option<int>("--count", "-C") { Description = "Exit after this many messages (0: never)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the topic before each payload" };
        var retainedOnly = new Option<bool>("--retained-only", "-R") { Description = "Print only retained messages" };
        var sub = new Command("sub", "Subscribe and print messages");
        common.AddTo(sub);
        foreach (var o in new Option[] { topics, count, verbose, retainedOnly }) sub.Options.Add(o);
        sub.SetAction(async (r, ct) =>
        {
            try
            {
                var options = common.Build(r);
                var qos = (MqttQualityOfService)r.GetValue(common.Qos);
                var max = r.GetValue(count);
                var timeout = r.GetValue(common.Timeout);
                var inbox = Channel.CreateUnbounded<MqttApplicationMessage>(new UnboundedChannelOptions { SingleReader = true });
                await using var client = new MqttClient(options);
                client.ApplicationMessageReceivedAsync += e =>
                {
                    inbox.Writer.TryWrite(e.ApplicationMessage);
                    return Task.CompletedTask;
                };
                var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
                client.DisconnectedAsync += e =>
                {
                    lost.TrySetResult(e.Exception);
                    inbox.Writer.TryComplete(e.Exception);
                    return Task.CompletedTask;
                };
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (timeout > 0) deadline.CancelAfter(TimeSpan.FromSeconds(timeout));
                await client.ConnectAsync(deadline.Token);
                var filters = r.GetValue(topics)!.Select(t => new MqttTopicFilter(t, qos)).ToArray();
                var granted = await client.SubscribeAsync(filters, null, deadline.Token);
                for (int i = 0; i < filters.Length; i++)
                {
                    if ((byte)granted.ReasonCodes[i] >= 0x80)
                    {
                        await Console.Error.WriteLineAsync($"sfe mqtt sub: subscription to '{filters[i].Topic}' refused: {granted.ReasonCodes[i]}");
                        return (byte)granted.ReasonCodes[i];
                    }
                }
                var received = 0;
                try
                {
                    await foreach (var m in inbox.Reader.ReadAllAsync(deadline.Token))
                    {
                        if (r.GetValue(retainedOnly) && !m.Retain) continue;
                        var text = Encoding.UTF8.GetString(m.Payload.Span);
                        await Console.Out.WriteLineAsync(r.GetValue(verbose) ? $"{m.Topic} {text}" : text);
                        if (max > 0 && ++received >= max) break;
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await Console.Error.WriteLineAsync($"sfe mqtt sub: timed out after {timeout:0.#} s with {received} message(s).");
                    return 2;
                }
                await client.DisconnectAsync(cancellationToken: CancellationToken.None);
                return 0;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("sfe mqtt sub: timed out.");
                return 2;
            }
            catch (Exception e)
            {
                return Fail("sub", e);
            }
        });
        return sub;
    }

    private static int Fail(string verb, Exception e)
    {
        Console.Error.WriteLine($"sfe mqtt {verb}: {e.Message}");
        return e switch
        {
            MqttConnectException c => (byte)c.ReasonCode,
            PeerUnavailableException or ProtocolViolationException or ArgumentException or IOException or UnauthorizedAccessException => 1,
            _ => throw e,
        };
    }
}
