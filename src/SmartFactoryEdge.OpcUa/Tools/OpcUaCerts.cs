using System.Globalization;
using SmartFactoryEdge.OpcUa.Security;

namespace SmartFactoryEdge.OpcUa.Tools;

/// <summary>
/// The logic of <c>sfe opcua certs list|trust|reject|remove</c> on top of <see cref="PkiStore"/>: prints to a
/// <see cref="TextWriter"/> and returns the process exit code (0 done, 1 nothing matched / bad input).
/// </summary>
public static class OpcUaCerts
{
    /// <summary>Prints one line per certificate in trusted, issuers and rejected: state, thumbprint, expiry, subject, file.</summary>
    public static async Task<int> ListAsync(string pkiPath, TextWriter output, CancellationToken cancellationToken)
    {
        var store = new PkiStore(pkiPath);
        var all = store.List();
        if (all.Count == 0)
        {
            await output.WriteLineAsync($"no certificates under {store.Root} (trusted, issuers, rejected are empty)".AsMemory(), cancellationToken).ConfigureAwait(false);
            return 0;
        }
        foreach (var (state, certificate) in all)
        {
            using (certificate)
            {
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{state,-8} {certificate.Thumbprint}  expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}  {certificate.Subject}");
                await output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }
        return 0;
    }

    /// <summary>Moves a rejected certificate (thumbprint or a unique prefix of at least 4 characters) to trusted.</summary>
    public static Task<int> TrustAsync(string pkiPath, string thumbprint, TextWriter output, TextWriter error, CancellationToken cancellationToken)
        => ReportAsync(new PkiStore(pkiPath).Trust(thumbprint), "trusted", "rejected", thumbprint, pkiPath, output, error, cancellationToken);

    /// <summary>Moves a trusted certificate to rejected.</summary>
    public static Task<int> RejectAsync(string pkiPath, string thumbprint, TextWriter output, TextWriter error, CancellationToken cancellationToken)
        => ReportAsync(new PkiStore(pkiPath).Reject(thumbprint), "rejected", "trusted", thumbprint, pkiPath, output, error, cancellationToken);

    /// <summary>Deletes a certificate from trusted, issuers and rejected.</summary>
    public static async Task<int> RemoveAsync(string pkiPath, string thumbprint, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var removed = new PkiStore(pkiPath).Remove(thumbprint);
        if (removed == 0)
        {
            await error.WriteLineAsync($"error: no certificate matching '{thumbprint}' under {Path.GetFullPath(pkiPath)}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return 1;
        }
        await output.WriteLineAsync($"removed {removed} file(s) matching {thumbprint}".AsMemory(), cancellationToken).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ReportAsync(string? path, string to, string from, string thumbprint, string pkiPath,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            await error.WriteLineAsync(
                $"error: no single {from} certificate matches '{thumbprint}' under {Path.GetFullPath(pkiPath)} (give at least 4 characters of the thumbprint; see 'sfe opcua certs list')".AsMemory(),
                cancellationToken).ConfigureAwait(false);
            return 1;
        }
        await output.WriteLineAsync($"{to} {path}".AsMemory(), cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
