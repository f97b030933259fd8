using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Gateway.Configuration;
using SmartFactoryEdge.Gateway.Hosting;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>`sfe run --config FILE`: validate, then run the gateway until SIGTERM or Ctrl-C (then drain and exit 0).</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = ValidateCommand.ConfigOption();
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level", DefaultValueFactory = _ => LogLevel.Information };
        var command = new Command("run", "Run the gateway") { config, logLevel };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(config)!;
            var (loaded, errors) = ConfigLoader.Load(file.ToString());
            if (errors.Count > 0)
            {
                foreach (var e in errors) Console.Error.WriteLine(e);
                Console.Error.WriteLine($"{errors.Count} problem(s) found; not starting.");
                return ExitCodes.InvalidConfiguration;
            }
            using var host = GatewayHost.Build(loaded!, parse.GetValue(logLevel));
            await host.RunAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
