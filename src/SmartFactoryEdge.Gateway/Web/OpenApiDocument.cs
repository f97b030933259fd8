using System.Text;
using System.Text.Json;

namespace SmartFactoryEdge.Gateway.Web;

/// <summary>
/// Writes the OpenAPI 3.0 document of the JSON API from <see cref="ApiEndpoints.Routes"/> (served at /openapi/v1.json;
/// a test checks that every mapped route is in it).
/// </summary>
public static class OpenApiDocument
{
    private static readonly Dictionary<string, object> Schemas = new()
    {
        ["Empty"] = new { type = "object" },
        ["LoginRequest"] = Obj(["password"], ("password", Str("The web UI password"))),
        ["YamlRequest"] = Obj(["yaml"], ("yaml", Str("The whole configuration file as YAML text"))),
        ["OpcUaTagsRequest"] = Obj(["source", "tags"],
            ("yaml", Str("YAML to edit (default: the saved file)")),
            ("source", Str("Name of the endpoint under sources.opcua")),
            ("tags", new
            {
                type = "array",
                items = Obj(["id", "nodeId"], ("id", Str("Tag id")), ("nodeId", Str("NodeId, e.g. ns=1;s=Line1.Press01.Pressure")), ("unit", Str("Unit symbol")),
                    ("samplingIntervalMs", Int()), ("publishingIntervalMs", Int()), ("detectors", new { type = "array", items = Str("Detector kind, e.g. zscore") })),
            })),
        ["ModbusPointsRequest"] = Obj(["device", "points"],
            ("yaml", Str("YAML to edit (default: the saved file)")),
            ("device", Str("Device name under sources.modbus.devices (created as Modbus TCP if absent)")),
            ("target", Str("host:port of a new device")), ("unit", Int()), ("interval", Str("Poll interval of the 'web' poll group, e.g. 1s")),
            ("points", new
            {
                type = "array",
                items = Obj(["tagId", "address"], ("tagId", Str("Tag id")), ("area", Str("HoldingRegister, InputRegister, Coil, DiscreteInput")), ("address", Int()),
                    ("type", Str("UInt16, Int16, Float32, ...")), ("order", Str("ABCD, CDAB, BADC, DCBA")), ("unit", Str("Unit symbol")),
                    ("detectors", new { type = "array", items = Str("Detector kind") })),
            })),
        ["BrowseRequest"] = Obj(["endpointUrl"], ("endpointUrl", Str("opc.tcp:// URL")), ("node", Str("Start NodeId or browse path (default i=85, Objects)")), ("depth", Int())),
        ["ModbusProbeRequest"] = Obj(["target"], ("target", Str("host or host:port")), ("unit", Int()), ("functionCode", Int()), ("address", Int()), ("count", Int()),
            ("type", Str("bool, int16, uint16, int32, uint32, int64, float32, float64, string")), ("order", Str("ABCD, CDAB, BADC, DCBA"))),
        ["Error"] = Obj(["error"], ("error", Str("What is wrong"))),
    };

    private static object Str(string description) => new { type = "string", description };

    private static object Int() => new { type = "integer" };

    private static object Obj(string[] required, params (string Name, object Schema)[] properties) =>
        new { type = "object", required, properties = properties.ToDictionary(p => p.Name, p => p.Schema) };

    public static string Build(IReadOnlyList<ApiRoute> routes)
    {
        var paths = new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (!paths.TryGetValue(route.Path, out var operations)) paths[route.Path] = operations = new Dictionary<string, object>(StringComparer.Ordinal);
            var responses = new Dictionary<string, object>
            {
                ["200"] = new { description = "OK" },
            };
            if (route.Request is not null) responses["400"] = ErrorResponse("Malformed JSON or invalid fields");
            if (!route.Anonymous) responses["401"] = ErrorResponse("Not logged in");
            if (route.Path == "/api/login") responses["429"] = ErrorResponse("Too many login attempts");
            var parameters = route.Path.Split('/').Where(s => s.StartsWith('{')).Select(s => (object)new
            {
                name = s.Trim('{', '}'),
                @in = "path",
                required = true,
                schema = new { type = "string" },
            }).ToList();
            var operation = new Dictionary<string, object>
            {
                ["summary"] = route.Summary,
                ["operationId"] = route.Method.ToLowerInvariant() + string.Concat(route.Path.Split('/', '.', '{', '}', '-').Where(s => s.Length > 0).Select(s => char.ToUpperInvariant(s[0]) + s[1..])),
                ["tags"] = new[] { route.Tag },
                ["responses"] = responses,
            };
            if (parameters.Count > 0) operation["parameters"] = parameters;
            if (route.Anonymous) operation["security"] = Array.Empty<object>();
            if (route.Request is not null)
            {
                operation["requestBody"] = new
                {
                    required = true,
                    content = new Dictionary<string, object> { ["application/json"] = new { schema = new Dictionary<string, string> { ["$ref"] = "#/components/schemas/" + route.Request } } },
                };
            }
            operations[route.Method.ToLowerInvariant()] = operation;
        }
        var document = new Dictionary<string, object>
        {
            ["openapi"] = "3.0.3",
            ["info"] = new { title = "SmartFactoryEdge gateway API", version = "v1", description = "The gateway's local JSON API (src/SmartFactoryEdge.Gateway/Web/README.md). Log in with POST /api/login; the session is a cookie." },
            ["servers"] = new[] { new { url = "/" } },
            ["paths"] = paths,
            ["components"] = new
            {
                schemas = Schemas,
                securitySchemes = new Dictionary<string, object> { ["session"] = new { type = "apiKey", @in = "cookie", name = WebApp.CookieName } },
            },
            ["security"] = new[] { new Dictionary<string, string[]> { ["session"] = [] } },
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });
    }

    private static object ErrorResponse(string description) => new
    {
        description,
        content = new Dictionary<string, object> { ["application/json"] = new { schema = new Dictionary<string, string> { ["$ref"] = "#/components/schemas/Error" } } },
    };
}
