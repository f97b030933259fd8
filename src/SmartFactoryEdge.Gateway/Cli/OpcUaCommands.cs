using System.CommandLine;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Security;
using SmartFactoryEdge.OpcUa.Services;
using SmartFactoryEdge.OpcUa.Session;
using SmartFactoryEdge.OpcUa.Tools;

namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>
/// <c>sfe opcua endpoints|browse|read|subscribe|certs</c>: look at an OPC UA server and pick tags.
/// The logic lives in <see cref="OpcUaProbe"/> (tested in SmartFactoryEdge.OpcUa.Tests); this file only wires options.
/// </summary>
public static class OpcUaCommands
{
    public static Command Create()
    {
        var opcua = new Command("opcua", "Browse, read and subscribe to OPC UA servers (most secure endpoint by default), manage trusted certificates");
        opcua.Subcommands.Add(CreateEndpoints());
        opcua.Subcommands.Add(CreateBrowse());
        opcua.Subcommands.Add(CreateRead());
        opcua.Subcommands.Add(CreateSubscribe());
        opcua.Subcommands.Add(CreateCerts());
        return opcua;
    }

    private static Argument<string> Url() => new("url") { Description = "Server endpoint, e.g. opc.tcp://10.0.0.5:4840/UA/Server" };

    private static Argument<string[]> Nodes() => new("nodes")
    {
        Description = "NodeIds (ns=1;s=Line1.Temp, i=2258) or browse paths (Objects/Line1/Press01/Temperature)",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>Message security and login options shared by browse, read and subscribe.</summary>
    private sealed class SessionOptions
    {
        public Option<string> Policy { get; } = new("--security-policy") { Description = "Best | Basic256Sha256 | Aes128_Sha256_RsaOaep | Aes256_Sha256_RsaPss | None", DefaultValueFactory = _ => "Best" };
        public Option<string> Mode { get; } = new("--security-mode") { Description = "Best | SignAndEncrypt | Sign | None", DefaultValueFactory = _ => "Best" };
        public Option<string> Pki { get; } = new("--pki") { Description = "PKI folder (own certificate, trusted/rejected server certificates)", DefaultValueFactory = _ => "pki" };
        public Option<bool> AutoAccept { get; } = new("--auto-accept") { Description = "Trust an unknown server certificate (copied to trusted/)" };
        public Option<string?> User { get; } = new("--user") { Description = "User name for a UserName login" };
        public Option<string?> Password { get; } = new("--password") { Description = "Password (visible in the process list: prefer --password-env)" };
        public Option<string?> PasswordEnv { get; } = new("--password-env") { Description = "Environment variable holding the password" };
        public Option<string?> UserCert { get; } = new("--user-cert") { Description = "X.509 user certificate: .pfx/.p12, or PEM/DER with --user-key" };
        public Option<string?> UserKey { get; } = new("--user-key") { Description = "PEM private key of --user-cert" };
        public Option<string?> UserCertPasswordEnv { get; } = new("--user-cert-password-env") { Description = "Environment variable holding the password of the .pfx or the encrypted key" };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { Policy, Mode, Pki, AutoAccept, User, Password, PasswordEnv, UserCert, UserKey, UserCertPasswordEnv }) command.Options.Add(o);
        }

