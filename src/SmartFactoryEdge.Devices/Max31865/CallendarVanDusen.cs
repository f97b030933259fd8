namespace SmartFactoryEdge.Devices.Max31865;

/// <summary>
/// The Callendar-Van Dusen equation of IEC 60751 for platinum RTDs:
/// R(T) = R0 (1 + A T + B T² + C (T - 100) T³), with C = 0 for T ≥ 0 °C.
/// </summary>
public static class CallendarVanDusen
{
    public const double A = 3.9083e-3;
    public const double B = -5.775e-7;
    public const double C = -4.183e-12;

    public static double Resistance(double degreesCelsius, double r0)
    {
        var t = degreesCelsius;
        var c = t < 0 ? C : 0.0;
        return r0 * (1 + A * t + B * t * t + c * (t - 100) * t * t * t);
    }

    /// <summary>Temperature for a resistance: the closed form above 0 °C, Newton's method below (|error| &lt; 1e-9 °C).</summary>
    public static double DegreesCelsius(double ohms, double r0)
    {
        var ratio = ohms / r0;
        var t = (-A + Math.Sqrt(A * A - 4 * B * (1 - ratio))) / (2 * B);
        if (ratio >= 1.0) return t;
        if (double.IsNaN(t)) t = -200; // start Newton from the closed form (the C term is small) or from the bottom of the range
        for (var i = 0; i < 20; i++)
        {
            var f = Resistance(t, r0) - ohms;
            var derivative = r0 * (A + 2 * B * t + C * (4 * t * t * t - 300 * t * t));
            var step = f / derivative;
            t -= step;
            if (Math.Abs(step) < 1e-10) break;
        }
        return t;
    }
}
