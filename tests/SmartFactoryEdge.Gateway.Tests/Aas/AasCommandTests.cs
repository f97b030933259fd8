using System.CommandLine;
using System.Text.Json.Nodes;
using SmartFactoryEdge.Gateway.Aas;
using SmartFactoryEdge.Gateway.Cli;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Gateway.Tests.Aas;

public class AasCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = SfeCommand.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void PrintsTheValidEnvironmentForTheDemoConfig()
    {
        var (exit, output, error) = Run("aas", "--config", Path.Combine(RepoPaths.Root, "config", "demo.yaml"), "--compact");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Equal("", error);
        var env = JsonNode.Parse(output)!;
        Assert.Equal(5, env["assetAdministrationShells"]!.AsArray().Count);
        Assert.Empty(AasValidator.Validate(env));
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public void MissingConfigIsAnInvalidConfiguration()
    {
        var (exit, _, error) = Run("aas", "--config", Path.Combine(Path.GetTempPath(), $"sfe-missing-{Guid.NewGuid():N}.yaml"));
        Assert.Equal(ExitCodes.InvalidConfiguration, exit);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheVerbIsHiddenFromHelp()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("validate", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" aas ", output, StringComparison.Ordinal);
    }
}
