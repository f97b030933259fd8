namespace SmartFactoryEdge.Gateway.Simulation;

/// <summary>A simulated signal: its tag suffix, unit, and natural scale (the noise standard deviation at NoiseScale 1).</summary>
public sealed record SignalInfo(string Name, string Unit, double Scale);

/// <summary>A deterministic process model: the noise-free value of every signal at a time since the start.</summary>
public interface IProcessModel
{
    IReadOnlyList<SignalInfo> Signals { get; }

    /// <summary>Writes the noise-free values at <paramref name="seconds"/> after the start into <paramref name="values"/>.</summary>
    void Evaluate(double seconds, Span<double> values);
}

public static class ProcessModels
{
    public static readonly IReadOnlyList<string> Kinds = ["furnace", "fermenter", "pump"];

    public static IProcessModel Create(SimulatedMachineOptions machine) => machine.Kind switch
    {
        "furnace" => new SinteringFurnaceModel(machine.Zones, machine.Setpoint ?? 1200, machine.Cycle ?? TimeSpan.FromHours(2)),
        "fermenter" => new FermenterModel(machine.Setpoint ?? 37, machine.Cycle ?? TimeSpan.FromHours(4)),
        "pump" => new PumpModel(machine.Cycle ?? TimeSpan.FromMinutes(10)),
        _ => throw new ArgumentException($"Unknown machine kind '{machine.Kind}'.", nameof(machine)),
    };
}

/// <summary>
/// A vacuum sintering furnace running a ramp/soak/cool recipe: zone thermocouples (the outer zones lag and
/// overshoot a little), chamber vacuum after pump-down, and heater power that follows the ramp.
/// </summary>
public sealed class SinteringFurnaceModel : IProcessModel
{
    private const double Ambient = 25;
    private readonly int _zones;
    private readonly double _soak;
    private readonly double _cycle;
    private readonly double _rampEnd;
    private readonly double _soakEnd;

    public SinteringFurnaceModel(int zones, double soakCelsius, TimeSpan cycle)
    {
        _zones = zones;
        _soak = soakCelsius;
        _cycle = cycle.TotalSeconds;
        _rampEnd = _cycle * 0.35;
        _soakEnd = _cycle * 0.6;
        var signals = new List<SignalInfo>();
        for (int z = 1; z <= zones; z++) signals.Add(new SignalInfo($"zone{z}.temperature", "°C", 1.5));
        signals.Add(new SignalInfo("vacuum", "Pa", 0.002));
        signals.Add(new SignalInfo("heaterPower", "kW", 0.8));
        Signals = signals;
    }

    public IReadOnlyList<SignalInfo> Signals { get; }

    public void Evaluate(double seconds, Span<double> values)
    {
        var t = seconds % _cycle;
        double setpoint, rampRate;
        if (t < _rampEnd) { rampRate = (_soak - Ambient) / _rampEnd; setpoint = Ambient + rampRate * t; }
        else if (t < _soakEnd) { rampRate = 0; setpoint = _soak; }
        else
        {
            var tau = (_cycle - _soakEnd) / 4;
            setpoint = Ambient + (_soak - Ambient) * Math.Exp(-(t - _soakEnd) / tau);
            rampRate = -(setpoint - Ambient) / tau;
        }
        for (int z = 0; z < _zones; z++)
        {
            // the outer zones lose more heat: a few degrees below the middle
            var offset = -3.0 * Math.Abs(z - (_zones - 1) / 2.0);
            values[z] = setpoint + offset * (setpoint - Ambient) / (_soak - Ambient);
        }
        // pump-down at the start of each cycle, then a hard vacuum with a slow outgassing swing
        values[_zones] = 1.0e5 * Math.Exp(-t / 40.0) + 0.05 + 0.01 * Math.Sin(t / 300.0);
        // heater power: holding losses grow with temperature, plus the ramp's demand; off while cooling
        var power = 0.02 * (setpoint - Ambient) + 25 * Math.Max(rampRate, 0) * 60 / 10;
        values[_zones + 1] = rampRate < 0 ? 0.5 : power;
    }
}

/// <summary>
/// A fed-batch fermentation: temperature held at its setpoint, pH falling as acids form, dissolved oxygen
/// falling with growth (logistic), each batch restarting the curve.
/// </summary>
public sealed class FermenterModel(double setpoint, TimeSpan batch) : IProcessModel
{
    private readonly double _batch = batch.TotalSeconds;

    public IReadOnlyList<SignalInfo> Signals { get; } =
    [
        new("temperature", "°C", 0.05),
        new("pH", "pH", 0.01),
        new("dissolvedOxygen", "%", 0.5),
    ];

    public void Evaluate(double seconds, Span<double> values)
    {
        var t = seconds % _batch;
        var growth = 1 / (1 + Math.Exp(-(t / _batch - 0.5) * 10));
        values[0] = setpoint + 0.1 * Math.Sin(2 * Math.PI * t / 900);
        values[1] = 7.0 - 1.3 * growth;
        values[2] = 95 - 65 * growth + 2 * Math.Sin(2 * Math.PI * t / 300);
    }
}

/// <summary>A centrifugal pump on a duty cycle: vibration RMS, motor current, discharge pressure and flow move together.</summary>
public sealed class PumpModel(TimeSpan cycle) : IProcessModel
{
    private readonly double _cycle = cycle.TotalSeconds;

    public IReadOnlyList<SignalInfo> Signals { get; } =
    [
        new("vibrationRms", "mm/s", 0.08),
        new("motorCurrent", "A", 0.1),
        new("pressure", "bar", 0.03),
        new("flow", "m³/h", 0.3),
    ];

    public void Evaluate(double seconds, Span<double> values)
    {
        var load = 0.8 + 0.2 * Math.Sin(2 * Math.PI * seconds / _cycle);
        values[0] = 1.8 + 0.6 * load;
        values[1] = 6.0 + 8.0 * load;
        values[2] = 2.5 + 2.0 * load;
        values[3] = 15 + 20 * load;
    }
}
