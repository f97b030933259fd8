using System.Text;
using SmartFactoryEdge.Anomaly.Models;
using SmartFactoryEdge.Core.Telemetry;

namespace SmartFactoryEdge.Anomaly.Tests;

/// <summary>The pushed-model document: training, canonical JSON and content hash, strict parsing, scoring.</summary>
public sealed class AssetModelTests
{
    private static readonly string[] Tags = ["p1.a", "p1.b", "p1.c", "p1.d"];
    private static readonly DateTime Created = new(2026, 11, 22, 3, 0, 0, DateTimeKind.Utc);

    /// <summary>Correlated normal rows: b follows a, c is independent, d follows c.</summary>
    internal static double[] Rows(int n, int seed)
    {
        var rnd = new Random(seed);
        double G() => Math.Sqrt(-2 * Math.Log(1 - rnd.NextDouble())) * Math.Cos(2 * Math.PI * rnd.NextDouble());
        var rows = new double[n * 4];
        for (var r = 0; r < n; r++)
        {
            var a = 50 + 2 * G();
            var c = 3 + 0.5 * G();
            rows[r * 4] = a;
            rows[r * 4 + 1] = 2 * a + 0.3 * G();
            rows[r * 4 + 2] = c;
            rows[r * 4 + 3] = -c + 0.05 * G();
        }
        return rows;
    }

    internal static AssetModel Train(int n = 1000, int seed = 1) =>
        AssetModelTrainer.Train("p1", Tags, Rows(n, seed), new TrainingWindow("s", "gw", Created.AddHours(-1), Created, 0, 0, 0), Created, "tester@host");

    [Fact]
    public void TrainingSealsAValidDeterministicModel()
    {
        var m = Train();
        Assert.Empty(AssetModelJson.Validate(m));
        Assert.Matches("^p1@[0-9a-f]{12}$", m.Version);
        Assert.StartsWith("sha256:", m.ContentHash);
        Assert.Equal(m.ContentHash, Train().ContentHash); // same rows, same model
        Assert.NotEqual(m.ContentHash, Train(seed: 2).ContentHash);
        Assert.Equal(1000, m.Training.Rows);
        Assert.Equal(800, m.Training.FitRows);
        Assert.InRange(m.Pca.Loadings.Count, 1, 3);
        Assert.InRange(m.Evaluation.HoldoutAlarmRate, 0, 0.02);
        Assert.InRange(m.Statistics[0].Mean, 49, 51);
    }

    [Fact]
    public void JsonRoundTripKeepsTheHashAndTheBytes()
    {
        var m = Train();
        var bytes = AssetModelJson.Serialize(m);
        var back = AssetModelJson.ParseModel(bytes);
        Assert.Empty(AssetModelJson.Validate(back));
        Assert.Equal(bytes, AssetModelJson.Serialize(back));
        var set = new ModelSet { PublishedUtc = Created, PublishedBy = "me@host", Reason = "rollback", Models = [m] };
        var parsed = AssetModelJson.ParseSet(AssetModelJson.Serialize(set));
        Assert.Equal("rollback", parsed.Reason);
        Assert.Equal(m.Version, Assert.Single(parsed.Models).Version);
    }

    [Fact]
    public void AnEditedNumberBreaksTheContentHash()
    {
        var m = Train();
        var edited = m with { Limits = [m.Limits[0] with { High = m.Limits[0].High + 1 }, .. m.Limits.Skip(1)] };
        var errors = AssetModelJson.Validate(edited);
        Assert.Contains(errors, e => e.StartsWith("contentHash:", StringComparison.Ordinal));
        var resealed = AssetModelJson.Seal(edited);
        Assert.Empty(AssetModelJson.Validate(resealed));
        Assert.NotEqual(m.Version, resealed.Version);
    }

