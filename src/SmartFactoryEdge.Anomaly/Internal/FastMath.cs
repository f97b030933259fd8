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

    /// <summary>Sum over i of erf(scale·(x − values[i])).</summary>
    public static double SumErf(double x, double scale, ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= 4)
        {
            var vx = Vector256.Create(x);
            var vs = Vector256.Create(scale);
            var one = Vector256.Create(1.0);
            var half = Vector256.Create(0.5);
            var acc = Vector256<double>.Zero;
            for (; i <= values.Length - 4; i += 4)
            {
                var a = (vx - Vector256.Create(values.Slice(i, 4))) * vs;
                var z = Vector256.Abs(a);
                var t = one / (one + half * z);
                var p = Vector256.Create(C9);
                p = p * t + Vector256.Create(C8);
                p = p * t + Vector256.Create(C7);
                p = p * t + Vector256.Create(C6);
                p = p * t + Vector256.Create(C5);
                p = p * t + Vector256.Create(C4);
                p = p * t + Vector256.Create(C3);
                p = p * t + Vector256.Create(C2);
                p = p * t + Vector256.Create(C1);
                p = p * t + Vector256.Create(C0);
                var erfc = t * Vector256.Exp(p - z * z);
                var e = one - erfc;
                // restore the sign of a
                var neg = Vector256.LessThan(a, Vector256<double>.Zero);
                acc += Vector256.ConditionalSelect(neg, -e, e);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < values.Length; i++) sum += Erf(scale * (x - values[i]));
        return sum;
    }

    /// <summary>Standard normal upper-tail probability P(Z &gt; z).</summary>
    public static double NormalSf(double z) => 0.5 * (1 - Erf(z / Math.Sqrt(2)));
}
