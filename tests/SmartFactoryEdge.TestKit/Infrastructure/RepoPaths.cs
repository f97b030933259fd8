namespace SmartFactoryEdge.TestKit.Infrastructure;

/// <summary>Where the repository, ../shared and the installed tools (.tools, see scripts/install.sh) are.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root (the folder holding SmartFactoryEdge.sln).</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>../shared beside the checkout; may be absent (tests that need it skip with a message).</summary>
    public static string Shared => Environment.GetEnvironmentVariable("SFE_SHARED") is { Length: > 0 } s ? s : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>Installed tools: SFE_TOOLS or &lt;root&gt;/.tools.</summary>
    public static string Tools => Environment.GetEnvironmentVariable("SFE_TOOLS") is { Length: > 0 } t ? t : Path.Combine(Root, ".tools");

    public static bool SharedDataPresent => Directory.Exists(Path.Combine(Shared, "data"));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SmartFactoryEdge.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No SmartFactoryEdge.sln above {AppContext.BaseDirectory}.");
    }
}
