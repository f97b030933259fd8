using System.Diagnostics;
using System.Text.Json;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Center.Tests.Export;

/// <summary>Runs the independent Parquet readers (DuckDB and hyparquet, installed by scripts/install.d/50-center.sh) through small node scripts.</summary>
public static class ParquetReaders
{
    public static string Modules => Path.Combine(RepoPaths.Tools, "parquet-readers", "node_modules");

    public static string? Missing =>
        !Directory.Exists(Path.Combine(Modules, "@duckdb", "node-api")) || !Directory.Exists(Path.Combine(Modules, "hyparquet"))
            ? $"the Parquet readers are not installed in {Modules} (run scripts/install.sh, or set SFE_TOOLS)"
            : null;

    public static Task<JsonDocument> DuckDbAsync(string file) => RunAsync("duckdb-read.mjs", file);

    public static Task<JsonDocument> HyparquetAsync(string file) => RunAsync("hyparquet-read.mjs", file);

    private static async Task<JsonDocument> RunAsync(string script, string file)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Export", "readers", script));
        psi.ArgumentList.Add(file);
        psi.Environment["SFE_PARQUET_MODULES"] = Modules;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} {file} exited with {p.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout);
    }
}

/// <summary>A fact that is skipped, with the reason, when the node Parquet readers are not installed.</summary>
public sealed class ParquetReadersFactAttribute : FactAttribute
{
    public ParquetReadersFactAttribute()
    {
        if (ParquetReaders.Missing is { } reason) Skip = reason;
    }
}
