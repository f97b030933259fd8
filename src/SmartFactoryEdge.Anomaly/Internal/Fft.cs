using System.Numerics;

namespace SmartFactoryEdge.Anomaly.Internal;

/// <summary>
/// Discrete Fourier transform of any length: radix-2 for powers of two, Bluestein's chirp-z otherwise.
/// Forward is unscaled, backward is scaled by 1/n (as ML.NET's FftUtils). Used by the batch SR (not per sample).
/// </summary>
internal static class Fft
{
    public static void Forward(Span<Complex> data) => Transform(data, inverse: false);

    public static void Backward(Span<Complex> data)
    {
        Transform(data, inverse: true);
        var s = 1.0 / data.Length;
        for (var i = 0; i < data.Length; i++) data[i] *= s;
    }

    private static void Transform(Span<Complex> data, bool inverse)
    {
        var n = data.Length;
        if (n <= 1) return;
        if ((n & (n - 1)) == 0) Radix2(data, inverse);
        else Bluestein(data, inverse);
    }

    private static void Radix2(Span<Complex> a, bool inverse)
    {
        var n = a.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) (a[i], a[j]) = (a[j], a[i]);
        }

        for (var len = 2; len <= n; len <<= 1)
        {
            var ang = 2 * Math.PI / len * (inverse ? 1 : -1);
            var wl = new Complex(Math.Cos(ang), Math.Sin(ang));
            for (var i = 0; i < n; i += len)
            {
                var w = Complex.One;
                for (var k = 0; k < len / 2; k++)
                {
                    var u = a[i + k];
                    var v = a[i + k + len / 2] * w;
                    a[i + k] = u + v;
                    a[i + k + len / 2] = u - v;
                    w *= wl;
                }
            }
        }
    }

    private static void Bluestein(Span<Complex> x, bool inverse)
    {
        var n = x.Length;
        var m = 1;
        while (m < 2 * n - 1) m <<= 1;
        var sign = inverse ? 1.0 : -1.0;
        var chirp = new Complex[n];
        for (var k = 0; k < n; k++)
        {
            var kk = (long)k * k % (2L * n);
            var ang = sign * Math.PI * kk / n;
            chirp[k] = new Complex(Math.Cos(ang), Math.Sin(ang));
        }

        var a = new Complex[m];
        var b = new Complex[m];
        for (var k = 0; k < n; k++) a[k] = x[k] * chirp[k];
        b[0] = Complex.Conjugate(chirp[0]);
        for (var k = 1; k < n; k++) b[k] = b[m - k] = Complex.Conjugate(chirp[k]);
        Radix2(a, false);
        Radix2(b, false);
        for (var i = 0; i < m; i++) a[i] *= b[i];
        Radix2(a, true);
        for (var k = 0; k < n; k++) x[k] = a[k] / m * chirp[k];
    }
}