        /// <summary>Builds the session options; the caller disposes the user certificate with them.</summary>
        public UaSessionOptions Build(ParseResult result)
        {
            var policy = result.GetValue(Policy)!;
            var mode = result.GetValue(Mode)!;
            var errors = OpcUa.Source.OpcUaOptionsValidator.Validate([new OpcUa.Source.OpcUaEndpointOptions
            {
                Name = "cli", EndpointUrl = "opc.tcp://cli", SecurityPolicy = policy, SecurityMode = mode, Tags = [new() { Id = "cli", NodeId = "i=1" }],
            }]);
            if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors).Replace("sources:opcua[0].security", "--security-", StringComparison.Ordinal));
            var password = result.GetValue(Password);
            if (result.GetValue(PasswordEnv) is { } env)
                password = Environment.GetEnvironmentVariable(env) ?? throw new ArgumentException($"--password-env: the environment variable {env} is not set.");
            string? certPassword = null;
            if (result.GetValue(UserCertPasswordEnv) is { } certEnv)
                certPassword = Environment.GetEnvironmentVariable(certEnv) ?? throw new ArgumentException($"--user-cert-password-env: the environment variable {certEnv} is not set.");
            var user = result.GetValue(User);
            var userCert = result.GetValue(UserCert);
            if (user is not null && userCert is not null) throw new ArgumentException("Give --user or --user-cert, not both.");
            if (string.Equals(policy, "None", StringComparison.OrdinalIgnoreCase) || string.Equals(mode, "None", StringComparison.OrdinalIgnoreCase))
                Console.Error.WriteLine("warning: SecurityPolicy None: the connection is neither signed nor encrypted");
            return new UaSessionOptions
            {
                ApplicationUri = "urn:smartfactoryedge:gateway",
                UserName = user,
                Password = password,
                UserCertificate = userCert is null ? null : UserCertificate.Load(userCert, result.GetValue(UserKey), certPassword),
                Security = new UaSecurityOptions { SecurityPolicy = policy, SecurityMode = mode, PkiPath = result.GetValue(Pki)!, AutoAcceptUntrusted = result.GetValue(AutoAccept) },
            };
        }
    }

    /// <summary>Runs a verb with the session options of <paramref name="security"/>; errors become one line on stderr and exit code 1.</summary>
    private static Task<int> RunAsync(ParseResult result, SessionOptions security, Func<UaSessionOptions, Task> action) => RunAsync(async () =>
    {
        var options = security.Build(result);
        try
        {
            await action(options).ConfigureAwait(false);
        }
        finally
        {
            options.UserCertificate?.Dispose();
        }
    });

    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is PeerUnavailableException or ProtocolViolationException or ServiceResultException or ArgumentException or NotSupportedException or CertificateValidationException)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    private static Command CreateCerts()
    {
        var certs = new Command("certs", "Manage the trust list of the PKI folder: list, trust, reject, remove certificates by thumbprint");
        var pki = new Option<string>("--pki") { Description = "PKI folder (own, trusted, issuers, rejected)", DefaultValueFactory = _ => "pki", Recursive = true };
        certs.Options.Add(pki);

        var list = new Command("list", "List trusted, issuer and rejected certificates");
        list.SetAction((result, ct) => OpcUaCerts.ListAsync(result.GetValue(pki)!, Console.Out, ct));
        certs.Subcommands.Add(list);

        foreach (var (name, description, handler) in new (string, string, Func<string, string, TextWriter, TextWriter, CancellationToken, Task<int>>)[]
        {
            ("trust", "Move a rejected certificate to trusted", OpcUaCerts.TrustAsync),
            ("reject", "Move a trusted certificate to rejected", OpcUaCerts.RejectAsync),
            ("remove", "Delete a certificate from trusted, issuers and rejected", OpcUaCerts.RemoveAsync),
        })
        {
            var command = new Command(name, description);
            var thumbprint = new Argument<string>("thumbprint") { Description = "SHA-1 thumbprint, or a unique prefix of at least 4 characters" };
            command.Arguments.Add(thumbprint);
            command.SetAction((result, ct) => handler(result.GetValue(pki)!, result.GetValue(thumbprint)!, Console.Out, Console.Error, ct));
            certs.Subcommands.Add(command);
        }
        return certs;
    }

    private static Command CreateEndpoints()
    {
        var command = new Command("endpoints", "List the server's endpoints: security policy, mode and login types (the one Best picks is marked)");
        var url = Url();
        command.Arguments.Add(url);
        command.SetAction((result, ct) => RunAsync(() => OpcUaProbe.EndpointsAsync(result.GetValue(url)!, Console.Out, ct)));
        return command;
    }

    private static Command CreateBrowse()
    {
        var command = new Command("browse", "Print the address space as a tree (node class, data type, value), or with --emit-config the YAML tag list of a folder");
        var url = Url();
        var node = new Option<string>("--node") { Description = "Start node: NodeId or browse path", DefaultValueFactory = _ => "i=85" };
        var depth = new Option<int>("--depth") { Description = "Levels to descend", DefaultValueFactory = _ => 3 };
        var emit = new Option<bool>("--emit-config") { Description = "Write the sources.opcua YAML for every variable under --node" };
        var name = new Option<string>("--name") { Description = "Source name in the emitted YAML (also the tag id prefix)", DefaultValueFactory = _ => "opcua" };
        var interval = new Option<int>("--publishing-interval") { Description = "Publishing interval in ms for the emitted YAML", DefaultValueFactory = _ => 1000 };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the YAML to this file instead of the console" };
        var security = new SessionOptions();
        command.Arguments.Add(url);
        foreach (var o in new Option[] { node, depth, emit, name, interval, output }) command.Options.Add(o);
        security.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, security, async session =>
        {
            if (!result.GetValue(emit))
            {
                await OpcUaProbe.BrowseAsync(result.GetValue(url)!, session, result.GetValue(node)!, Math.Max(1, result.GetValue(depth)), Console.Out, ct).ConfigureAwait(false);
                return;
            }
            var file = result.GetValue(output);
            await using var writer = file is null ? null : new StreamWriter(file.FullName);
            await OpcUaProbe.EmitConfigAsync(result.GetValue(url)!, session, result.GetValue(node)!, Math.Max(1, result.GetValue(depth)), result.GetValue(name)!,
                result.GetValue(interval), (TextWriter?)writer ?? Console.Out, ct).ConfigureAwait(false);
            if (file is not null) await Console.Out.WriteLineAsync($"wrote {file.FullName}").ConfigureAwait(false);
        }));
        return command;
    }

    private static Command CreateRead()
    {
        var command = new Command("read", "Read the current value, status, timestamp and unit of nodes");
        var url = Url();
        var nodes = Nodes();
        var security = new SessionOptions();
        command.Arguments.Add(url);
        command.Arguments.Add(nodes);
        security.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, security, session => OpcUaProbe.ReadAsync(result.GetValue(url)!, session, result.GetValue(nodes)!, Console.Out, ct)));
        return command;
    }

    private static Command CreateSubscribe()
    {
        var command = new Command("subscribe", "Subscribe to nodes and print every change (Ctrl+C or --duration ends it)");
        var url = Url();
        var nodes = Nodes();
        var interval = new Option<int>("--interval") { Description = "Publishing interval in ms", DefaultValueFactory = _ => 500 };
        var duration = new Option<double?>("--duration") { Description = "Seconds to run, then print the count and stop" };
        command.Arguments.Add(url);
        command.Arguments.Add(nodes);
        command.Options.Add(interval);
        command.Options.Add(duration);
        var security = new SessionOptions();
        security.AddTo(command);
        command.SetAction((result, ct) => RunAsync(result, security, async session =>
        {
            var seconds = result.GetValue(duration);
            var count = await OpcUaProbe.SubscribeAsync(result.GetValue(url)!, session, result.GetValue(nodes)!, TimeSpan.FromMilliseconds(Math.Max(10, result.GetValue(interval))),
                seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null, Console.Out, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"{count} values received").ConfigureAwait(false);
        }));
        return command;
    }
}
