using SmartFactoryEdge.Core.Quality;

namespace SmartFactoryEdge.Core.Tests;

public class StatusCodeTests
{
    [Theory]
    [InlineData(0x00000000u, StatusSeverity.Good)]
    [InlineData(0x40000000u, StatusSeverity.Uncertain)]
    [InlineData(0x80000000u, StatusSeverity.Bad)]
    [InlineData(0x800A0000u, StatusSeverity.Bad)]
    [InlineData(0xC0000000u, StatusSeverity.Bad)]
    [InlineData(0x00A20000u, StatusSeverity.Good)]
    public void SeverityComesFromTheTopTwoBits(uint code, StatusSeverity expected)
    {
        Assert.Equal(expected, new StatusCode(code).Severity);
    }

    [Fact]
    public void StandardCodesMatchTheSpecificationTable()
    {
        Assert.Equal(0x800A0000u, StatusCodes.BadTimeout);
        Assert.Equal(0x80340000u, StatusCodes.BadNodeIdUnknown);
        Assert.Equal(0x40900000u, StatusCodes.UncertainLastUsableValue);
        Assert.Equal("BadTimeout", new StatusCode(0x800A0000).Name);
    }

    [Fact]
    public void InfoBitsDoNotHideTheName()
    {
        // Part 4 7.39: the low 16 bits are info bits (e.g. overflow); the name is that of the high 16 bits
        var code = new StatusCode(StatusCodes.Good | 0x0480);
        Assert.Equal("Good", code.Name);
        Assert.True(code.IsGood);
    }

    [Fact]
    public void UnknownCodesPrintAsHex()
    {
        Assert.Equal("0x81FF0000", new StatusCode(0x81FF0000).Name);
    }

    [Fact]
    public void NamesParseBack()
    {
        Assert.True(StatusCodes.TryParse("BadCommunicationError", out var code));
        Assert.Equal(StatusCodes.BadCommunicationError, code);
        Assert.False(StatusCodes.TryParse("BadNoSuchThing", out _));
    }
}
