using MathNet.Numerics.LinearAlgebra;

namespace SmartFactoryEdge.Anomaly.Pca;

/// <summary>A standardised PCA fitted on training rows: means, scales, eigenvalues (descending) and eigenvectors.</summary>
internal sealed class PcaFit
{
    private PcaFit(double[] mean, double[] scale, double[] eigenValues, double[,] eigenVectors, int rows)
    {
        Mean = mean;
        Scale = scale;
        EigenValues = eigenValues;
        EigenVectors = eigenVectors;
        Rows = rows;
    }

    public double[] Mean { get; }

    /// <summary>Standard deviation per variable (1 where a variable was constant, as scikit-learn's StandardScaler).</summary>
    public double[] Scale { get; }

    public double[] EigenValues { get; }

    /// <summary>[variable, component], components in descending eigenvalue order.</summary>
    public double[,] EigenVectors { get; }

    public int Rows { get; }

    public int Dimension => Mean.Length;

    /// <summary>Fits on <paramref name="rows"/> rows of <paramref name="dim"/> values laid out row after row.</summary>
    public static PcaFit Fit(ReadOnlySpan<double> data, int rows, int dim, bool standardise)
    {
        if (rows < 2) throw new ArgumentException($"PCA needs at least 2 training rows, got {rows}.", nameof(rows));
        var mean = new double[dim];
        var scale = new double[dim];
        for (var r = 0; r < rows; r++)
        for (var j = 0; j < dim; j++) mean[j] += data[r * dim + j];
        for (var j = 0; j < dim; j++) mean[j] /= rows;
        for (var r = 0; r < rows; r++)
        for (var j = 0; j < dim; j++)
        {
            var d = data[r * dim + j] - mean[j];
            scale[j] += d * d;
        }

        for (var j = 0; j < dim; j++)
        {
            var sd = Math.Sqrt(scale[j] / rows); // population std, as StandardScaler
            scale[j] = !standardise || sd < 1e-12 ? 1 : sd;
        }

        var cov = Matrix<double>.Build.Dense(dim, dim);
        for (var r = 0; r < rows; r++)
        for (var i = 0; i < dim; i++)
        {
            var zi = (data[r * dim + i] - mean[i]) / scale[i];
            for (var j = i; j < dim; j++) cov[i, j] += zi * (data[r * dim + j] - mean[j]) / scale[j];
        }

        for (var i = 0; i < dim; i++)
        for (var j = i; j < dim; j++)
        {
            cov[i, j] /= rows - 1;
            cov[j, i] = cov[i, j];
        }

        var evd = cov.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, dim).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        var values = order.Select(i => Math.Max(evd.EigenValues[i].Real, 0)).ToArray();
        var vectors = new double[dim, dim];
        for (var c = 0; c < dim; c++)
        for (var v = 0; v < dim; v++) vectors[v, c] = evd.EigenVectors[v, order[c]];
        return new PcaFit(mean, scale, values, vectors, rows);
    }

    /// <summary>Smallest number of components that explains at least <paramref name="fraction"/> of the variance (at least 1, at most dim − 1).</summary>
    public int ComponentsFor(double fraction)
    {
        var total = EigenValues.Sum();
        if (total <= 0) return 1;
        var acc = 0.0;
        for (var k = 0; k < EigenValues.Length; k++)
        {
            acc += EigenValues[k];
            if (acc / total >= fraction) return Math.Clamp(k + 1, 1, Math.Max(1, EigenValues.Length - 1));
        }

        return Math.Max(1, EigenValues.Length - 1);
    }
}
