using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using System.Xml.Linq;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>Builds the web UI's ASP.NET Core application: cookie login, rate-limited sign-in, pages, JSON API, /metrics, /healthz.</summary>
public static class WebApp
{
    public const string CookieName = "sfe_session";
    public const string LoginPolicy = "login";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static WebApplication Build(WebContext context)
    {
        var options = context.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Parse(options.Address), options.Port);
            k.Limits.MaxRequestBodySize = 4 << 20;
        });
        builder.Services.AddSingleton(context);
        // the gateway's host owns SIGTERM/Ctrl-C and stops this application through WebUiService
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedLifetime>();
        // session keys live in memory only: nothing is written to disk, and a gateway restart ends every session
        builder.Services.AddDataProtection();
        builder.Services.Configure<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new MemoryXmlRepository();
            o.XmlEncryptor = new NullXmlEncryptor();
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = options.SessionLifetime;
            o.SlidingExpiration = false;
            o.LoginPath = "/login";
            o.Events.OnRedirectToLogin = ctx => Refuse(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized, "login required");
            o.Events.OnRedirectToAccessDenied = ctx => Refuse(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden, "forbidden");
        });
        builder.Services.AddAuthorization();
        builder.Services.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            r.AddPolicy(LoginPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.LoginAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            r.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.Response.WriteAsJsonAsync(new ErrorBody("too many login attempts; wait a minute"), Json, ct).ConfigureAwait(false);
            };
        });
        var app = builder.Build();
        app.Use(SecurityHeaders);
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        MapPages(app);
        ApiEndpoints.Map(app);
        return app;
    }

    private static Task Refuse(HttpContext http, string redirect, int status, string message)
    {
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            http.Response.StatusCode = status;
            return http.Response.WriteAsJsonAsync(new ErrorBody(message), Json);
        }
        http.Response.Redirect(redirect);
        return Task.CompletedTask;
    }

    private static async Task SecurityHeaders(HttpContext http, RequestDelegate next)
    {
        var h = http.Response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
        if (http.Request.Path.StartsWithSegments("/api")) h.CacheControl = "no-store";
        // state-changing API calls must be JSON: a cross-site form cannot send that without a CORS preflight
        if (http.Request.Path.StartsWithSegments("/api") && (HttpMethods.IsPost(http.Request.Method) || HttpMethods.IsPut(http.Request.Method) || HttpMethods.IsDelete(http.Request.Method)))
        {
            if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await http.Response.WriteAsJsonAsync(new ErrorBody("send the body as application/json"), Json).ConfigureAwait(false);
                return;
            }
        }
        await next(http).ConfigureAwait(false);
    }

    private static void MapPages(WebApplication app)
    {
        app.MapGet("/", () => Asset("index.html")).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/login", () => Asset("login.html")).ExcludeFromDescription();
        app.MapGet("/assets/{file}", (string file) => Asset(file)).ExcludeFromDescription();
    }

    private static readonly Assembly Self = typeof(WebApp).Assembly;

    /// <summary>An embedded file from Web/wwwroot, or 404.</summary>
    internal static IResult Asset(string file)
    {
        if (file.Contains('/') || file.Contains('\\') || file.Contains("..", StringComparison.Ordinal)) return Results.NotFound();
        var stream = Self.GetManifestResourceStream("web/" + file);
        if (stream is null) return Results.NotFound();
        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }

    /// <summary>The names of the embedded industry templates (config/templates/industry).</summary>
    internal static IEnumerable<string> TemplateNames() => Self.GetManifestResourceNames()
        .Where(n => n.StartsWith("templates/", StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n["templates/".Length..^".yaml".Length]).Order(StringComparer.Ordinal);

    internal static string? Template(string name)
    {
        using var stream = Self.GetManifestResourceStream("templates/" + name + ".yaml");
        if (stream is null) return null;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

/// <summary>A lifetime that hooks no signals: the web application is started and stopped by the gateway's host.</summary>
internal sealed class EmbeddedLifetime : Microsoft.Extensions.Hosting.IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Data-protection keys kept in memory (never on disk).</summary>
internal sealed class MemoryXmlRepository : IXmlRepository
{
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_elements) return _elements.Select(e => new XElement(e)).ToArray();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_elements) _elements.Add(new XElement(element));
    }
}

/// <summary>The JSON error body of every refused call.</summary>
public sealed record ErrorBody(string Error);
