using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Center;
using SmartFactoryEdge.Center.Export;
using SmartFactoryEdge.Center.Ingest;
using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Mqtt.Client;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>
/// `sfe center run | status | export` (and train | rollback | models | score in CenterModelCommands): the AI-center side. `run` ingests from a broker (shared subscriptions) into
/// SQLite or PostgreSQL until Ctrl-C/SIGTERM; `status` prints each gateway's health from the store; `export` writes a
/// Parquet or CSV dataset. Exit codes: 0 success, 1 failure, 2 invalid arguments.
/// </summary>
public static class CenterCommands
{
    internal sealed class StoreOptions
    {
        public readonly Option<string> Kind = new("--store") { Description = "sqlite (default) or postgres", DefaultValueFactory = _ => "sqlite" };
        public readonly Option<string> Connection = new("--connection", "-c") { Description = "SQLite file, or PostgreSQL connection string (prefer SFE_CENTER_CONNECTION: command lines are visible)", DefaultValueFactory = _ => "center.db" };

        public void AddTo(Command c)
        {
            c.Options.Add(Kind);
            c.Options.Add(Connection);
        }

        public (CenterStoreKind Kind, string Connection) Get(ParseResult r)
        {
            var kind = r.GetValue(Kind) switch
            {
                "sqlite" => CenterStoreKind.Sqlite,
                "postgres" or "postgresql" or "timescaledb" => CenterStoreKind.Postgres,
                var k => throw new ArgumentException($"--store '{k}' is not sqlite or postgres."),
            };
            var connection = Environment.GetEnvironmentVariable("SFE_CENTER_CONNECTION") is { Length: > 0 } env && r.GetResult(Connection) is null ? env : r.GetValue(Connection)!;
            return (kind, connection);
        }
    }

    public static Command Create()
    {
        var center = new Command("center", "The AI center: ingest gateways' telemetry, show their health, export datasets");
        center.Subcommands.Add(CreateRun());
        center.Subcommands.Add(CreateStatus());
        center.Subcommands.Add(CreateExport());
        CenterModelCommands.AddTo(center);
        return center;
    }

