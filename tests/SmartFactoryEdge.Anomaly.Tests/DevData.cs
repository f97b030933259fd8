using SmartFactoryEdge.Anomaly.Evaluation;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Anomaly.Tests;

/// <summary>Loads ../shared/data once per test run (tests skip with a message when it is absent).</summary>
internal static class DevData
{
    private static readonly Lazy<List<NabFile>> LazyNab = new(LoadNab);
    private static readonly Lazy<List<SkabFile>> LazySkab = new(LoadSkab);

    public const string SkipReason = "../shared/data (NAB and SKAB development data) is absent; set SFE_SHARED to a folder holding data/.";

    public static bool Present => RepoPaths.SharedDataPresent;

    public static List<NabFile> Nab => LazyNab.Value;

    public static List<SkabFile> Skab => LazySkab.Value;

    private static List<NabFile> LoadNab()
    {
        var dir = Path.Combine(RepoPaths.Shared, "data", "nab");
        var windows = DatasetParsers.ParseNabWindows(File.ReadAllText(Path.Combine(dir, "label_windows.json")));
        return windows.OrderBy(k => k.Key, StringComparer.Ordinal).Where(k => File.Exists(Path.Combine(dir, k.Key)))
            .Select(k => DatasetParsers.ParseNab(k.Key, File.ReadAllText(Path.Combine(dir, k.Key)), k.Value)).ToList();
    }

    private static List<SkabFile> LoadSkab()
    {
        var dir = Path.Combine(RepoPaths.Shared, "data", "skab", "valve1");
        return Directory.GetFiles(dir, "*.csv").OrderBy(p => int.Parse(Path.GetFileNameWithoutExtension(p), System.Globalization.CultureInfo.InvariantCulture))
            .Select(p => DatasetParsers.ParseSkab("valve1/" + Path.GetFileName(p), File.ReadAllText(p))).ToList();
    }
}

/// <summary>A fact that skips, saying why, when ../shared/data is absent.</summary>
public sealed class DevDataFactAttribute : FactAttribute
{
    public DevDataFactAttribute()
    {
        if (!DevData.Present) Skip = DevData.SkipReason;
    }
}
