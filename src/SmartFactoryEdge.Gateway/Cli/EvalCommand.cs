using System.CommandLine;
using SmartFactoryEdge.Gateway.Evaluation;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>`sfe eval --data DIR [--out DIR] [--only kind,...] [--set kind.param=value ...]`: scores the anomaly detectors on NAB and SKAB.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder laid out like ../shared/data (nab/ with label_windows.json, skab/ with its CSVs).", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write every detector's per-row scores and alerts as CSV under this folder." };
        var only = new Option<string[]>("--only") { Description = "Run only these detector kinds.", AllowMultipleArgumentsPerToken = true };
        var set = new Option<string[]>("--set") { Description = "Override a parameter: kind.parameter=value (repeatable).", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("eval", "Score the anomaly detectors on NAB and SKAB data with the benchmarks' own rules.") { data, output, only, set };
        cmd.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(data)!;
            if (!dir.Exists)
            {
                await Console.Error.WriteLineAsync($"sfe eval: --data {dir.FullName} does not exist.").ConfigureAwait(false);
                return 2;
            }

            var options = new EvalOptions
            {
                DataDirectory = dir.FullName,
                OutputDirectory = parse.GetValue(output)?.FullName,
                Only = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
                Overrides = parse.GetValue(set) ?? [],
            };
            return await EvalRunner.RunAsync(options, Console.Out, ct).ConfigureAwait(false);
        });
        return cmd;
    }
}
