using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.Core.Health;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Modbus.RegisterMap;
using SmartFactoryEdge.Modbus.Tools;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.OpcUa.Tools;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>One documented route of the JSON API (the OpenAPI document is generated from this table).</summary>
public sealed record ApiRoute(string Method, string Path, string Summary, bool Anonymous = false, string? Request = null, string Tag = "api");

/// <summary>The JSON API under /api plus /healthz, /metrics and /openapi/v1.json.</summary>
public static class ApiEndpoints
{
    public sealed record LoginRequest(string? Password);
    public sealed record YamlRequest(string? Yaml);
    public sealed record OpcUaTagsRequest(string? Yaml, string? Source, List<NewOpcUaTag>? Tags);
    public sealed record ModbusPointsRequest(string? Yaml, string? Device, string? Target, int? Unit, string? Interval, List<NewModbusPoint>? Points);
    public sealed record BrowseRequest(string? EndpointUrl, string? Node, int? Depth);
    public sealed record ModbusProbeRequest(string? Target, int? Unit, int? FunctionCode, int? Address, int? Count, string? Type, string? Order);

    /// <summary>Every route, in the order of the OpenAPI document.</summary>
    public static readonly IReadOnlyList<ApiRoute> Routes =
    [
        new("POST", "/api/login", "Log in with the password; sets the session cookie (rate-limited per client address)", Anonymous: true, Request: "LoginRequest", Tag: "auth"),
        new("POST", "/api/logout", "End the session", Request: "Empty", Tag: "auth"),
        new("GET", "/api/session", "The current session and when it expires", Tag: "auth"),
        new("GET", "/api/status", "Gateway, pipeline, outbox, broker link and the health of every source and endpoint", Tag: "status"),
        new("GET", "/api/values", "Latest value, quality, unit and time of every tag (filter with ?prefix=; ?points=N adds N trend points, 0..600)", Tag: "values"),
        new("GET", "/api/values/{tag}", "One tag's latest value and trend (?points=N, default 120)", Tag: "values"),
        new("GET", "/api/anomalies", "Recent anomaly events, newest first, with score, threshold and model version (?limit=N)", Tag: "anomaly"),
        new("GET", "/api/config", "The configuration file's text and path", Tag: "config"),
        new("PUT", "/api/config", "Validate and save the configuration file (the previous one is kept as .bak); 422 with the errors if invalid", Request: "YamlRequest", Tag: "config"),
        new("POST", "/api/config/validate", "Validate YAML text with the messages of `sfe validate`", Request: "YamlRequest", Tag: "config"),
        new("POST", "/api/config/apply", "Apply the saved file: restart only the sources whose settings changed", Request: "Empty", Tag: "config"),
        new("POST", "/api/config/opcua-tags", "Add picked OPC UA tags (and detectors) to YAML text; returns the draft, does not save", Request: "OpcUaTagsRequest", Tag: "config"),
        new("POST", "/api/config/modbus-points", "Add probed Modbus points (and detectors) under a device of sources.modbus; returns the draft, does not save", Request: "ModbusPointsRequest", Tag: "config"),
        new("GET", "/api/templates", "The industry templates (furnace, press, fermenter, pump, power meter)", Tag: "config"),
        new("GET", "/api/templates/{name}", "One template's YAML", Tag: "config"),
        new("POST", "/api/opcua/browse", "Browse an OPC UA server (SecurityPolicy None): children of a node with data type and value", Request: "BrowseRequest", Tag: "discovery"),
        new("POST", "/api/modbus/probe", "Read registers or bits from a Modbus TCP device and decode them", Request: "ModbusProbeRequest", Tag: "discovery"),
        new("GET", "/healthz", "Liveness: 200 while the gateway serves, with endpoint health counts", Anonymous: true, Tag: "ops"),
        new("GET", "/metrics", "Prometheus text exposition (format 0.0.4) of the gateway's metrics", Anonymous: true, Tag: "ops"),
        new("GET", "/openapi/v1.json", "This document", Anonymous: true, Tag: "ops"),
    ];

