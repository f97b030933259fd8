using System.Globalization;
using System.Text;

namespace SmartFactoryEdge.Gateway.Simulation;

/// <summary>One planned anomaly: ground truth for detector evaluation.</summary>
public sealed record InjectedAnomaly(string Tag, InjectedAnomalyKind Kind, DateTime Start, DateTime End, double Magnitude)
{
    /// <summary>Whether a sample at <paramref name="timestamp"/> is inside the window (a spike covers its first sample only).</summary>
    public bool Covers(DateTime timestamp) => timestamp >= Start && timestamp <= End;

    public const string CsvHeader = "tag,kind,start,end,magnitude";

    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Tag},{Kind},{Start:yyyy-MM-ddTHH:mm:ss.fffffffZ},{End:yyyy-MM-ddTHH:mm:ss.fffffffZ},{Magnitude:R}");

    public static InjectedAnomaly ParseCsv(string line)
    {
        var f = line.Split(',');
        if (f.Length != 5) throw new FormatException($"A label line has 5 fields ({CsvHeader}), not {f.Length}: '{line}'.");
        return new InjectedAnomaly(f[0], Enum.Parse<InjectedAnomalyKind>(f[1]),
            DateTime.Parse(f[2], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            DateTime.Parse(f[3], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            double.Parse(f[4], CultureInfo.InvariantCulture));
    }

    public static string ToCsv(IEnumerable<InjectedAnomaly> anomalies)
    {
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var a in anomalies) sb.Append(a.ToCsv()).Append('\n');
        return sb.ToString();
    }
}