    [Fact]
    public void ValidationNamesDimensionProblems()
    {
        var m = Train();
        var bad = m with { Pca = m.Pca with { Mean = [1, 2, 3] }, Limits = m.Limits.Take(3).ToArray() };
        var errors = AssetModelJson.Validate(bad);
        Assert.Contains(errors, e => e.Contains("pca.mean: 3 values for 4 tags", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("limits: 3 entries for 4 tags", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseErrorsNameTheJsonPath()
    {
        var json = Encoding.UTF8.GetString(AssetModelJson.Serialize(Train()));
        var noPca = json.Replace("\"pca\":", "\"pcx\":", StringComparison.Ordinal);
        Assert.Contains("$.pca: missing", Assert.Throws<FormatException>(() => AssetModelJson.ParseModel(Encoding.UTF8.GetBytes(noPca))).Message);
        var wrongType = json.Replace("\"rows\":1000", "\"rows\":\"many\"", StringComparison.Ordinal);
        Assert.Contains("$.training.rows", Assert.Throws<FormatException>(() => AssetModelJson.ParseModel(Encoding.UTF8.GetBytes(wrongType))).Message);
        Assert.Throws<FormatException>(() => AssetModelJson.ParseSet("{\"v\":2}"u8));
        Assert.Throws<FormatException>(() => AssetModelJson.ParseSet("[]"u8));
    }

    [Fact]
    public void TruncatedDocumentsFailWithFormatExceptionAtEveryCut()
    {
        var bytes = AssetModelJson.Serialize(new ModelSet { PublishedUtc = Created, PublishedBy = "me", Models = [Train(200)] });
        for (var cut = 0; cut < bytes.Length; cut++)
            Assert.Throws<FormatException>(() => AssetModelJson.ParseSet(bytes.AsSpan(0, cut)));
    }

    [Fact]
    public void MutatedDocumentsNeverCrashTheParserOrTheValidator()
    {
        var bytes = AssetModelJson.Serialize(new ModelSet { PublishedUtc = Created, PublishedBy = "me", Models = [Train(200)] });
        var rnd = new Random(11);
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 3000;
        var accepted = 0;
        for (var i = 0; i < iterations; i++)
        {
            var copy = (byte[])bytes.Clone();
            for (var k = rnd.Next(1, 4); k > 0; k--) copy[rnd.Next(copy.Length)] = (byte)rnd.Next(256);
            try
            {
                var set = AssetModelJson.ParseSet(copy);
                foreach (var m in set.Models)
                    if (AssetModelJson.Validate(m).Count == 0) accepted++;
            }
            catch (FormatException)
            {
            }
        }
        // most mutations hit the hashed model and must be refused; only bytes outside it (publisher, reason) can pass
        Assert.InRange(accepted, 0, iterations / 4);
    }

    [Fact]
    public void ScorerRaisesTagAndRowAlarmsOnceUntilBackToNormal()
    {
        var m = Train();
        var scorer = new AssetModelScorer(m);
        var events = new List<AnomalyEvent>();
        var t = Created;
        void Row(double a, double b, double c, double d)
        {
            t = t.AddMilliseconds(100);
            scorer.Process(0, "p1.a", a, t, events);
            scorer.Process(1, "p1.b", b, t, events);
            scorer.Process(2, "p1.c", c, t, events);
            scorer.Process(3, "p1.d", d, t, events);
        }
        var normal = Rows(500, 99);
        for (var r = 0; r < 500; r++) Row(normal[r * 4], normal[r * 4 + 1], normal[r * 4 + 2], normal[r * 4 + 3]);
        Assert.InRange(events.Count, 0, 5); // α = 0.001 per row; tag limits at 5σ
        events.Clear();
        // each value within its own limits, but b no longer follows a: only the multivariate model sees it
        Row(50, 90, 3, -3);
        var e = Assert.Single(events);
        Assert.Equal("model-t2spe", e.Detector);
        Assert.Equal("p1", e.AssetId);
        Assert.Equal(m.Version, e.ModelVersion);
        Row(50, 90, 3, -3);
        Assert.Single(events); // still in alarm: no second event
        Row(50, 100, 3, -3);
        Row(500, 1000, 3, -3); // a and b out of their limits
        Assert.Equal(2, events.Count(x => x.Detector == "model-limits"));
        Assert.Equal(2000 + 4 * 4, scorer.Scored);
        Assert.Equal(504, scorer.Rows);
    }

    [Fact]
    public void TooFewRowsAreRefusedWithTheCount()
    {
        var e = Assert.Throws<ArgumentException>(() => Train(n: 10));
        Assert.Contains("10 complete rows", e.Message);
    }
}
