namespace SmartFactoryEdge.Core.Tags;

/// <summary>The type a tag's values have at the source, as the sample carries it.</summary>
public enum TagDataType
{
    Double,
    Boolean,
    Int64,
    String,
}

/// <summary>One configured signal: what it is called, where it belongs, what unit it is in.</summary>
public sealed record TagDefinition
{
    /// <summary>Unique per gateway; used in topics, datasets and detectors. Letters, digits, '.', '_', '-'.</summary>
    public required string Id { get; init; }

    public string? Description { get; init; }

    /// <summary>Engineering unit symbol (e.g. "°C", "bar", "mA", "%").</summary>
    public string? Unit { get; init; }

    /// <summary>The asset (machine) this signal belongs to, or null.</summary>
    public string? AssetId { get; init; }

    public TagDataType DataType { get; init; } = TagDataType.Double;

    /// <summary>True when <paramref name="id"/> is a valid tag id: non-empty, at most 128 characters of [A-Za-z0-9._-].</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 128) return false;
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return false;
        }
        return true;
    }
}
