using SmartFactoryEdge.Anomaly.ChangePoint;

namespace SmartFactoryEdge.Anomaly.Tests;

public class SfeChangePointDetectorTests
{
    /// <summary>Correlated rows with the process moved by <paramref name="shift"/> (in channel 1 and 3) on [from, to).</summary>
    private static double[][] Shifted(int n, int from, int to, double shift, int seed)
    {
        var rows = DetectorCatalog.Rows(n, 4, seed);
        for (var i = from; i < Math.Min(to, n); i++)
        {
            rows[i][1] += shift;
            rows[i][3] -= shift;
        }

        return rows;
    }

    private static List<int> Events(SfeChangePointDetector d, double[][] rows)
    {
        var events = new List<int>();
        for (var i = 0; i < rows.Length; i++)
            if (d.Update(rows[i]).Alert) events.Add(i);
        return events;
    }

    [Fact]
    public void StepOutAndBackGiveOneEventEachShortlyAfterTheKnownIndices()
    {
        var rows = Shifted(1200, 600, 900, 1.0, seed: 21);
        var events = Events(new SfeChangePointDetector(4), rows);
        Assert.True(events.Any(i => i >= 600 && i < 640), $"events: {string.Join(',', events)}");
        Assert.Contains(events, i => i >= 900 && i < 940);
        Assert.True(events.Count(i => i < 600) == 0, $"events before the change: {string.Join(',', events)}");
        Assert.True(events.Count <= 6, $"too many events: {string.Join(',', events)}");
    }

    [Fact]
    public void EventsArePulsesSeparatedByTheRefractoryPeriod()
    {
        // a steady ramp keeps moving the process: events recur, never closer than the refractory period
        var rows = DetectorCatalog.Rows(1200, 4, seed: 5);
        for (var i = 600; i < 1200; i++) rows[i][0] += 0.02 * (i - 600);
        var d = new SfeChangePointDetector(4, new SfeChangePointOptions { Refractory = 40, PulseRows = 3 });
        var alert = rows.Select(r => d.Update(r).Alert).ToArray();
        var onsets = Enumerable.Range(1, alert.Length - 1).Where(i => alert[i] && !alert[i - 1]).ToArray();
        Assert.True(onsets.Length >= 3, $"only {onsets.Length} events on a 600-row ramp");
        Assert.All(onsets.Zip(onsets.Skip(1)), p => Assert.True(p.Second - p.First >= 40, $"events at {p.First} and {p.Second}"));
        Assert.All(onsets, o => Assert.True(alert[o + 1] && alert[o + 2] && !alert[o + 3], $"pulse at {o} is not 3 rows long"));
    }

    [Fact]
    public void NoEventsOnStationaryRows()
    {
        var events = Events(new SfeChangePointDetector(4), DetectorCatalog.Rows(3000, 4, seed: 99));
        Assert.True(events.Count <= 3, $"{events.Count} events on 2600 stationary rows: {string.Join(',', events.Take(10))}");
    }

    [Fact]
    public void ChannelConstantDuringTrainingIsLeftOutInsteadOfFiringForever()
    {
        // SKAB: in the first 400 rows of many files two channels are constant; afterwards they move normally
        var rows = DetectorCatalog.Rows(2000, 4, seed: 31);
        var rng = new Random(3);
        for (var i = 0; i < rows.Length; i++) rows[i][2] = i < 400 ? 7 : 7 + rng.NextDouble();
        var events = Events(new SfeChangePointDetector(4), rows);
        Assert.True(events.Count <= 3, $"{events.Count} events: {string.Join(',', events.Take(10))}");
        for (var i = 1500; i < rows.Length; i++) rows[i][1] += 1.5; // the other channels still work
        var withStep = Events(new SfeChangePointDetector(4), rows);
        Assert.True(withStep.Any(i => i >= 1500 && i < 1540), $"no event after the step: {string.Join(',', withStep)}");
    }
}
