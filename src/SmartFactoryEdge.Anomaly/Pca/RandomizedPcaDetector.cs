using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace SmartFactoryEdge.Anomaly.Pca;

/// <summary>ML.NET <c>RandomizedPca</c> trainer parameters (Rank, Oversampling, EnsureZeroMean, Seed) plus the training prefix and threshold.</summary>
public sealed record RandomizedPcaOptions
{
    /// <summary>Number of components (ML.NET default 20; must not exceed the dimension).</summary>
    public int Rank { get; init; } = 20;

    /// <summary>Extra random directions for the range finder (default 20).</summary>
    public int Oversampling { get; init; } = 20;

    public bool EnsureZeroMean { get; init; } = true;

    public int Seed { get; init; } = 0;

    public int TrainingRows { get; init; } = 400;

    /// <summary>Alert when the normalised reconstruction error exceeds this (the anomaly transformer's default 0.5).</summary>
    public double Threshold { get; init; } = 0.5;
}

/// <summary>
/// Randomized-PCA anomaly score (ML.NET RandomizedPcaTrainer; Halko, Martinsson &amp; Tropp, "Finding structure with
/// randomness", SIAM Review 53(2), 2011): the range of the covariance is found from a Gaussian sketch, orthonormalised,
/// and the top <c>Rank</c> eigenvectors are kept. The score of a row is the normalised reconstruction error
/// sqrt((|x − μ|² − |Uᵀ(x − μ)|²)/|x − μ|²) in [0, 1]. Trains on the first <see cref="RandomizedPcaOptions.TrainingRows"/> rows.
/// </summary>
public sealed class RandomizedPcaDetector : IMultivariateDetector
{
    private const int Version = 1;
    private readonly double[] _training;
    private readonly double[] _centered;
    private int _trainCount;
    private double[] _mean = [];
    private double[] _u = []; // rank × d

    public RandomizedPcaDetector(int dimension, RandomizedPcaOptions? options = null)
    {
        Options = options ?? new RandomizedPcaOptions();
        if (Options.Rank < 1 || Options.Rank > dimension)
            throw new ArgumentOutOfRangeException(nameof(options), Options.Rank, $"Rank must be in [1, {dimension}] (the dimension).");
        Dimension = dimension;
        _training = new double[Options.TrainingRows * dimension];
        _centered = new double[dimension];
    }

    public RandomizedPcaOptions Options { get; }

    public string Kind => "randomized-pca";

    public int Dimension { get; }

    public DetectorOutput Update(ReadOnlySpan<double> row)
    {
        if (row.Length != Dimension) throw new ArgumentException($"Row has {row.Length} values, the detector {Dimension}.", nameof(row));
        foreach (var v in row)
            if (double.IsNaN(v)) return DetectorOutput.WarmingUp;
        if (_trainCount < Options.TrainingRows)
        {
            row.CopyTo(_training.AsSpan(_trainCount * Dimension, Dimension));
            if (++_trainCount == Options.TrainingRows) Train();
            return DetectorOutput.WarmingUp;
        }

        var d = Dimension;
        var norm2 = 0.0;
        for (var j = 0; j < d; j++)
        {
            _centered[j] = row[j] - _mean[j];
            norm2 += _centered[j] * _centered[j];
        }

        var proj = 0.0;
        for (var c = 0; c < Options.Rank; c++)
        {
            var s = 0.0;
            for (var j = 0; j < d; j++) s += _u[c * d + j] * _centered[j];
            proj += s * s;
        }

        var score = norm2 <= 0 ? 0 : Math.Sqrt(Math.Max(0, norm2 - proj) / norm2);
        return new DetectorOutput(score > Options.Threshold, score, double.NaN, double.NaN, score, Options.Threshold);
    }

    private void Train()
    {
        int n = Options.TrainingRows, d = Dimension;
        var m = Math.Min(Options.Rank + Options.Oversampling, d);
        _mean = new double[d];
        if (Options.EnsureZeroMean)
        {
            for (var r = 0; r < n; r++)
            for (var j = 0; j < d; j++) _mean[j] += _training[r * d + j];
            for (var j = 0; j < d; j++) _mean[j] /= n;
        }

        var x = Matrix<double>.Build.Dense(n, d, (r, j) => _training[r * d + j] - _mean[j]);
        var a = x.TransposeThisAndMultiply(x) / n; // covariance, d × d
        var rng = new Random(Options.Seed);
        var omega = Matrix<double>.Build.Dense(d, m, (_, _) => Normal.Sample(rng, 0, 1));
        var y = a * omega;
        var q = y.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q; // d × m
        var b = q.TransposeThisAndMultiply(a); // m × d
        var svd = b.Svd(true);
        _u = new double[Options.Rank * d];
        for (var c = 0; c < Options.Rank; c++)
        for (var j = 0; j < d; j++) _u[c * d + j] = svd.VT[c, j];
    }

    public void Reset()
    {
        _trainCount = 0;
        _u = [];
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        writer.WriteInt32(_trainCount);
        writer.WriteDoubles(_training);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        var count = reader.ReadInt32();
        if (count < 0 || count > Options.TrainingRows) throw new InvalidDataException($"Randomized-PCA checkpoint training count {count} out of range.");
        reader.ReadDoubles(_training);
        _trainCount = count;
        if (_trainCount == Options.TrainingRows) Train(); // seeded: the same model again
    }
}
