using System.Runtime.Intrinsics;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.SpectralResidual;

/// <summary>ML.NET <c>DetectAnomalyBySrCnn</c> parameters and defaults.</summary>
public sealed record SrStreamingOptions
{
    /// <summary>Sliding window the spectral residual is computed over (default 64).</summary>
    public int WindowSize { get; init; } = 64;

    /// <summary>Number of extrapolated points appended after the window (default 5).</summary>
    public int BackAddWindowSize { get; init; } = 5;

    /// <summary>Number of past points used for the extrapolation (default 5).</summary>
    public int LookaheadWindowSize { get; init; } = 5;

    /// <summary>Moving average over the log spectrum (default 3).</summary>
    public int AveragingWindowSize { get; init; } = 3;

    /// <summary>Moving average over the saliency map that the last point is compared with (default 21).</summary>
    public int JudgementWindowSize { get; init; } = 21;

    /// <summary>Alert when the (clamped) score exceeds this (default 0.3).</summary>
    public double Threshold { get; init; } = 0.3;
}

/// <summary>
/// Streaming Spectral Residual detector (Ren et al., "Time-Series Anomaly Detection Service at Microsoft", KDD 2019,
/// arXiv:1906.03821), with ML.NET SrCnnAnomalyDetector semantics: the window plus back-added extrapolation is transformed,
/// the log amplitude spectrum minus its moving average gives the saliency map, and the last point's saliency relative to the
/// judgement-window average, divided by 10, is the score. Output as ML.NET's [Alert, Raw Score, Mag]: Alert, Score, Statistic.
/// The forward DFT is updated by a sliding recurrence (O(n) per sample, recomputed exactly every 1024 samples) and the
/// inverse is evaluated only at the judgement-window positions, so each update costs O(n·judgement) without allocation.
/// </summary>
public sealed class SrStreamingDetector : IStreamingDetector
{
    private const int Version = 1;
    private const int RecomputeEvery = 1024;
    private readonly int _w, _n, _np, _j, _firstOut; // _np: _n padded to a multiple of 8 for the vector loops
    private readonly RingBuffer _window;
    private readonly double[] _cosW, _sinW; // e^{-2πik/N} for the slide (re, im)
    private readonly double[] _cosWW, _sinWW; // e^{-2πikW/N}
    private readonly double[] _gRe, _gIm; // sum over the back-add positions
    private readonly double[] _dRe, _dIm; // DFT of the window part
    private readonly double[] _xRe, _xIm, _mag, _logMag, _avg, _zRe, _zIm;
    private readonly double[] _invCos, _invSin; // [J][N] rows for output positions
    private readonly double[] _ifftMag;
    private readonly double[] _predict;
    private bool _dftValid;
    private int _sinceRecompute;

    public SrStreamingDetector(SrStreamingOptions? options = null)
    {
        Options = options ?? new SrStreamingOptions();
        var o = Options;
        if (o.BackAddWindowSize < 1) throw new ArgumentOutOfRangeException(nameof(options), o.BackAddWindowSize, "BackAddWindowSize must be positive.");
        if (o.LookaheadWindowSize < 1 || o.LookaheadWindowSize + 2 > o.WindowSize)
            throw new ArgumentOutOfRangeException(nameof(options), o.LookaheadWindowSize, "LookaheadWindowSize must be in [1, WindowSize − 2].");
        if (o.AveragingWindowSize < 1 || o.AveragingWindowSize > o.WindowSize)
            throw new ArgumentOutOfRangeException(nameof(options), o.AveragingWindowSize, "AveragingWindowSize must be in [1, WindowSize].");
        if (o.JudgementWindowSize < 1 || o.JudgementWindowSize > o.WindowSize)
            throw new ArgumentOutOfRangeException(nameof(options), o.JudgementWindowSize, "JudgementWindowSize must be in [1, WindowSize].");
        if (o.Threshold is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), o.Threshold, "Threshold must be in [0, 1].");
        _w = o.WindowSize;
        _n = _w + o.BackAddWindowSize;
        _np = (_n + 7) / 8 * 8;
        _j = o.JudgementWindowSize;
        _firstOut = Math.Max(0, _w - _j);
        var outCount = _w - _firstOut;
        _window = new RingBuffer(_w);
        _cosW = new double[_np]; _sinW = new double[_np]; _cosWW = new double[_np]; _sinWW = new double[_np];
        _gRe = new double[_n]; _gIm = new double[_n];
        _dRe = new double[_np]; _dIm = new double[_np];
        _xRe = new double[_np]; _xIm = new double[_np]; _mag = new double[_np]; _logMag = new double[_np]; _avg = new double[_np];
        _zRe = new double[_np]; _zIm = new double[_np]; // pads stay zero
        _invCos = new double[outCount * _np]; _invSin = new double[outCount * _np];
        _ifftMag = new double[outCount];
        _predict = new double[o.LookaheadWindowSize + 1];
        for (var k = 0; k < _n; k++)
        {
            var a = 2 * Math.PI * k / _n;
            _cosW[k] = Math.Cos(a); _sinW[k] = Math.Sin(a); // multiply by e^{+iθ} when sliding (w^{-k})
            var aw = -2 * Math.PI * ((long)k * _w % _n) / _n;
            _cosWW[k] = Math.Cos(aw); _sinWW[k] = Math.Sin(aw);
            for (var m = _w; m < _n; m++)
            {
                var am = -2 * Math.PI * ((long)k * m % _n) / _n;
                _gRe[k] += Math.Cos(am); _gIm[k] += Math.Sin(am);
            }
        }

