using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SmartFactoryEdge.Anomaly.Evaluation;
using SmartFactoryEdge.Anomaly.Pca;
using SmartFactoryEdge.Anomaly.SpectralResidual;

// Times our SR and PCA T²/SPE on the same data as numpy_detectors.py and prints the same JSON lines.
var data = args[0];
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var nab = Directory.GetDirectories(Path.Combine(data, "nab")).SelectMany(d => Directory.GetFiles(d, "*.csv")).Order(StringComparer.Ordinal)
    .Select(p => File.ReadLines(p).Skip(1).Where(l => l.Length > 0).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray()).ToArray();
var skab = Directory.GetFiles(Path.Combine(data, "skab", "valve1"), "*.csv").Order(StringComparer.Ordinal)
    .Select(p => DatasetParsers.ParseSkab(p, File.ReadAllText(p))).ToArray();

Timed("sr-stream", nab.Sum(v => v.Length), () =>
{
    var s = 0.0;
    foreach (var v in nab)
    {
        var d = new SrStreamingDetector();
        foreach (var x in v) s += d.Update(x).Level;
    }

    return s;
});
var pcaTimes = new List<double>();
for (var r = 0; r <= repeats; r++)
{
    // train on the first 400 rows untimed (numpy_detectors.py times scoring only, too), then time the scored rows
    var detectors = skab.Select(f =>
    {
        var d = new PcaMonitor(f.Dimension);
        for (var i = 0; i < 400; i++) d.Update(f.Row(i));
        return d;
    }).ToArray();
    var sw = Stopwatch.StartNew();
    var s = 0.0;
    for (var k = 0; k < skab.Length; k++)
        for (var i = 400; i < skab[k].Length; i++) s += detectors[k].Update(skab[k].Row(i)).Level;
    if (r > 0) pcaTimes.Add(sw.Elapsed.TotalSeconds); // r == 0 is the JIT warm-up
}

pcaTimes.Sort();
Console.WriteLine(JsonSerializer.Serialize(new { name = "pca-t2spe-stream", samples = skab.Sum(f => f.Length - 400), seconds = pcaTimes[pcaTimes.Count / 2] }));

void Timed(string name, int samples, Func<double> run)
{
    run(); // JIT warm-up
    var times = new List<double>();
    for (var r = 0; r < repeats; r++)
    {
        var sw = Stopwatch.StartNew();
        run();
        times.Add(sw.Elapsed.TotalSeconds);
    }

    times.Sort();
    Console.WriteLine(JsonSerializer.Serialize(new { name, samples, seconds = times[times.Count / 2] }));
}
