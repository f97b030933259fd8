using System.Numerics;

namespace SmartFactoryEdge.Anomaly.Spc;

/// <summary>Rule sets for <see cref="RunRulesChart"/>.</summary>
public enum RuleSet
{
    /// <summary>Western Electric Handbook (1956) zone rules: 1 beyond 3σ; 2 of 3 beyond 2σ; 4 of 5 beyond 1σ; 8 in a row on one side.</summary>
    WesternElectric,

    /// <summary>Nelson's eight rules (J. Quality Technology 16(4), 1984).</summary>
    Nelson,
}

/// <summary>Options for <see cref="RunRulesChart"/>.</summary>
public sealed record RunRulesOptions
{
    public RuleSet Rules { get; init; } = RuleSet.WesternElectric;

    public double? Mean { get; init; }

    public double? Sigma { get; init; }

    public int TrainingSamples { get; init; } = 100;
}

/// <summary>
/// Shewhart chart with Western Electric or Nelson run rules on z = (x − μ)/σ. O(1) per sample: run counters and bit
/// histories, no buffers. Output: Score = z, Statistic = bit mask of the rules that fired (bit 0 = rule 1 …), Alert when any fired.
/// </summary>
public sealed class RunRulesChart : IStreamingDetector
{
    private const int Version = 1;
    private Baseline _baseline;
    private int _side;        // +n / −n: points in a row above / below the mean
    private int _trend;       // +n / −n: consecutive increases / decreases
    private int _alternate;   // points in a row alternating up/down
    private int _within1, _outside1;
    private uint _above2, _below2, _above1, _below1; // bit 0 = latest
    private double _prev = double.NaN;
    private int _prevDir;

    public RunRulesChart(RunRulesOptions? options = null)
    {
        Options = options ?? new RunRulesOptions();
        _baseline = new Baseline(Options.Mean, Options.Sigma, Options.TrainingSamples);
    }

    public RunRulesOptions Options { get; }

    public string Kind => Options.Rules == RuleSet.Nelson ? "nelson" : "western-electric";

    public DetectorOutput Update(double value)
    {
        if (double.IsNaN(value)) return DetectorOutput.WarmingUp;
        if (!_baseline.IsReady)
        {
            _baseline.Learn(value);
            return DetectorOutput.WarmingUp;
        }

        var z = (value - _baseline.Mean) / _baseline.Sigma;
        _side = z > 0 ? (_side > 0 ? _side + 1 : 1) : z < 0 ? (_side < 0 ? _side - 1 : -1) : 0;
        var dir = double.IsNaN(_prev) || z == _prev ? 0 : z > _prev ? 1 : -1;
        _trend = dir == 0 ? 0 : dir > 0 ? (_trend > 0 ? _trend + 1 : 1) : (_trend < 0 ? _trend - 1 : -1);
        _alternate = dir != 0 && _prevDir != 0 && dir == -_prevDir ? _alternate + 1 : (dir != 0 ? 1 : 0);
        _prevDir = dir;
        _prev = z;
        var a = Math.Abs(z);
        _within1 = a < 1 ? _within1 + 1 : 0;
        _outside1 = a > 1 ? _outside1 + 1 : 0;
        _above2 = (_above2 << 1) | (z > 2 ? 1u : 0u);
        _below2 = (_below2 << 1) | (z < -2 ? 1u : 0u);
        _above1 = (_above1 << 1) | (z > 1 ? 1u : 0u);
        _below1 = (_below1 << 1) | (z < -1 ? 1u : 0u);

        var mask = 0;
        if (a > 3) mask |= 1;
        var nelson = Options.Rules == RuleSet.Nelson;
        if (Math.Abs(_side) >= (nelson ? 9 : 8)) mask |= 2;
        if (BitOperations.PopCount(_above2 & 7) >= 2 || BitOperations.PopCount(_below2 & 7) >= 2) mask |= 1 << 4;
        if (BitOperations.PopCount(_above1 & 31) >= 4 || BitOperations.PopCount(_below1 & 31) >= 4) mask |= 1 << 5;
        if (nelson)
        {
            if (Math.Abs(_trend) >= 5) mask |= 1 << 2; // six points: five consecutive moves
            if (_alternate >= 13) mask |= 1 << 3;   // fourteen points: thirteen alternating moves
            if (_within1 >= 15) mask |= 1 << 6;
            if (_outside1 >= 8) mask |= 1 << 7;
        }

        var level = mask != 0 ? Math.Max(0.5, a / (3 + a)) : a / (3 + a) * 0.99;
        return new DetectorOutput(mask != 0, z, double.NaN, mask, Math.Min(level, 1), 3);
    }

    public void Reset()
    {
        _baseline.Reset();
        _side = _trend = _alternate = _within1 = _outside1 = _prevDir = 0;
        _above2 = _below2 = _above1 = _below1 = 0;
        _prev = double.NaN;
    }

    public void WriteState(StateWriter writer)
    {
        writer.WriteHeader(Kind, Version);
        _baseline.Write(writer);
        writer.WriteInt32(_side);
        writer.WriteInt32(_trend);
        writer.WriteInt32(_alternate);
        writer.WriteInt32(_within1);
        writer.WriteInt32(_outside1);
        writer.WriteInt32(_prevDir);
        writer.WriteInt64(((long)_above2 << 32) | _below2);
        writer.WriteInt64(((long)_above1 << 32) | _below1);
        writer.WriteDouble(_prev);
    }

    public void ReadState(ref StateReader reader)
    {
        reader.ReadHeader(Kind, Version);
        _baseline.Read(ref reader);
        _side = reader.ReadInt32();
        _trend = reader.ReadInt32();
        _alternate = reader.ReadInt32();
        _within1 = reader.ReadInt32();
        _outside1 = reader.ReadInt32();
        _prevDir = reader.ReadInt32();
        var b2 = reader.ReadInt64();
        _above2 = (uint)(b2 >> 32);
        _below2 = (uint)b2;
        var b1 = reader.ReadInt64();
        _above1 = (uint)(b1 >> 32);
        _below1 = (uint)b1;
        _prev = reader.ReadDouble();
    }
}
