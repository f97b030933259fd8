namespace SmartFactoryEdge.Devices.Ads1115;

/// <summary>How an analog input is wired.</summary>
public enum AnalogInputKind
{
    /// <summary>The voltage at the ADC pin, in V.</summary>
    Voltage,
    /// <summary>A 4-20 mA loop through a shunt resistor to ground, scaled to the transmitter's range.</summary>
    CurrentLoop4To20mA,
    /// <summary>A 0-10 V signal through a resistive divider, scaled to the transmitter's range.</summary>
    Voltage0To10V,
}

/// <summary>Scaling of industrial analog signals to engineering units, with NAMUR NE 43 limits for current loops.</summary>
public static class AnalogScaling
{
    /// <summary>Below this a loop is broken (NE 43: failure signal ≤ 3.6 mA).</summary>
    public const double LoopFailureLowMilliamperes = 3.6;

    /// <summary>Above this the transmitter signals a failure or a short (NE 43: ≥ 21 mA).</summary>
    public const double LoopFailureHighMilliamperes = 21.0;

    public static double Milliamperes(double shuntVolts, double shuntOhms) => shuntVolts / shuntOhms * 1000.0;

    /// <summary>Maps 4..20 mA linearly onto <paramref name="low"/>..<paramref name="high"/>.</summary>
    public static double ScaleCurrentLoop(double milliamperes, double low, double high) => low + (milliamperes - 4.0) / 16.0 * (high - low);

    /// <summary>Whether a loop current is a failure signal (broken wire, short, transmitter fault).</summary>
    public static bool IsLoopFault(double milliamperes) => milliamperes < LoopFailureLowMilliamperes || milliamperes > LoopFailureHighMilliamperes;

    /// <summary>Maps 0..10 V (at the terminal, i.e. ADC volts times the divider ratio) onto low..high.</summary>
    public static double ScaleZeroToTenVolts(double terminalVolts, double low, double high) => low + terminalVolts / 10.0 * (high - low);
}
