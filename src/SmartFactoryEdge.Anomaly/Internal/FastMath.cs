using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmartFactoryEdge.Anomaly.Internal;

/// <summary>Special functions used on hot paths (scalar and 256-bit vector forms).</summary>
internal static class FastMath
{
    // erfc(x) = t·exp(−z² + P(t)), t = 1/(1 + z/2) (Numerical Recipes "erfcc", |relative error| < 1.2e-7).
    private const double C0 = -1.26551223, C1 = 1.00002368, C2 = 0.37409196, C3 = 0.09678418, C4 = -0.18628806,
        C5 = 0.27886807, C6 = -1.13520398, C7 = 1.48851587, C8 = -0.82215223, C9 = 0.17087277;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Erf(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + 0.5 * z);
        var poly = C0 + t * (C1 + t * (C2 + t * (C3 + t * (C4 + t * (C5 + t * (C6 + t * (C7 + t * (C8 + t * C9))))))));
        var erfc = t * Math.Exp(-z * z + poly);
        return x >= 0 ? 1 - erfc : erfc - 1;
    }

    // Abramowitz & Stegun 7.1.28: erf(z) = 1 − (1 + a1 z + … + a6 z⁶)^−16 for z ≥ 0, |error| ≤ 3e−7, no exp.
    private const double TailStart = 2.0;
    private const double A1 = 0.0705230784, A2 = 0.0422820123, A3 = 0.0092705272, A4 = 0.0001520143, A5 = 0.0002765672, A6 = 0.0000430638;

    /// <summary>
    /// Sum over i of erf(scale·(x − values[i])) and sum of (x − values[i])², in one vectorised pass
    /// (A&amp;S 7.1.28, |error| ≤ 3e−7 per term; the p-values it feeds are clamped to [1e−8, 1 − 1e−8]).
    /// </summary>
    public static double SumErf(double x, double scale, ReadOnlySpan<double> values, out double sumSquares)
    {
        var sum = 0.0;
        var sq = 0.0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= 4)
        {
            var vx = Vector256.Create(x);
            var vs = Vector256.Create(scale);
            var one = Vector256.Create(1.0);
            var acc = Vector256<double>.Zero;
            var accSq = Vector256<double>.Zero;
            ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
            for (; i <= values.Length - 4; i += 4)
            {
                var diff = vx - Vector256.LoadUnsafe(ref start, (nuint)i);
                accSq = Vector256.FusedMultiplyAdd(diff, diff, accSq);
                var a = diff * vs;
                var z = Vector256.Abs(a);
                var p = Vector256.FusedMultiplyAdd(Vector256.Create(A6), z, Vector256.Create(A5));
                p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A4));
                p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A3));
                p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A2));
                p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(A1));
                p = Vector256.FusedMultiplyAdd(p, z, one);
                p *= p; p *= p; p *= p; p *= p; // ^16
                var e = one - one / p;
                var tail = Vector256.GreaterThan(z, Vector256.Create(TailStart));
                if (tail != Vector256<double>.Zero)
                {
                    // in the tail the p-value is a sum of tiny erfc terms: use the relative-accurate form there
                    var t = one / (one + Vector256.Create(0.5) * z);
                    var q = Vector256.FusedMultiplyAdd(Vector256.Create(C9), t, Vector256.Create(C8));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C7));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C6));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C5));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C4));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C3));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C2));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C1));
                    q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(C0));
                    var erfc = t * Vector256.Exp(q - z * z);
                    e = Vector256.ConditionalSelect(tail, one - erfc, e);
                }

                var neg = Vector256.LessThan(a, Vector256<double>.Zero);
                acc += Vector256.ConditionalSelect(neg, -e, e);
            }

            sum = Vector256.Sum(acc);
            sq = Vector256.Sum(accSq);
        }

        for (; i < values.Length; i++)
        {
            var diff = x - values[i];
            sq += diff * diff;
            sum += ErfAs(scale * diff);
        }

        sumSquares = sq;
        return sum;
    }

    /// <summary>Sum over i of (x − values[i])².</summary>
    public static double SumSquaredDiff(double x, ReadOnlySpan<double> values)
    {
        var i = 0;
        var sq = 0.0;
        if (Vector256.IsHardwareAccelerated && values.Length >= 4)
        {
            var vx = Vector256.Create(x);
            var acc = Vector256<double>.Zero;
            ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
            for (; i <= values.Length - 4; i += 4)
            {
                var d = vx - Vector256.LoadUnsafe(ref start, (nuint)i);
                acc = Vector256.FusedMultiplyAdd(d, d, acc);
            }

            sq = Vector256.Sum(acc);
        }

        for (; i < values.Length; i++)
        {
            var d = x - values[i];
            sq += d * d;
        }

        return sq;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ErfAs(double a)
    {
        if (Math.Abs(a) > TailStart) return Erf(a);
        var z = Math.Abs(a);
        var p = 1 + z * (A1 + z * (A2 + z * (A3 + z * (A4 + z * (A5 + z * A6)))));
        p *= p; p *= p; p *= p; p *= p;
        var e = 1 - 1 / p;
        return a < 0 ? -e : e;
    }

    /// <summary>Standard normal upper-tail probability P(Z &gt; z).</summary>
    public static double NormalSf(double z) => 0.5 * (1 - Erf(z / Math.Sqrt(2)));
}
