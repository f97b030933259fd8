using System.CommandLine;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>The `sfe` command line: every verb is added here and lives in its own file.</summary>
public static class SfeCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("SmartFactoryEdge: industrial data-collection gateway (sfe run --config FILE)");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(MqttCommands.Create());
        root.Subcommands.Add(DevicesCommands.Create());
        root.Subcommands.Add(ModbusCommands.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(OpcUaCommands.Create());
        root.Subcommands.Add(CenterCommands.Create());
        root.Subcommands.Add(AasCommand.Create());
        root.Subcommands.Add(WebCommands.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Create();
        // the Generic Host handles SIGTERM and Ctrl-C itself (graceful drain); System.CommandLine must not race it
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
    }
}
