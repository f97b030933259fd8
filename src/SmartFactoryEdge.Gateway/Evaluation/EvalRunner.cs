using System.Globalization;
using System.Text;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Evaluation;

namespace SmartFactoryEdge.Gateway.Evaluation;

/// <summary>Options of `sfe eval`.</summary>
public sealed record EvalOptions
{
    /// <summary>A folder laid out like ../shared/data: nab/ (label_windows.json + category folders) and/or skab/ (folders of ';' CSVs).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Where per-row scores and alerts go (one CSV per detector and file); null writes nothing.</summary>
    public string? OutputDirectory { get; init; }

    public IReadOnlyCollection<string> Only { get; init; } = [];

    public IReadOnlyList<string> Overrides { get; init; } = [];
}

/// <summary>The I/O side of the evaluation: finds and reads the files, runs the roster, writes CSVs and prints the tables.</summary>
public static class EvalRunner
{
    public static async Task<int> RunAsync(EvalOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var nabDir = Path.Combine(options.DataDirectory, "nab");
        var skabDir = Path.Combine(options.DataDirectory, "skab");
        var any = false;
        if (File.Exists(Path.Combine(nabDir, "label_windows.json")))
        {
            any = true;
            var files = await LoadNabAsync(nabDir, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"NAB: {files.Count} files, {files.Sum(f => f.Values.Length)} rows, {files.Sum(f => f.Windows.Count)} windows ({nabDir}). Thresholds optimised per profile on these files.").ConfigureAwait(false);
            await output.WriteLineAsync($"{"detector",-18} {"standard",9} {"low_FP",9} {"low_FN",9}   thresholds (std/lowFP/lowFN)   TP/FP/FN (standard)").ConfigureAwait(false);
            foreach (var d in BenchmarkRoster.Select(BenchmarkRoster.Nab, options.Only, options.Overrides))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ev = BenchmarkRunner.RunNab(files, new UnivariateCandidate(d.Kind, () => DetectorFactory.Create(d)));
                var p = ev.Profiles;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{d.Kind,-18} {p[0].NormalizedScore,9:F1} {p[1].NormalizedScore,9:F1} {p[2].NormalizedScore,9:F1}   {p[0].Threshold:G4}/{p[1].Threshold:G4}/{p[2].Threshold:G4}   {p[0].TruePositives}/{p[0].FalsePositives}/{p[0].FalseNegatives}")).ConfigureAwait(false);
                if (options.OutputDirectory is { } outDir)
                    foreach (var (run, file) in ev.Runs.Zip(files))
                        await WriteRunAsync(Path.Combine(outDir, "nab", d.Kind, file.Name), file.Timestamps, run, cancellationToken).ConfigureAwait(false);
            }
        }

        if (Directory.Exists(skabDir))
        {
            var files = await LoadSkabAsync(skabDir, cancellationToken).ConfigureAwait(false);
            if (files.Count > 0)
            {
                any = true;
                await output.WriteLineAsync($"SKAB: {files.Count} labelled files, {files.Sum(f => f.Length)} rows ({skabDir}); first 400 rows of each file train, the rest is scored.").ConfigureAwait(false);
                await output.WriteLineAsync($"{"detector",-18} {"F1",6} {"FAR%",7} {"MAR%",7}   {"NAB std",8} {"lowFP",7} {"lowFN",7}   missed/FP CPs").ConfigureAwait(false);
                foreach (var d in BenchmarkRoster.Select(BenchmarkRoster.Skab, options.Only, options.Overrides))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var ev = BenchmarkRunner.RunSkab(files, new MultivariateCandidate(d.Kind, dim => DetectorFactory.CreateMultivariate(d, dim)));
                    var o = ev.Outliers;
                    var c = ev.ChangePoints;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{d.Kind,-18} {o.F1,6:F3} {o.Far,7:F2} {o.Mar,7:F2}   {c[0].Score,8:F2} {c[1].Score,7:F2} {c[2].Score,7:F2}   {c[0].Missed}/{c[0].Windows} {c[0].FalsePositives}")).ConfigureAwait(false);
                    if (options.OutputDirectory is { } outDir)
                        foreach (var (run, file) in ev.Runs.Zip(files))
                            await WriteRunAsync(Path.Combine(outDir, "skab", d.Kind, file.Name), file.Timestamps, run, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (!any)
        {
            await output.WriteLineAsync($"No nab/label_windows.json and no skab/ folder under {options.DataDirectory}.").ConfigureAwait(false);
            return 2;
        }

        return 0;
    }

    public static async Task<List<NabFile>> LoadNabAsync(string nabDir, CancellationToken ct)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(nabDir, "label_windows.json"), ct).ConfigureAwait(false);
        var windows = DatasetParsers.ParseNabWindows(json);
        var files = new List<NabFile>();
        foreach (var (name, w) in windows.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(nabDir, name);
            if (!File.Exists(path)) continue; // label files list the whole corpus; evaluate what is present
            var csv = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            files.Add(DatasetParsers.ParseNab(name, csv, w));
        }

        return files;
    }

    public static async Task<List<SkabFile>> LoadSkabAsync(string skabDir, CancellationToken ct)
    {
        var files = new List<SkabFile>();
        foreach (var path in Directory.EnumerateFiles(skabDir, "*.csv", SearchOption.AllDirectories)
                     .OrderBy(p => Path.GetDirectoryName(p), StringComparer.Ordinal)
                     .ThenBy(p => int.TryParse(Path.GetFileNameWithoutExtension(p), out var n) ? n : int.MaxValue)
                     .ThenBy(p => p, StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(skabDir, path).Replace('\\', '/');
            var csv = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            var f = DatasetParsers.ParseSkab(rel, csv);
            if (f.Anomaly.Length > 0 && f.Channels.Length > 0 && csv.AsSpan(0, Math.Min(csv.Length, 400)).Contains("anomaly", StringComparison.Ordinal))
                files.Add(f); // unlabelled files (anomaly-free) are not scored
        }

        return files;
    }

    private static async Task WriteRunAsync(string path, DateTime[] timestamps, DetectorRun run, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var sb = new StringBuilder(run.Score.Length * 48);
        sb.Append("timestamp,score,level,alert\n");
        for (var i = 0; i < run.Score.Length; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{timestamps[i]:yyyy-MM-dd HH:mm:ss},{run.Score[i]:R},{run.Level[i]:R},{(run.Alert[i] ? 1 : 0)}\n");
        await File.WriteAllTextAsync(path, sb.ToString(), ct).ConfigureAwait(false);
    }
}