    private static Command CreateRun()
    {
        var store = new StoreOptions();
        var host = new Option<string>("--host", "-H") { Description = "Broker host", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Broker port", DefaultValueFactory = _ => 1883 };
        var group = new Option<string>("--group", "-g") { Description = "Shared-subscription group: instances in one group split the load", DefaultValueFactory = _ => "sfe-center" };
        var site = new Option<string>("--site") { Description = "Only this site (default: all)", DefaultValueFactory = _ => "+" };
        var id = new Option<string?>("--id", "-i") { Description = "MQTT client id (unique per instance; default sfe-center-HOST-PID)" };
        var username = new Option<string?>("--username", "-u") { Description = "Broker user name (password from SFE_MQTT_PASSWORD)" };
        var tls = new Option<bool>("--tls") { Description = "TLS to the broker (certificate validated)" };
        var cafile = new Option<string?>("--cafile") { Description = "PEM CA certificate(s) to trust for the broker" };
        var fast = new Option<bool>("--no-fsync") { Description = "SQLite synchronous=NORMAL: faster, survives a crash but not a power cut" };
        var cmd = new Command("run", "Ingest telemetry, anomalies and states from the broker until stopped");
        store.AddTo(cmd);
        foreach (var o in new Option[] { host, port, group, site, id, username, tls, cafile, fast }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                var useTls = r.GetValue(tls) || r.GetValue(cafile) is not null;
                var options = new CenterOptions
                {
                    Mqtt = new MqttClientOptions
                    {
                        Host = r.GetValue(host)!,
                        Port = r.GetValue(port),
                        ClientId = r.GetValue(id) ?? $"sfe-center-{Environment.MachineName}-{Environment.ProcessId}",
                        CleanStart = false,
                        SessionExpiryInterval = 3600,
                        Username = r.GetValue(username),
                        Password = Environment.GetEnvironmentVariable("SFE_MQTT_PASSWORD") is { Length: > 0 } pw ? pw : null,
                        Tls = new MqttClientTlsOptions { UseTls = useTls, CaFile = r.GetValue(cafile) },
                    },
                    ShareGroup = r.GetValue(group)!,
                    Site = r.GetValue(site)!,
                    Store = kind,
                    StoreConnection = connection,
                    Durable = !r.GetValue(fast),
                };
                using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Information));
                await using var ingest = new CenterIngest(options, CenterStoreFactory.Create(kind, connection), loggers.CreateLogger<CenterIngest>());
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
                await ingest.StartAsync(stop.Token);
                Console.WriteLine($"sfe center: ingesting from {options.Mqtt.Host}:{options.Mqtt.Port} (group {options.ShareGroup}) into {kind}");
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
                await ingest.StopAsync(CancellationToken.None);
                Console.WriteLine($"sfe center: stopped after {ingest.Messages} messages, {ingest.Metrics.DeadLetters} dead letters");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Fail("run", e);
            }
        });
        return cmd;
    }

    private static Command CreateStatus()
    {
        var store = new StoreOptions();
        var cmd = new Command("status", "Per gateway: batches, sequence gaps, replayed batches, lag, last birth and death; totals and recent dead letters");
        store.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                await using var s = CenterStoreFactory.Create(kind, connection);
                await s.InitializeAsync(ct);
                var counts = await s.CountAsync(ct);
                Console.WriteLine($"samples {counts.Samples}  batches {counts.Batches}  dead letters {counts.DeadLetters}  anomalies {counts.Anomalies}  states {counts.States}");
                Console.WriteLine($"{"site",-12} {"gateway",-16} {"batches",9} {"seq",-15} {"gaps",6} {"replayed",9} {"lag s",8}  {"last birth",-20} {"last death",-20}");
                foreach (var g in await s.ReadGatewayStatusAsync(ct))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{g.Site,-12} {g.Gateway,-16} {g.Batches,9} {g.MinSequence + ".." + g.MaxSequence,-15} {g.Gaps,6} {g.ReplayedBatches,9} {g.LastLagMicros / 1e6,8:0.###}  {Time(g.LastBirthMicros),-20} {Time(g.LastDeathMicros),-20}"));
                }
                foreach (var d in await s.ReadDeadLettersAsync(5, ct))
                    Console.WriteLine($"dead letter {Time(d.ReceivedMicros)} {d.Topic}: {d.Reason}");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Fail("status", e);
            }
        });
        return cmd;
    }

    private static string Time(long? micros) => micros is { } m ? UnixMicros.ToDateTime(m).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";

    private static Command CreateExport()
    {
        var store = new StoreOptions();
        var from = new Option<string>("--from") { Description = "Start (inclusive), ISO-8601 UTC, e.g. 2026-11-21 or 2026-11-21T08:00:00Z", Required = true };
        var to = new Option<string>("--to") { Description = "End (exclusive), ISO-8601 UTC", Required = true };
        var site = new Option<string?>("--site") { Description = "Only this site" };
        var asset = new Option<string?>("--asset") { Description = "Only this asset" };
        var tags = new Option<string?>("--tags") { Description = "Only these tags (comma-separated)" };
        var format = new Option<string>("--format") { Description = "parquet (default) or csv", DefaultValueFactory = _ => "parquet" };
        var output = new Option<string>("--out", "-o") { Description = "Output folder (site=/asset=/date= partitions and manifest.json)", Required = true };
        var cmd = new Command("export", "Write a training dataset (Parquet or CSV) with anomaly labels and a manifest");
        store.AddTo(cmd);
        foreach (var o in new Option[] { from, to, site, asset, tags, format, output }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var (kind, connection) = store.Get(r);
                var options = new DatasetExportOptions
                {
                    FromUtc = ParseTime(r.GetValue(from)!, "--from"),
                    ToUtc = ParseTime(r.GetValue(to)!, "--to"),
                    Site = r.GetValue(site),
                    Asset = r.GetValue(asset),
                    Tags = r.GetValue(tags)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Format = r.GetValue(format) switch
                    {
                        "parquet" => DatasetFormat.Parquet,
                        "csv" => DatasetFormat.Csv,
                        var f => throw new ArgumentException($"--format '{f}' is not parquet or csv."),
                    },
                    OutputDirectory = r.GetValue(output)!,
                };
                if (options.ToUtc <= options.FromUtc) throw new ArgumentException("--to must be after --from.");
                await using var s = CenterStoreFactory.Create(kind, connection);
                await s.InitializeAsync(ct);
                var result = await DatasetExporter.ExportAsync(s, options, ct);
                Console.WriteLine($"sfe center export: {result.Rows} rows ({result.LabelledRows} labelled) in {result.Files.Count} files; manifest {result.ManifestPath}");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                return Fail("export", e);
            }
        });
        return cmd;
    }

    internal static DateTime ParseTime(string s, string option) =>
        DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
            : throw new ArgumentException($"{option} '{s}' is not an ISO-8601 time.");

    internal static int Fail(string verb, Exception e)
    {
        Console.Error.WriteLine($"sfe center {verb}: {e.Message}");
        return e switch
        {
            ArgumentException => ExitCodes.InvalidConfiguration,
            OperationCanceledException => ExitCodes.Ok,
            _ => ExitCodes.Failure,
        };
    }
}
