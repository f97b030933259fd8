namespace SmartFactoryEdge.Anomaly.Internal;

/// <summary>Empirical quantiles with linear interpolation between order statistics (the calibrations of the control limits share it).</summary>
internal static class Quantiles
{
    /// <summary>The q-quantile of values already sorted ascending.</summary>
    public static double OfSorted(ReadOnlySpan<double> sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>The q-quantile of values, leaving the array as it was (training time only: it sorts a copy).</summary>
    public static double Of(double[] values, double q)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return OfSorted(sorted, q);
    }
}