    private static IResult Error(int status, string message) => Results.Json(new ErrorBody(message), WebApp.Json, statusCode: status);

    /// <summary>Reads the JSON body; a malformed or missing body is a 400 with the parser's reason.</summary>
    private static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, WebApp.Json, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, Error(400, "the body must be a JSON object")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Error(400, $"malformed JSON at {e.Path ?? "$"} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split('.')[0]}"));
        }
    }

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization();
        app.MapPost("/api/login", LoginAsync).RequireRateLimiting(WebApp.LoginPolicy).AllowAnonymous();
        api.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.Json(new { ok = true }, WebApp.Json);
        });
        api.MapGet("/session", (HttpContext http) => Results.Json(new
        {
            user = http.User.Identity?.Name,
            expiresUtc = http.User.FindFirstValue("exp"),
        }, WebApp.Json));
        api.MapGet("/status", (WebContext ctx) => Results.Json(Status(ctx), WebApp.Json));
        api.MapGet("/values", (WebContext ctx, string? prefix, string? points) =>
        {
            var n = 0;
            if (points is not null && (!int.TryParse(points, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n > 600))
                return Error(400, "points must be a whole number from 0 to 600");
            return Results.Json(ctx.Live.Tags.Where(t => prefix is null || t.TagId.StartsWith(prefix, StringComparison.Ordinal)).Select(t => Value(t, n)).ToArray(), WebApp.Json);
        });
        api.MapGet("/values/{tag}", (WebContext ctx, string tag, string? points) =>
        {
            var n = 120;
            if (points is not null && (!int.TryParse(points, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > 10_000))
                return Error(400, "points must be a whole number from 1 to 10000");
            return ctx.Live.Find(tag) is { } live ? Results.Json(Value(live, n), WebApp.Json) : Error(404, $"no values for tag '{tag}' yet");
        });
        api.MapGet("/anomalies", (WebContext ctx, string? limit) =>
        {
            var n = 50;
            if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > 1000))
                return Error(400, "limit must be a whole number from 1 to 1000");
            return Results.Json(new
            {
                total = ctx.Anomalies.Total,
                events = ctx.Anomalies.Recent(n).Select(e => new
                {
                    tag = e.TagId, asset = e.AssetId, detector = e.Detector, score = Finite(e.Score), threshold = Finite(e.Threshold),
                    modelVersion = e.ModelVersion, value = Finite(e.Value), ts = e.Timestamp,
                }).ToArray(),
            }, WebApp.Json);
        });
        api.MapGet("/config", (WebContext ctx) =>
        {
            var path = ctx.Config.FilePath;
            if (path is null || !File.Exists(path)) return Error(404, "the gateway was not started from a configuration file");
            return Results.Json(new { path, yaml = ConfigEditor.Redact(File.ReadAllText(path)), sources = ConfigEditor.SourceFingerprints(ctx.Config).Keys.Order(StringComparer.Ordinal).ToArray(),
                opcua = ctx.Config.Sources.Opcua.Select(e => new { name = e.Name, endpointUrl = e.EndpointUrl }).ToArray(),
                detectors = SmartFactoryEdge.Anomaly.Configuration.DetectorFactory.Kinds }, WebApp.Json);
        });
        api.MapPost("/config/validate", async (HttpContext http, WebContext ctx) =>
        {
            var (body, error) = await ReadAsync<YamlRequest>(http.Request).ConfigureAwait(false);
            if (error is not null) return error;
            if (body!.Yaml is null) return Error(400, "the body needs a 'yaml' string");
            var (_, errors) = Validate(ctx, ConfigEditor.Restore(body.Yaml, ctx.Config.Web?.PasswordHash));
            return Results.Json(new { valid = errors.Count == 0, errors = errors.Select(ErrorJson).ToArray() }, WebApp.Json);
        });
        api.MapPut("/config", async (HttpContext http, WebContext ctx) =>
        {
            var (body, error) = await ReadAsync<YamlRequest>(http.Request).ConfigureAwait(false);
            if (error is not null) return error;
            if (body!.Yaml is null) return Error(400, "the body needs a 'yaml' string");
            var path = ctx.Config.FilePath;
            if (path is null) return Error(409, "the gateway was not started from a configuration file; nothing to save to");
            var yaml = ConfigEditor.Restore(body.Yaml, ctx.Config.Web?.PasswordHash);
            var (_, errors) = Validate(ctx, yaml);
            if (errors.Count > 0)
                return Results.Json(new { valid = false, saved = false, errors = errors.Select(ErrorJson).ToArray() }, WebApp.Json, statusCode: 422);
            await ctx.ConfigLock.WaitAsync(http.RequestAborted).ConfigureAwait(false);
            try
            {
                var backup = path + ".bak";
                var temp = path + ".tmp";
                await File.WriteAllTextAsync(temp, yaml, new UTF8Encoding(false), http.RequestAborted).ConfigureAwait(false);
                if (File.Exists(path)) File.Copy(path, backup, overwrite: true);
                File.Move(temp, path, overwrite: true);
                WebLog.ConfigSaved(ctx.LoggerFactory.CreateLogger(typeof(ApiEndpoints)), path, yaml.Length, backup);
                return Results.Json(new { valid = true, saved = true, path }, WebApp.Json);
            }
            finally
            {
                ctx.ConfigLock.Release();
            }
        });
        api.MapPost("/config/apply", async (HttpContext http, WebContext ctx) =>
        {
            var path = ctx.Config.FilePath;
            if (path is null) return Error(409, "the gateway was not started from a configuration file");
            await ctx.ConfigLock.WaitAsync(http.RequestAborted).ConfigureAwait(false);
            try
            {
                var (next, errors) = Configuration.ConfigLoader.Load(path);
                if (next is null)
                    return Results.Json(new { valid = false, errors = errors.Select(ErrorJson).ToArray() }, WebApp.Json, statusCode: 422);
                var result = await ConfigEditor.ApplyAsync(ctx, next, http.RequestAborted).ConfigureAwait(false);
                return Results.Json(result, WebApp.Json);
            }
            catch (InvalidOperationException e)
            {
                return Error(409, e.Message);
            }
            finally
            {
                ctx.ConfigLock.Release();
            }
        });
        api.MapPost("/config/opcua-tags", async (HttpContext http, WebContext ctx) =>
        {
            var (body, error) = await ReadAsync<OpcUaTagsRequest>(http.Request).ConfigureAwait(false);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body!.Source)) return Error(400, "the body needs 'source' (the name of an endpoint under sources.opcua)");
            if (body.Tags is not { Count: > 0 }) return Error(400, "the body needs 'tags' with at least one tag");
            var yaml = body.Yaml;
            if (yaml is null && ctx.Config.FilePath is { } path && File.Exists(path)) yaml = await File.ReadAllTextAsync(path, http.RequestAborted).ConfigureAwait(false);
            if (yaml is null) return Error(400, "the body needs 'yaml' (there is no configuration file to start from)");
            var (text, problem) = ConfigEditor.AddOpcUaTags(yaml, body.Source, body.Tags);
            return problem is not null ? Error(422, problem) : Results.Json(new { yaml = ConfigEditor.Redact(text!) }, WebApp.Json);
        });
        api.MapPost("/config/modbus-points", async (HttpContext http, WebContext ctx) =>
        {
            var (body, error) = await ReadAsync<ModbusPointsRequest>(http.Request).ConfigureAwait(false);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(body!.Device)) return Error(400, "the body needs 'device' (the device name under sources.modbus.devices)");
            if (body.Points is not { Count: > 0 }) return Error(400, "the body needs 'points' with at least one point");
            string host = "127.0.0.1";
            int port = 502;
            if (body.Target is { Length: > 0 } target)
            {
                try
                {
                    (host, port) = ModbusProbe.ParseHostPort(target);
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    return Error(400, $"target: {e.Message}");
                }
            }
            var unit = body.Unit ?? 1;
            if (unit is < 0 or > 255) return Error(400, "unit must be from 0 to 255");
            var interval = body.Interval ?? "1s";
            if (!Configuration.YamlBinder.TryParseDuration(interval, out var span) || span <= TimeSpan.Zero) return Error(400, $"interval '{interval}' is not a duration such as 500ms or 1s");
            var yaml = body.Yaml;
            if (yaml is null && ctx.Config.FilePath is { } path && File.Exists(path)) yaml = await File.ReadAllTextAsync(path, http.RequestAborted).ConfigureAwait(false);
            if (yaml is null) return Error(400, "the body needs 'yaml' (there is no configuration file to start from)");
            var (text, problem) = ConfigEditor.AddModbusPoints(yaml, body.Device, host, port, unit, interval, body.Points);
            return problem is not null ? Error(422, problem) : Results.Json(new { yaml = ConfigEditor.Redact(text!) }, WebApp.Json);
        });
        api.MapGet("/templates", () => Results.Json(WebApp.TemplateNames().Select(n => new { name = n, title = TemplateTitle(n) }).ToArray(), WebApp.Json));
        api.MapGet("/templates/{name}", (string name) =>
            WebApp.Template(name) is { } yaml ? Results.Json(new { name, yaml }, WebApp.Json) : Error(404, $"no template '{name}' ({string.Join(", ", WebApp.TemplateNames())})"));
        api.MapPost("/opcua/browse", BrowseAsync);
        api.MapPost("/modbus/probe", ProbeAsync);
        app.MapGet("/healthz", (WebContext ctx) =>
        {
            var health = ctx.Health.Snapshot();
            return Results.Json(new
            {
                status = "ok",
                endpoints = health.Count,
                connected = health.Count(h => h.State == EndpointHealthState.Connected),
                faulted = health.Count(h => h.State == EndpointHealthState.Faulted),
            }, WebApp.Json);
        });
        app.MapGet("/metrics", (WebContext ctx) => Results.Text(Metrics(ctx), PrometheusExporter.ContentType));
        app.MapGet("/openapi/v1.json", () => Results.Text(OpenApiDocument.Build(Routes), "application/json; charset=utf-8"));
    }

    private static async Task<IResult> LoginAsync(HttpContext http, WebContext ctx)
    {
        var (body, error) = await ReadAsync<LoginRequest>(http.Request).ConfigureAwait(false);
        if (error is not null) return error;
        var logger = ctx.LoggerFactory.CreateLogger(typeof(ApiEndpoints));
        var remote = http.Connection.RemoteIpAddress?.ToString() ?? "?";
        if (ctx.PasswordHash is null) return Error(503, "no login password is configured on this gateway (web.passwordHash)");
        if (string.IsNullOrEmpty(body!.Password) || body.Password.Length > 1024 || !PasswordHasher.Verify(body.Password, ctx.PasswordHash))
        {
            WebLog.LoginFailed(logger, remote);
            return Error(401, "wrong password");
        }
        var expires = ctx.Time.GetUtcNow() + ctx.Options.SessionLifetime;
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim("exp", expires.ToString("O", CultureInfo.InvariantCulture))],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = expires, AllowRefresh = false }).ConfigureAwait(false);
        WebLog.LoginSucceeded(logger, remote);
        return Results.Json(new { ok = true, expiresUtc = expires }, WebApp.Json);
    }

    private static (Configuration.GatewayConfig? Config, IReadOnlyList<Configuration.ConfigError> Errors) Validate(WebContext ctx, string yaml)
    {
        var path = ctx.Config.FilePath;
        return ConfigEditor.Validate(yaml, path is null ? "gateway.yaml" : Path.GetFileName(path), ctx.Config.BaseDirectory);
    }

    private static object ErrorJson(Configuration.ConfigError e) =>
        new { line = e.Line, column = e.Column, key = e.KeyPath, message = e.Message, text = e.ToString() };

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string TemplateTitle(string name) => name switch
    {
        "furnace" => "Heat treatment furnace (simulated line, zone temperatures)",
        "press" => "Press (OPC UA: temperature, pressure, spindle speed, part count)",
        "fermenter" => "Fermenter (simulated: temperature, pH, dissolved oxygen)",
        "pump" => "Pump (simulated: flow, pressure, vibration)",
        "power-meter" => "Power meter (Modbus TCP: voltage, current, power, energy)",
        _ => name,
    };

    private static object Value(LiveTag tag, int points)
    {
        var (last, count, trend) = tag.Snapshot(points);
        object? value = last.Value.Kind switch
        {
            SampleValueKind.None => null,
            SampleValueKind.String => last.Value.AsString,
            SampleValueKind.Boolean => last.Value.AsBoolean,
            SampleValueKind.Int64 => last.Value.AsInt64,
            _ => Finite(last.Value.AsDouble),
        };
        return new
        {
            tag = tag.TagId,
            value,
            unit = last.Unit,
            quality = last.Quality.IsGood ? "Good" : last.Quality.IsUncertain ? "Uncertain" : "Bad",
            qualityCode = last.Quality.Code,
            ts = last.SourceTimestamp,
            count,
            trend = points > 0 ? trend.Select(p => new object[] { p.Timestamp, p.Value }).ToArray() : null,
        };
    }

    internal static object Status(WebContext ctx)
    {
        var config = ctx.Config;
        var health = ctx.Health.Snapshot();
        var running = ctx.Switchboard?.Names ?? [];
        var sources = ConfigEditor.SourceFingerprints(config).Keys.Order(StringComparer.Ordinal).Select(name =>
        {
            var h = health.Where(e => e.Endpoint == name || e.Endpoint.StartsWith(name + "/", StringComparison.Ordinal) || e.Endpoint.StartsWith(name + ":", StringComparison.Ordinal)).ToArray();
            return new
            {
                name,
                running = running.Contains(name),
                state = h.Length == 0 ? (running.Contains(name) ? "Running" : "Stopped") : h.Max(e => e.State).ToString(),
                reason = h.FirstOrDefault(e => e.Reason is not null)?.Reason,
            };
        }).ToArray();
        var outbox = ctx.Outbox?.GetStats();
        return new
        {
            gatewayId = config.Gateway.Id,
            site = config.Gateway.Site,
            description = config.Gateway.Description,
            ts = ctx.Time.GetUtcNow().UtcDateTime,
            uptimeSeconds = Math.Round((ctx.Time.GetUtcNow() - ctx.Started).TotalSeconds, 1),
            pipeline = new { accepted = ctx.Pipeline.Accepted, delivered = ctx.Pipeline.Delivered, dropped = ctx.Pipeline.Dropped, depth = ctx.Pipeline.Depth, capacity = ctx.Pipeline.Capacity },
            outbox = outbox is null ? null : new
            {
                pendingSamples = outbox.PendingSamples, pendingBatches = outbox.PendingBatches, pendingBytes = outbox.PendingBytes,
                droppedSamples = outbox.DroppedSamples, droppedEvents = outbox.DroppedEvents, lastDropReason = outbox.LastDropReason,
                oldestAgeSeconds = Math.Round(outbox.OldestAge.TotalSeconds, 1), blocked = outbox.Blocked,
            },
            broker = config.Mqtt is null ? null : new { host = config.Mqtt.Host, port = config.Mqtt.Port, connected = ctx.Mqtt?.IsConnected ?? false },
            sources,
            endpoints = health.Select(e => new { endpoint = e.Endpoint, state = e.State.ToString(), reason = e.Reason, since = e.Since.UtcDateTime }).ToArray(),
            anomaly = new
            {
                enabled = config.Anomaly is { Enabled: true },
                events = ctx.Anomalies.Total,
                modelVersion = ctx.Anomalies.Recent(1).FirstOrDefault()?.ModelVersion ?? (config.Anomaly is { Enabled: true } ? "builtin" : null),
            },
        };
    }

    internal static string Metrics(WebContext ctx)
    {
        var sb = new StringBuilder(4096);
        var labels = "{gateway=\"" + ctx.Config.Gateway.Id + "\"}";
        void Gauge(string name, string help, string type, double value)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            PrometheusExporter.Sample(sb, name, labels, value);
        }
        Gauge("sfe_uptime_seconds", "Seconds since the web UI started with the gateway", "gauge", Math.Round((ctx.Time.GetUtcNow() - ctx.Started).TotalSeconds, 1));
        Gauge("sfe_pipeline_accepted_total", "Samples the pipeline accepted from sources", "counter", ctx.Pipeline.Accepted);
        Gauge("sfe_pipeline_delivered_total", "Samples delivered to the sinks", "counter", ctx.Pipeline.Delivered);
        Gauge("sfe_pipeline_dropped_total", "Samples dropped by the pipeline (full queue)", "counter", ctx.Pipeline.Dropped);
        Gauge("sfe_pipeline_depth", "Samples queued in the pipeline", "gauge", ctx.Pipeline.Depth);
        Gauge("sfe_anomaly_events_total", "Anomaly events raised", "counter", ctx.Anomalies.Total);
        Gauge("sfe_tags", "Tags with at least one value", "gauge", ctx.Live.Tags.Count);
        if (ctx.Mqtt is not null) Gauge("sfe_broker_connected", "1 when the MQTT broker link is up", "gauge", ctx.Mqtt.IsConnected ? 1 : 0);
        if (ctx.Outbox?.GetStats() is { } s)
        {
            Gauge("sfe_outbox_pending_samples", "Samples waiting in the outbox", "gauge", s.PendingSamples);
            Gauge("sfe_outbox_dropped_samples_total", "Samples the outbox dropped (full)", "counter", s.DroppedSamples);
        }
        sb.Append("# HELP sfe_endpoint_up 1 when the endpoint is Connected\n# TYPE sfe_endpoint_up gauge\n");
        foreach (var e in ctx.Health.Snapshot())
        {
            var l = new StringBuilder("{endpoint=\"");
            PrometheusExporter.AppendEscaped(l, e.Endpoint);
            l.Append("\",state=\"").Append(e.State).Append("\"}");
            PrometheusExporter.Sample(sb, "sfe_endpoint_up", l.ToString(), e.State == EndpointHealthState.Connected ? 1 : 0);
        }
        ctx.Metrics.Render(sb);
        return sb.ToString();
    }

    private static async Task<IResult> BrowseAsync(HttpContext http, WebContext ctx)
    {
        var (body, error) = await ReadAsync<BrowseRequest>(http.Request).ConfigureAwait(false);
        if (error is not null) return error;
        if (body!.EndpointUrl is not { } url || !url.StartsWith("opc.tcp://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(url, UriKind.Absolute, out _))
            return Error(400, "endpointUrl must be an opc.tcp:// URL, e.g. opc.tcp://10.0.0.5:4840");
        var depth = body.Depth ?? 1;
        if (depth is < 1 or > 5) return Error(400, "depth must be from 1 to 5");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            await using var session = await UaSession.ConnectAsync(url, cancellationToken: timeout.Token).ConfigureAwait(false);
            var start = await OpcUaProbe.ResolveAsync(session, string.IsNullOrWhiteSpace(body.Node) ? "i=85" : body.Node, timeout.Token).ConfigureAwait(false);
            var (nodes, variables) = await OpcUaProbe.BrowseTreeAsync(session, start, depth, true, timeout.Token).ConfigureAwait(false);
            await session.CloseAsync(timeout.Token).ConfigureAwait(false);
            return Results.Json(new
            {
                endpointUrl = url,
                node = start.ToString(),
                nodes = nodes.Select(n =>
                {
                    variables.TryGetValue(n.NodeId, out var v);
                    return new
                    {
                        nodeId = n.NodeId.ToString(),
                        parent = n.Parent?.ToString(),
                        browseName = n.BrowseName.Name,
                        displayName = n.DisplayName,
                        nodeClass = n.NodeClass.ToString(),
                        path = n.Path,
                        depth = n.Depth,
                        dataType = v is null ? null : OpcUaProbe.DataTypeName(v.DataType),
                        value = v is null ? null : Shorten(v.Value.Value.ToString()),
                        good = v?.Value.StatusCode.IsGood,
                        unit = v?.Unit,
                    };
                }).ToArray(),
            }, WebApp.Json);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            return Error(504, $"{url} did not answer within 20 s");
        }
        catch (Exception e) when (e is PeerUnavailableException or ProtocolViolationException or ServiceResultException or ArgumentException or NotSupportedException or IOException or System.Net.Sockets.SocketException)
        {
            return Error(502, $"{url}: {e.Message}");
        }
    }

    private static string? Shorten(string? s) => s is { Length: > 80 } ? s[..77] + "..." : s;

    private static async Task<IResult> ProbeAsync(HttpContext http, WebContext ctx)
    {
        var (body, error) = await ReadAsync<ModbusProbeRequest>(http.Request).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Target) || body.Target.StartsWith('/') || body.Target.Contains("..", StringComparison.Ordinal)) return Error(400, "target must be host or host:port of a Modbus TCP device");
        var unit = body.Unit ?? 1;
        var fc = body.FunctionCode ?? 3;
        var address = body.Address ?? 0;
        var count = body.Count ?? 1;
        if (unit is < 0 or > 255) return Error(400, "unit must be from 0 to 255");
        if (fc is not (1 or 2 or 3 or 4)) return Error(400, "functionCode must be 1 (coils), 2 (discrete inputs), 3 (holding) or 4 (input registers)");
        if (address is < 0 or > 65535) return Error(400, "address must be from 0 to 65535");
        if (count is < 1 or > 125) return Error(400, "count must be from 1 to 125");
        var type = ModbusDataType.UInt16;
        if (body.Type is not null && !Enum.TryParse(body.Type, true, out type)) return Error(400, $"type '{body.Type}' is not one of {string.Join(", ", Enum.GetNames<ModbusDataType>())}");
        var order = WordOrder.ABCD;
        if (body.Order is not null && !Enum.TryParse(body.Order, true, out order)) return Error(400, $"order '{body.Order}' is not one of {string.Join(", ", Enum.GetNames<WordOrder>())}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await using var client = ModbusProbe.CreateClient(body.Target, new SmartFactoryEdge.Modbus.Client.ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(2) });
            await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
            var values = await ModbusProbe.ReadAsync(client, (byte)unit, fc, (ushort)address, count, type, order, 1, 0, timeout.Token).ConfigureAwait(false);
            return Results.Json(new
            {
                target = body.Target,
                values = values.Select(v => new { address = v.Address, raw = v.Raw.Select(r => (int)r).ToArray(), value = v.Value.ToString() }).ToArray(),
            }, WebApp.Json);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            return Error(504, $"{body.Target} did not answer within 10 s");
        }
        catch (Exception e) when (e is PeerUnavailableException or ProtocolViolationException or DeviceCommunicationException or ArgumentException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return Error(502, $"{body.Target} unit {unit}: {e.Message}");
        }
    }
}
