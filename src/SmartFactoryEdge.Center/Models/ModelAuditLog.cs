using System.Text;

namespace SmartFactoryEdge.Center.Models;

/// <summary>
/// An append-only audit log of model changes: one JSON object per line with when, who, what (action, asset, version,
/// content hash, the version it replaced), and "prev"/"hash": the SHA-256 of the previous line and of this line's content,
/// so an edited or deleted line breaks the chain (<see cref="Verify"/>). Each line is flushed to disk before returning.
/// </summary>
public sealed class ModelAuditLog(string path)
{
    private readonly Lock _gate = new();

    public string Path { get; } = path;

    public void Append(string action, string asset, string version, string? contentHash, string? previousVersion, string who, string origin, string? detail, TimeProvider time)
    {
        lock (_gate)
        {
            var prev = LastHash();
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
            using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("ts", time.GetUtcNow().UtcDateTime);
                json.WriteString("who", who);
                json.WriteString("action", action);
                json.WriteString("asset", asset);
                json.WriteString("version", version);
                if (contentHash is not null) json.WriteString("contentHash", contentHash);
                if (previousVersion is not null) json.WriteString("previousVersion", previousVersion);
                json.WriteString("origin", origin);
                if (detail is not null) json.WriteString("detail", detail);
                json.WriteString("prev", prev);
                json.WriteEndObject();
            }
            var body = Encoding.UTF8.GetString(buffer.WrittenSpan);
            var hash = Hash(body);
            var line = body[..^1] + ",\"hash\":\"" + hash + "\"}\n";
            using var f = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            f.Write(Encoding.UTF8.GetBytes(line));
            f.Flush(flushToDisk: true);
            _lastHash = hash;
        }
    }

    private string? _lastHash;

    private string LastHash()
    {
        if (_lastHash is not null) return _lastHash;
        if (!File.Exists(Path)) return _lastHash = "";
        var last = File.ReadLines(Path).LastOrDefault(l => l.Length > 0);
        if (last is null) return _lastHash = "";
        using var doc = System.Text.Json.JsonDocument.Parse(last);
        return _lastHash = doc.RootElement.GetProperty("hash").GetString() ?? "";
    }

    private static string Hash(string body) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>Checks the chain; returns the 1-based line number of the first broken entry, or 0 when intact.</summary>
    public static int Verify(string path)
    {
        var prev = "";
        var n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (line.Length == 0) continue;
            var i = line.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal);
            if (i < 0) return n;
            var body = line[..i] + "}";
            var hash = line[(i + 9)..^2];
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            if (doc.RootElement.GetProperty("prev").GetString() != prev || Hash(body) != hash) return n;
            prev = hash;
        }
        return 0;
    }
}

