using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.Core.Samples;

/// <summary>
/// One reading of one tag. The source timestamp is when the value was true at the machine (UTC);
/// the received timestamp is when this gateway got it. Quality and unit travel with the value end to end.
/// A struct so that a pipeline of millions of samples per second does not allocate per sample.
/// </summary>
public readonly record struct Sample
{
    public Sample(string tagId, DateTime sourceTimestamp, DateTime receivedTimestamp, SampleValue value, StatusCode quality, string? unit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tagId);
        if (sourceTimestamp.Kind == DateTimeKind.Local)
            throw new ArgumentException("Source timestamps are UTC; convert local time before making a sample.", nameof(sourceTimestamp));
        if (receivedTimestamp.Kind == DateTimeKind.Local)
            throw new ArgumentException("Received timestamps are UTC.", nameof(receivedTimestamp));
        TagId = tagId;
        SourceTimestamp = DateTime.SpecifyKind(sourceTimestamp, DateTimeKind.Utc);
        ReceivedTimestamp = DateTime.SpecifyKind(receivedTimestamp, DateTimeKind.Utc);
        Value = value;
        Quality = quality;
        Unit = unit;
    }

    /// <summary>The tag's configured id (unique per gateway).</summary>
    public string TagId { get; }

    /// <summary>When the value held at the source, UTC.</summary>
    public DateTime SourceTimestamp { get; }

    /// <summary>When this gateway received the value, UTC.</summary>
    public DateTime ReceivedTimestamp { get; }

    public SampleValue Value { get; }

    /// <summary>OPC UA StatusCode semantics; a fault at the source is a Bad quality here, not an exception.</summary>
    public StatusCode Quality { get; }

    /// <summary>Engineering unit symbol (UNECE common code symbol where one exists, e.g. "°C", "bar"), or null.</summary>
    public string? Unit { get; }

    /// <summary>A Good-quality numeric sample received now.</summary>
    public static Sample Good(string tagId, DateTime sourceTimestamp, double value, string? unit = null) =>
        new(tagId, sourceTimestamp, sourceTimestamp, value, StatusCode.Good, unit);

    /// <summary>A Bad-quality sample that says why there is no value (a timeout, a NACK, an open thermocouple).</summary>
    public static Sample Faulted(string tagId, DateTime timestamp, StatusCode quality, string? unit = null)
    {
        if (!quality.IsBad) throw new ArgumentException($"A faulted sample needs a Bad quality, not {quality}.", nameof(quality));
        return new(tagId, timestamp, timestamp, SampleValue.None, quality, unit);
    }
}
