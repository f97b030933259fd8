namespace SmartFactoryEdge.Gateway.Cli;

/// <summary>Process exit codes, stable for scripts and systemd.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    /// <summary>The configuration is invalid (systemd: do not restart in a loop; fix the file).</summary>
    public const int InvalidConfiguration = 2;
}
