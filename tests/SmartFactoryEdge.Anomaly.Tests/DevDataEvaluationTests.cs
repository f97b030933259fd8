using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Evaluation;
using Xunit.Abstractions;

namespace SmartFactoryEdge.Anomaly.Tests;

/// <summary>The accuracy bars on the development data (one parameter set for all files, tuned on these files).</summary>
public class DevDataEvaluationTests(ITestOutputHelper output)
{
    [DevDataFact]
    public void DetectorsMeetTheirBarsOnTheDevelopmentData()
    {
        var failures = new List<string>();
        foreach (var d in BenchmarkRoster.Skab)
        {
            var ev = BenchmarkRunner.RunSkab(DevData.Skab, new MultivariateCandidate(d.Kind, dim => DetectorFactory.CreateMultivariate(d, dim)));
            output.WriteLine($"SKAB {d.Kind}: F1 {ev.Outliers.F1:F3} FAR {ev.Outliers.Far:F2} MAR {ev.Outliers.Mar:F2} NAB {ev.ChangePoints[0].Score:F2}/{ev.ChangePoints[1].Score:F2}/{ev.ChangePoints[2].Score:F2}");
            if (d.Kind == "sfe-adaptive" && !(ev.Outliers.F1 >= 0.80 && ev.Outliers.Far <= 15 && ev.Outliers.Mar <= 25))
                failures.Add($"sfe-adaptive SKAB outliers F1 {ev.Outliers.F1:F3} FAR {ev.Outliers.Far:F2} MAR {ev.Outliers.Mar:F2} miss F1≥0.80, FAR≤15, MAR≤25");
            if (d.Kind == "sfe-changepoint" && !(ev.ChangePoints[0].Score >= 35))
                failures.Add($"sfe-changepoint SKAB change-point NAB standard {ev.ChangePoints[0].Score:F2} misses ≥ 35 (measured 59.02)");
            if (d.Kind == "pca-t2spe" && !(Math.Abs(ev.Outliers.F1 - 0.75) < 0.01 && Math.Abs(ev.Outliers.Mar - 21.13) < 0.5))
                failures.Add($"pca-t2spe no longer reproduces the README floor row (F1 0.75, MAR 21.13): {ev.Outliers.F1:F3}/{ev.Outliers.Mar:F2}");
        }

        var ensemble = BenchmarkRoster.Nab.Single(d => d.Kind == "sfe-ensemble");
        var nab = BenchmarkRunner.RunNab(DevData.Nab, new UnivariateCandidate(ensemble.Kind, () => DetectorFactory.Create(ensemble)));
        output.WriteLine($"NAB sfe-ensemble: {nab.Profiles[0].NormalizedScore:F1}/{nab.Profiles[1].NormalizedScore:F1}/{nab.Profiles[2].NormalizedScore:F1}");
        if (nab.Profiles[0].NormalizedScore < 45) failures.Add($"sfe-ensemble NAB standard {nab.Profiles[0].NormalizedScore:F1} fell below its measured 49.1 (regression guard)");
        var multi = BenchmarkRoster.Nab.Single(d => d.Kind == "sfe-multiscale");
        var ms = BenchmarkRunner.RunNab(DevData.Nab, new UnivariateCandidate(multi.Kind, () => DetectorFactory.Create(multi)));
        output.WriteLine($"NAB sfe-multiscale: {ms.Profiles[0].NormalizedScore:F1}/{ms.Profiles[1].NormalizedScore:F1}/{ms.Profiles[2].NormalizedScore:F1}");
        if (ms.Profiles[0].NormalizedScore < 66) failures.Add($"sfe-multiscale NAB standard {ms.Profiles[0].NormalizedScore:F1} misses ≥ 66 (measured 67.5)");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
