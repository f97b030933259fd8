using System.ComponentModel.DataAnnotations;

namespace SmartFactoryEdge.Modbus.RegisterMap;

/// <summary>The four Modbus data tables (Modbus Application Protocol 1.1b3, section 4.3).</summary>
public enum ModbusArea
{
    /// <summary>Read-write bits, FC 1 / 5 / 15 (0xxxx in the old notation).</summary>
    Coil,

    /// <summary>Read-only bits, FC 2 (1xxxx).</summary>
    DiscreteInput,

    /// <summary>Read-write 16-bit registers, FC 3 / 6 / 16 (4xxxx).</summary>
    HoldingRegister,

    /// <summary>Read-only 16-bit registers, FC 4 (3xxxx).</summary>
    InputRegister,
}

/// <summary>How a point's registers are read as a value.</summary>
public enum ModbusDataType
{
    Bool,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    Float32,
    Float64,
    /// <summary>ASCII, two characters per register, ending at the first NUL.</summary>
    String,
}

/// <summary>
/// Byte order of multi-register values, naming the big-endian bytes A (most significant) to D: ABCD is big-endian
/// with the high word first (the Modbus convention), CDAB swaps the words (common on PLCs and meters), BADC swaps the
/// bytes inside each word, DCBA is fully little-endian. 64-bit values extend the same rule to four words.
/// </summary>
public enum WordOrder
{
    ABCD,
    CDAB,
    BADC,
    DCBA,
}

/// <summary>One configured point: a tag read from a unit's registers or bits.</summary>
public sealed record ModbusPointOptions
{
    /// <summary>The tag id the samples carry.</summary>
    [Required]
    public string TagId { get; init; } = "";

    public ModbusArea Area { get; init; } = ModbusArea.HoldingRegister;

    /// <summary>Zero-based protocol address (register 40001 in the old notation is HoldingRegister address 0).</summary>
    [Range(0, 65535)]
    public int Address { get; init; }

    public ModbusDataType Type { get; init; } = ModbusDataType.UInt16;

    public WordOrder Order { get; init; } = WordOrder.ABCD;

    /// <summary>Engineering value = raw * Scale + Offset.</summary>
    public double Scale { get; init; } = 1.0;

    public double Offset { get; init; }

    /// <summary>For <see cref="ModbusDataType.Bool"/> read from a register: the bit (0 = least significant).</summary>
    [Range(0, 15)]
    public int? Bit { get; init; }

    /// <summary>Registers a <see cref="ModbusDataType.String"/> takes (two characters each).</summary>
    [Range(1, 125)]
    public int Length { get; init; } = 1;

    /// <summary>Engineering unit symbol carried by every sample ("kWh", "°C").</summary>
    public string? Unit { get; init; }

    public string? Description { get; init; }

    /// <summary>True when the point lives in a bit table (coils, discrete inputs).</summary>
    public bool IsBitArea => Area is ModbusArea.Coil or ModbusArea.DiscreteInput;

    /// <summary>Registers (or bits) the point spans.</summary>
    public int Span => IsBitArea ? 1 : Type switch
    {
        ModbusDataType.Bool or ModbusDataType.Int16 or ModbusDataType.UInt16 => 1,
        ModbusDataType.Int32 or ModbusDataType.UInt32 or ModbusDataType.Float32 => 2,
        ModbusDataType.Int64 or ModbusDataType.Float64 => 4,
        _ => Length,
    };

    /// <summary>What is wrong with this point, or null. The messages name the tag and the values.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(TagId)) return $"a point at {Area} {Address} has no tagId";
        if (Address is < 0 or > 65535) return $"point '{TagId}': address {Address} is outside 0..65535";
        if (IsBitArea && Type != ModbusDataType.Bool) return $"point '{TagId}': {Area} holds bits, so type must be Bool, not {Type}";
        if (Bit is not null && Type != ModbusDataType.Bool) return $"point '{TagId}': bit {Bit} needs type Bool, not {Type}";
        if (Bit is not null && IsBitArea) return $"point '{TagId}': bit applies to registers, not {Area}";
        if (Bit is < 0 or > 15) return $"point '{TagId}': bit {Bit} is outside 0..15";
        if (Type == ModbusDataType.String && Length is < 1 or > 125) return $"point '{TagId}': length {Length} is outside 1..125 registers";
        if (Address + Span > 65536) return $"point '{TagId}': {Span} registers from address {Address} run past 65535";
        if (double.IsNaN(Scale) || double.IsInfinity(Scale) || Scale == 0) return $"point '{TagId}': scale {Scale} must be a finite non-zero number";
        if (double.IsNaN(Offset) || double.IsInfinity(Offset)) return $"point '{TagId}': offset {Offset} must be finite";
        return null;
    }
}
