using MathNet.Numerics.LinearAlgebra;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Ssa;

/// <summary>
/// Singular spectrum analysis one-step forecaster: trajectory (Hankel) matrix of the training window with L = window size
/// rows, eigen-decomposition of its L×L lag covariance (the squared singular values and left singular vectors of the
/// trajectory matrix), rank chosen at the largest eigenvalue gap up to <c>maxRank</c>, and the linear recurrent formula
/// (Golyandina et al., "Analysis of Time Series Structure: SSA and Related Techniques", 2001, ch. 2) for the forecast.
/// Training allocates once; forecasting allocates nothing.
/// </summary>
internal sealed class SsaModel
{
    private readonly int _l;
    private readonly int _trainSize;
    private readonly int _maxRank;
    private readonly double[] _training;
    private readonly RingBuffer _recent; // last L − 1 observations
    private readonly double[] _lrf; // L − 1 coefficients, oldest first
    private int _trainCount;

    public SsaModel(int windowSize, int trainSize, int maxRank)
    {
        if (windowSize < 2) throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "The seasonal window must be at least 2.");
        if (trainSize < 2 * windowSize) throw new ArgumentOutOfRangeException(nameof(trainSize), trainSize, $"The training window must be at least twice the seasonal window ({2 * windowSize}).");
        _l = windowSize;
        _trainSize = trainSize;
        _maxRank = Math.Clamp(maxRank, 1, windowSize - 1);
        _training = new double[trainSize];
        _recent = new RingBuffer(windowSize - 1);
        _lrf = new double[windowSize - 1];
    }

    public bool IsTrained => _trainCount >= _trainSize;

    public int Rank { get; private set; }

    /// <summary>The forecast for the next value (NaN before training).</summary>
    public double PredictNext()
    {
        if (!IsTrained) return double.NaN;
        var s = 0.0;
        for (var i = 0; i < _lrf.Length; i++) s += _lrf[i] * _recent[i];
        return s;
    }

    /// <summary>Appends an observation; trains when the training window is complete.</summary>
    public void Consume(double value)
    {
        _recent.Add(value);
        if (IsTrained) return;
        _training[_trainCount++] = value;
        if (_trainCount == _trainSize) Train();
    }

    private void Train()
    {
        var k = _trainSize - _l + 1;
        var cov = Matrix<double>.Build.Dense(_l, _l);
        for (var i = 0; i < _l; i++)
        for (var j = i; j < _l; j++)
        {
            var s = 0.0;
            for (var c = 0; c < k; c++) s += _training[i + c] * _training[j + c];
            cov[i, j] = s;
            cov[j, i] = s;
        }

        var evd = cov.Evd(Symmetricity.Symmetric);
        // MathNet returns ascending eigenvalues for symmetric matrices
        var order = Enumerable.Range(0, _l).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        var lambdas = order.Select(i => Math.Max(evd.EigenValues[i].Real, 0)).ToArray();
        var rank = 1;
        var best = double.MinValue;
        for (var r = 1; r <= _maxRank; r++)
        {
            var gap = Math.Log((lambdas[r - 1] + 1e-12) / (lambdas[r] + 1e-12));
            if (gap > best)
            {
                best = gap;
                rank = r;
            }
        }

        // LRF: R = Σ π_i U_i∇ / (1 − ν²), where π_i is the last coordinate of eigenvector i and U∇ its first L − 1.
        double nu2;
        while (true)
        {
            nu2 = 0;
            for (var r = 0; r < rank; r++)
            {
                var pi = evd.EigenVectors[_l - 1, order[r]];
                nu2 += pi * pi;
            }

            if (nu2 < 0.99 || rank == 1) break;
            rank--; // keep the recurrence well conditioned
        }

        Rank = rank;
        Array.Clear(_lrf);
        for (var r = 0; r < rank; r++)
        {
            var col = order[r];
            var pi = evd.EigenVectors[_l - 1, col];
            for (var j = 0; j < _l - 1; j++) _lrf[j] += pi * evd.EigenVectors[j, col];
        }

        var scale = 1 / (1 - Math.Min(nu2, 0.99));
        for (var j = 0; j < _lrf.Length; j++) _lrf[j] *= scale;
    }

    public void Reset()
    {
        _trainCount = 0;
        _recent.Clear();
        Array.Clear(_lrf);
        Rank = 0;
    }

    public void Write(StateWriter w)
    {
        w.WriteInt32(_trainCount);
        w.WriteInt32(Rank);
        w.WriteDoubles(_training);
        _recent.Write(w);
        w.WriteDoubles(_lrf);
    }

    public void Read(ref StateReader r)
    {
        _trainCount = r.ReadInt32();
        if (_trainCount < 0 || _trainCount > _trainSize) throw new InvalidDataException($"SSA checkpoint training count {_trainCount} out of range.");
        Rank = r.ReadInt32();
        r.ReadDoubles(_training);
        _recent.Read(ref r);
        r.ReadDoubles(_lrf);
    }
}