        for (var t = 0; t < outCount; t++)
        for (var k = 0; k < _n; k++)
        {
            var a = 2 * Math.PI * ((long)k * (t + _firstOut) % _n) / _n;
            _invCos[t * _np + k] = Math.Cos(a);
            _invSin[t * _np + k] = Math.Sin(a);
        }
    }

    public SrStreamingOptions Options { get; }

    public string Kind => "sr";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        if (_window.IsFull && _dftValid && _sinceRecompute < RecomputeEvery)
        {
            Slide(_window.First, value);
            _window.Add(value);
            _sinceRecompute++;
        }
        else
        {
            _window.Add(value);
            if (!_window.IsFull) return DetectorOutput.WarmingUp;
            RecomputeDft();
        }

        return Score();
    }

    private void Slide(double dropped, double added)
    {
        // D'_k = e^{+2πik/N} · (D_k − d_0 + x·e^{−2πikW/N}); pads (k ≥ N) carry junk that nothing reads
        var k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vd = Vector512.Create(dropped);
            var va = Vector512.Create(added);
            for (; k < _np; k += 8)
            {
                var re = Vector512.FusedMultiplyAdd(va, Vector512.Create(_cosWW.AsSpan(k, 8)), Vector512.Create(_dRe.AsSpan(k, 8)) - vd);
                var im = Vector512.FusedMultiplyAdd(va, Vector512.Create(_sinWW.AsSpan(k, 8)), Vector512.Create(_dIm.AsSpan(k, 8)));
                var c = Vector512.Create(_cosW.AsSpan(k, 8));
                var sn = Vector512.Create(_sinW.AsSpan(k, 8));
                Vector512.FusedMultiplyAdd(re, c, -(im * sn)).CopyTo(_dRe.AsSpan(k, 8));
                Vector512.FusedMultiplyAdd(re, sn, im * c).CopyTo(_dIm.AsSpan(k, 8));
            }

            return;
        }

        for (; k < _n; k++)
        {
            var re = _dRe[k] - dropped + added * _cosWW[k];
            var im = _dIm[k] + added * _sinWW[k];
            _dRe[k] = re * _cosW[k] - im * _sinW[k];
            _dIm[k] = re * _sinW[k] + im * _cosW[k];
        }
    }

    private void RecomputeDft()
    {
        for (var k = 0; k < _n; k++)
        {
            double re = 0, im = 0;
            for (var m = 0; m < _w; m++)
            {
                var a = -2 * Math.PI * ((long)k * m % _n) / _n;
                var v = _window[m];
                re += v * Math.Cos(a);
                im += v * Math.Sin(a);
            }

            _dRe[k] = re;
            _dIm[k] = im;
        }

        _dftValid = true;
        _sinceRecompute = 0;
    }

    private double PredictNext()
    {
        var p = _predict;
        var count = p.Length;
        for (var i = 0; i < count; i++) p[i] = _window[_w - count - 1 + i];
        var slopeSum = 0.0;
        for (var i = 0; i < count - 1; i++) slopeSum += (p[count - 1] - p[i]) / (count - 1 - i);
        return p[1] + slopeSum;
    }

    private DetectorOutput Score()
    {
        var n = _n;
        var pred = PredictNext();
        for (var k = 0; k < n; k++)
        {
            var re = _dRe[k] + pred * _gRe[k];
            var im = _dIm[k] + pred * _gIm[k];
            _xRe[k] = re;
            _xIm[k] = im;
            _mag[k] = Math.Sqrt(re * re + im * im);
        }

        LogSpan(_mag, _logMag);
        AverageFilter(_logMag, _avg, Options.AveragingWindowSize);
        // Z = X · exp(log|X| − avg)/|X| = X · exp(−avg), and 0 where log|X| is 0 (ML.NET's convention)
        var kk = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; kk <= n - 8; kk += 8)
            {
                var s = FastMath.Exp8(-Vector512.Create(_avg.AsSpan(kk, 8)));
                var zero = Vector512.Equals(Vector512.Create(_logMag.AsSpan(kk, 8)), Vector512<double>.Zero);
                s = Vector512.ConditionalSelect(zero, Vector512<double>.Zero, s);
                (Vector512.Create(_xRe.AsSpan(kk, 8)) * s).CopyTo(_zRe.AsSpan(kk, 8));
                (Vector512.Create(_xIm.AsSpan(kk, 8)) * s).CopyTo(_zIm.AsSpan(kk, 8));
            }
        }

        for (; kk < n; kk++)
        {
            var s = _logMag[kk] != 0 ? Math.Exp(-_avg[kk]) : 0;
            _zRe[kk] = _xRe[kk] * s;
            _zIm[kk] = _xIm[kk] * s;
        }

        var outCount = _ifftMag.Length;
        var inv = 1.0 / n;
        for (var t = 0; t < outCount; t++)
        {
            var (re, im) = Dot(_zRe, _zIm, _invCos.AsSpan(t * _np, _np), _invSin.AsSpan(t * _np, _np));
            re *= inv;
            im *= inv;
            _ifftMag[t] = Math.Sqrt(re * re + im * im);
        }

        // ML.NET's AverageFilter at the last window position: mean of the last J magnitudes (or of all when fewer).
        var last = _w - 1;
        double avgMag;
        if (last >= _j)
        {
            var s = 0.0;
            for (var t = 0; t < outCount; t++) s += _ifftMag[t];
            avgMag = s / _j;
        }
        else
        {
            var s = 0.0;
            for (var t = 0; t < outCount; t++) s += _ifftMag[t];
            avgMag = s / (last + 1);
        }

        var mag = _ifftMag[outCount - 1];
        var score = Math.Abs(mag - avgMag) / Math.Max(avgMag, 1e-8) / 10.0;
        var level = Math.Clamp(score, 0, 1);
        return new DetectorOutput(level > Options.Threshold, score, double.NaN, mag, level, Options.Threshold);
    }

    /// <summary>Σ z·e^{iθ} over padded rows (length a multiple of 8, pads zero).</summary>
    private static (double Re, double Im) Dot(double[] zr, double[] zi, ReadOnlySpan<double> c, ReadOnlySpan<double> s)
    {
        var k = 0;
        double re = 0, im = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vr = Vector512<double>.Zero;
            var vi = Vector512<double>.Zero;
            for (; k <= c.Length - 8; k += 8)
            {
                var a = Vector512.Create(zr.AsSpan(k, 8));
                var b = Vector512.Create(zi.AsSpan(k, 8));
                var vc = Vector512.Create(c.Slice(k, 8));
                var vs = Vector512.Create(s.Slice(k, 8));
                vr = Vector512.FusedMultiplyAdd(a, vc, Vector512.FusedMultiplyAdd(-b, vs, vr));
                vi = Vector512.FusedMultiplyAdd(a, vs, Vector512.FusedMultiplyAdd(b, vc, vi));
            }

            re = Vector512.Sum(vr);
            im = Vector512.Sum(vi);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vr = Vector256<double>.Zero;
            var vi = Vector256<double>.Zero;
            for (; k <= c.Length - 4; k += 4)
            {
                var a = Vector256.Create(zr.AsSpan(k, 4));
                var b = Vector256.Create(zi.AsSpan(k, 4));
                var vc = Vector256.Create(c.Slice(k, 4));
                var vs = Vector256.Create(s.Slice(k, 4));
                vr = Vector256.FusedMultiplyAdd(a, vc, Vector256.FusedMultiplyAdd(-b, vs, vr));
                vi = Vector256.FusedMultiplyAdd(a, vs, Vector256.FusedMultiplyAdd(b, vc, vi));
            }

            re = Vector256.Sum(vr);
            im = Vector256.Sum(vi);
        }

        for (; k < c.Length; k++)
        {
            re += zr[k] * c[k] - zi[k] * s[k];
            im += zr[k] * s[k] + zi[k] * c[k];
        }

        return (re, im);
    }

    private static void LogSpan(double[] src, double[] dst)
    {
        var k = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; k <= src.Length - 8; k += 8) FastMath.Log8(Vector512.Create(src.AsSpan(k, 8))).CopyTo(dst.AsSpan(k, 8));
        for (; k < src.Length; k++) dst[k] = src[k] != 0 ? Math.Log(src[k]) : 0;
    }

    /// <summary>ML.NET's causal moving average: mean of the last n values, or of all values so far for the first n − 1.</summary>
    internal static void AverageFilter(ReadOnlySpan<double> data, Span<double> result, int n)
    {
        var cum = 0.0;
        for (var i = 0; i < data.Length; i++)
        {
            cum += data[i];
            result[i] = cum;
        }

        // walk backwards so cumulative sums are still available
        for (var i = data.Length - 1; i >= n; i--) result[i] = (result[i] - result[i - n]) / n;
        for (var i = 1; i < n && i < data.Length; i++) result[i] /= i + 1;
    }

    public void Reset()
    {
        _window.Clear();
        _dftValid = false;
        _sinceRecompute = 0;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _window.Write(writer);
        writer.WriteBool(_dftValid);
        writer.WriteInt32(_sinceRecompute);
        writer.WriteDoubles(_dRe);
        writer.WriteDoubles(_dIm);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _window.Read(ref reader);
        _dftValid = reader.ReadBool();
        _sinceRecompute = reader.ReadInt32();
        reader.ReadDoubles(_dRe);
        reader.ReadDoubles(_dIm);
    }
}
