using System.CommandLine;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>`sfe validate --config FILE`: every problem at once, as file:line:column: key: message; exit 2 on errors.</summary>
public static class ValidateCommand
{
    public static Option<FileInfo> ConfigOption() => new("--config", "-c")
    {
        Description = "The gateway YAML configuration file",
        Required = true,
    };

    public static Command Create()
    {
        var config = ConfigOption();
        var command = new Command("validate", "Check a configuration file and report every problem at once") { config };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(config)!;
            var (loaded, errors) = ConfigLoader.Load(file.FullName == file.ToString() ? file.FullName : file.ToString());
            if (errors.Count > 0)
            {
                foreach (var e in errors) Console.Error.WriteLine(e);
                Console.Error.WriteLine($"{errors.Count} problem(s) found.");
                return ExitCodes.InvalidConfiguration;
            }
            Console.WriteLine($"{file}: OK ({loaded!.Sources.Count} source(s), {loaded.Tags.Count} tag definition(s), {loaded.Assets.Count} asset(s))");
            return ExitCodes.Ok;
        });
        return command;
    }
}
