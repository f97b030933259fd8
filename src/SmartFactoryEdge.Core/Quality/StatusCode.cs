using System.Globalization;

namespace SmartFactoryEdge.Core.Quality;

/// <summary>Severity of a <see cref="StatusCode"/>: the two top bits of the 32-bit code (OPC UA Part 4, 7.39).</summary>
public enum StatusSeverity : byte
{
    Good = 0,
    Uncertain = 1,
    Bad = 2,
}

/// <summary>
/// A sample's quality with OPC UA StatusCode semantics: the full 32-bit code travels end to end,
/// so a Modbus timeout, a sensor CRC error and an OPC UA server's own status keep their meaning.
/// </summary>
public readonly record struct StatusCode(uint Code)
{
    public static readonly StatusCode Good = new(StatusCodes.Good);
    public static readonly StatusCode Uncertain = new(StatusCodes.Uncertain);
    public static readonly StatusCode Bad = new(StatusCodes.Bad);

    /// <summary>Bits 30-31; the reserved value 0b11 is treated as Bad, as the specification asks.</summary>
    public StatusSeverity Severity => (Code >> 30) switch
    {
        0 => StatusSeverity.Good,
        1 => StatusSeverity.Uncertain,
        _ => StatusSeverity.Bad,
    };

    public bool IsGood => (Code & 0xC000_0000) == 0;
    public bool IsUncertain => (Code & 0xC000_0000) == 0x4000_0000;
    public bool IsBad => (Code & 0x8000_0000) != 0;

    /// <summary>The code without its info bits (the low 16 bits), which is what the named codes define.</summary>
    public uint SubCode => Code & 0xFFFF_0000;

    /// <summary>The symbolic name (BadTimeout), or the hex code when the code is not a standard one.</summary>
    public string Name => StatusCodes.TryGetName(Code, out var name) ? name : "0x" + Code.ToString("X8", CultureInfo.InvariantCulture);

    public override string ToString() => Name;

    public static implicit operator StatusCode(uint code) => new(code);
}

public static partial class StatusCodes
{
    /// <summary>Looks up a code's symbolic name, ignoring the info bits in the low 16 bits.</summary>
    public static bool TryGetName(uint code, out string name)
    {
        if (Names.TryGetValue(code, out name!)) return true;
        return Names.TryGetValue(code & 0xFFFF_0000, out name!);
    }

    /// <summary>Looks up a code by its symbolic name (case-sensitive, as in the specification).</summary>
    public static bool TryParse(string name, out uint code)
    {
        foreach (var (key, value) in Names)
        {
            if (value == name) { code = key; return true; }
        }
        code = 0;
        return false;
    }
}
