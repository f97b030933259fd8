using System.CommandLine;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>The `sfe` command line: every verb is added here and lives in its own file.</summary>
public static class SfeCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("SmartFactoryEdge: industrial data-collection gateway");
        root.Subcommands.Add(OpcUaCommands.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
