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

    /// <summary>
    /// Natural log of 8 positive finite doubles at once (exponent split + atanh series on the mantissa, relative error ≈ 1e−9);
    /// zero inputs give 0 (ML.NET's convention for log 0 in SR).
    /// </summary>
    public static Vector512<double> Log8(Vector512<double> x)
    {
        var bits = x.AsUInt64();
        var exp = Vector512.ConvertToDouble((bits >> 52).AsInt64() - Vector512.Create(1023L));
        var mant = Vector512.BitwiseOr(bits & Vector512.Create(0x000F_FFFF_FFFF_FFFFUL), Vector512.Create(0x3FF0_0000_0000_0000UL)).AsDouble(); // [1, 2)
        // fold to [√½, √2) so the series converges fast
        var big = Vector512.GreaterThan(mant, Vector512.Create(1.4142135623730951));
        mant = Vector512.ConditionalSelect(big, mant * 0.5, mant);
        exp = Vector512.ConditionalSelect(big, exp + Vector512<double>.One, exp);
        var t = (mant - Vector512<double>.One) / (mant + Vector512<double>.One); // |t| ≤ 0.1716
        var t2 = t * t;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 13), t2, Vector512.Create(1.0 / 11));
        p = Vector512.FusedMultiplyAdd(p, t2, Vector512.Create(1.0 / 9));
        p = Vector512.FusedMultiplyAdd(p, t2, Vector512.Create(1.0 / 7));
        p = Vector512.FusedMultiplyAdd(p, t2, Vector512.Create(1.0 / 5));
        p = Vector512.FusedMultiplyAdd(p, t2, Vector512.Create(1.0 / 3));
        p = Vector512.FusedMultiplyAdd(p, t2, Vector512<double>.One);
        var r = Vector512.FusedMultiplyAdd(exp, Vector512.Create(0.6931471805599453), 2 * t * p);
        return Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512<double>.Zero, r);
    }

    /// <summary>exp of 8 doubles in about [−700, 700] (2^n·2^f with a degree-11 Taylor polynomial on |f·ln2| ≤ 0.35, relative error ≈ 1e−12).</summary>
    public static Vector512<double> Exp8(Vector512<double> x)
    {
        x = Vector512.Clamp(x, Vector512.Create(-700.0), Vector512.Create(700.0));
        var n = Vector512.Round(x * 1.4426950408889634);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.6931471805599453), x); // |r| ≤ 0.347
        var p = Vector512.Create(1.0 / 39916800);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 3628800));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 362880));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 40320));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        var scale = ((Vector512.ConvertToInt64(n) + Vector512.Create(1023L)) << 52).AsDouble();
        return p * scale;
    }

    /// <summary>Standard normal upper-tail probability P(Z &gt; z).</summary>
    public static double NormalSf(double z) => 0.5 * (1 - Erf(z / Math.Sqrt(2)));
}
