using System.CommandLine;
using SmartFactoryEdge.Gateway.Aas;
using SmartFactoryEdge.Gateway.Configuration;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>
/// `sfe aas --config FILE` (hidden): prints the Asset Administration Shell environment (metamodel v3 JSON) the gateway
/// generates from its configuration, after checking it with <see cref="AasValidator"/>; exit 1 when a rule is broken.
/// </summary>
public static class AasCommand
{
    public static Command Create()
    {
        var config = ValidateCommand.ConfigOption();
        var compact = new Option<bool>("--compact") { Description = "One line of JSON instead of indented" };
        var command = new Command("aas", "Print the AAS environment (shells, Nameplate/TechnicalData/TimeSeries submodels) generated from a configuration")
        {
            config,
            compact,
        };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var file = parse.GetValue(config)!;
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var (loaded, errors) = ConfigLoader.Load(file.ToString());
            if (errors.Count > 0)
            {
                foreach (var e in errors) error.WriteLine(e);
                return ExitCodes.InvalidConfiguration;
            }
            var json = AasGenerator.GenerateUtf8(loaded!, indented: !parse.GetValue(compact));
            var problems = AasValidator.Validate(json);
            output.WriteLine(System.Text.Encoding.UTF8.GetString(json));
            foreach (var p in problems) error.WriteLine(p);
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }
}
