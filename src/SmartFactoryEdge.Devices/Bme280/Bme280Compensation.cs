namespace SmartFactoryEdge.Devices.Bme280;

/// <summary>
/// The datasheet's floating-point compensation formulas (BME280 datasheet section 8.1, "Compensation formulas
/// in double precision floating point"); temperature and pressure are the same as the BMP280's (section 8.1 there).
/// </summary>
public static class Bme280Compensation
{
    /// <summary>Temperature in °C; <paramref name="tFine"/> carries fine temperature into pressure and humidity.</summary>
    public static double DegreesCelsius(int adcT, Bme280Calibration c, out double tFine)
    {
        var var1 = (adcT / 16384.0 - c.T1 / 1024.0) * c.T2;
        var var2 = (adcT / 131072.0 - c.T1 / 8192.0) * (adcT / 131072.0 - c.T1 / 8192.0) * c.T3;
        tFine = var1 + var2;
        return (var1 + var2) / 5120.0;
    }

    /// <summary>Pressure in Pa, or NaN when var1 is zero (the datasheet's division guard).</summary>
    public static double Pascals(int adcP, double tFine, Bme280Calibration c)
    {
        var var1 = tFine / 2.0 - 64000.0;
        var var2 = var1 * var1 * c.P6 / 32768.0;
        var2 += var1 * c.P5 * 2.0;
        var2 = var2 / 4.0 + c.P4 * 65536.0;
        var1 = (c.P3 * var1 * var1 / 524288.0 + c.P2 * var1) / 524288.0;
        var1 = (1.0 + var1 / 32768.0) * c.P1;
        if (var1 == 0.0) return double.NaN;
        var p = 1048576.0 - adcP;
        p = (p - var2 / 4096.0) * 6250.0 / var1;
        var1 = c.P9 * p * p / 2147483648.0;
        var2 = p * c.P8 / 32768.0;
        return p + (var1 + var2 + c.P7) / 16.0;
    }

    /// <summary>Relative humidity in %, clamped to 0..100 as the datasheet does.</summary>
    public static double RelativeHumidityPercent(int adcH, double tFine, Bme280Calibration c)
    {
        var h = tFine - 76800.0;
        h = (adcH - (c.H4 * 64.0 + c.H5 / 16384.0 * h)) *
            (c.H2 / 65536.0 * (1.0 + c.H6 / 67108864.0 * h * (1.0 + c.H3 / 67108864.0 * h)));
        h *= 1.0 - c.H1 * h / 524288.0;
        return Math.Clamp(h, 0.0, 100.0);
    }
}
