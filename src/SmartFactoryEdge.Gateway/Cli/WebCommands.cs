using System.CommandLine;
using SmartFactoryEdge.Gateway.Web;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>`sfe web hash-password`: make the PBKDF2 hash for web.passwordHash (the password is read from stdin, never an argument).</summary>
public static class WebCommands
{
    public static Command Create()
    {
        var web = new Command("web", "The local web UI");
        var iterations = new Option<int>("--iterations") { Description = "PBKDF2-SHA256 iterations", DefaultValueFactory = _ => PasswordHasher.DefaultIterations };
        var hash = new Command("hash-password", "Read a password from stdin (first line) and print its hash for web.passwordHash or SFE_WEB_PASSWORD_HASH") { iterations };
        hash.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(iterations);
            if (n < PasswordHasher.MinimumIterations)
            {
                await Console.Error.WriteLineAsync($"error: --iterations must be at least {PasswordHasher.MinimumIterations}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            if (!Console.IsInputRedirected) await Console.Error.WriteAsync("Password: ").ConfigureAwait(false);
            var password = await Console.In.ReadLineAsync(ct).ConfigureAwait(false);
            if (string.IsNullOrEmpty(password))
            {
                await Console.Error.WriteLineAsync("error: empty password").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            Console.WriteLine(PasswordHasher.Hash(password, n));
            return ExitCodes.Ok;
        });
        web.Subcommands.Add(hash);
        return web;
    }
}
