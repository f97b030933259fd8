using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Core.Tests;

public class SampleTests
{
    private static readonly DateTime T0 = new(2026, 11, 22, 1, 2, 3, DateTimeKind.Utc);

    [Fact]
    public void GoodSampleKeepsTagTimestampsValueQualityAndUnit()
    {
        var sample = new Sample("furnace1.zone1.temperature", T0, T0.AddMilliseconds(7), 1201.5, StatusCode.Good, "°C");
        Assert.Equal("furnace1.zone1.temperature", sample.TagId);
        Assert.Equal(T0, sample.SourceTimestamp);
        Assert.Equal(T0.AddMilliseconds(7), sample.ReceivedTimestamp);
        Assert.Equal(1201.5, sample.Value.AsDouble);
        Assert.True(sample.Quality.IsGood);
        Assert.Equal("°C", sample.Unit);
    }

    [Fact]
    public void LocalTimestampsAreRejectedBecauseTheWireIsUtc()
    {
        var local = new DateTime(2026, 1, 1, 9, 0, 0, DateTimeKind.Local);
        Assert.Throws<ArgumentException>(() => new Sample("t", local, T0, 1.0, StatusCode.Good));
        Assert.Throws<ArgumentException>(() => new Sample("t", T0, local, 1.0, StatusCode.Good));
    }

    [Fact]
    public void UnspecifiedTimestampsAreTakenAsUtc()
    {
        var sample = new Sample("t", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), T0, 1.0, StatusCode.Good);
        Assert.Equal(DateTimeKind.Utc, sample.SourceTimestamp.Kind);
    }

    [Fact]
    public void EmptyTagIdIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new Sample("", T0, T0, 1.0, StatusCode.Good));
    }

    [Fact]
    public void FaultedSampleNeedsABadQualityAndCarriesNoValue()
    {
        var sample = Sample.Faulted("pump1.flow", T0, new StatusCode(StatusCodes.BadTimeout));
        Assert.False(sample.Value.HasValue);
        Assert.True(sample.Quality.IsBad);
        Assert.Equal("BadTimeout", sample.Quality.Name);
        Assert.Throws<ArgumentException>(() => Sample.Faulted("pump1.flow", T0, StatusCode.Uncertain));
    }

    [Fact]
    public void ValuesKeepTheirKind()
    {
        SampleValue b = true, i = 42L, s = "Running", d = 2.5;
        Assert.Equal(SampleValueKind.Boolean, b.Kind);
        Assert.Equal(1.0, b.AsDouble);
        Assert.Equal(SampleValueKind.Int64, i.Kind);
        Assert.Equal(42L, i.AsInt64);
        Assert.Equal(SampleValueKind.String, s.Kind);
        Assert.Equal("Running", s.AsString);
        Assert.True(double.IsNaN(s.AsDouble));
        Assert.Equal("2.5", d.ToString());
        Assert.Throws<InvalidOperationException>(() => s.AsInt64);
    }

    [Fact]
    public void CountersBeyondDoublePrecisionDoNotRound()
    {
        SampleValue big = (1L << 53) + 1;
        Assert.Equal((1L << 53) + 1, big.AsInt64);
    }

    [Fact]
    public void EqualityComparesKindAndValue()
    {
        Assert.Equal(SampleValue.FromDouble(1), SampleValue.FromDouble(1));
        Assert.NotEqual(SampleValue.FromDouble(1), SampleValue.FromInt64(1));
        Assert.NotEqual(SampleValue.FromString("a"), SampleValue.FromString("b"));
        Assert.Equal(SampleValue.None, default);
    }
}
