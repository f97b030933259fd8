using SmartFactoryEdge.Gateway.Configuration;
using YamlDotNet.Core;

namespace SmartFactoryEdge.Gateway.Tests;

public sealed class ConfigYamlTests
{
    [Fact]
    public void ScalarsKeepTheirPositionAndWhetherTheyWereQuoted()
    {
        var root = Assert.IsType<ConfigMapping>(Assert.Single(ConfigYaml.Load("a: null\nb: \"null\"\nc:\n  - x\n  - 'y'\n")));
        var (aKey, aValue) = root.Children[0];
        Assert.Equal(("a", 1, 1), (((ConfigScalar)aKey).Value, aKey.Position.Line, aKey.Position.Column));
        Assert.True(((ConfigScalar)aValue).Plain);
        Assert.False(((ConfigScalar)root.Children[1].Value).Plain);
        var list = Assert.IsType<ConfigSequence>(root.Children[2].Value);
        Assert.Equal(["x", "y"], list.Children.Cast<ConfigScalar>().Select(s => s.Value));
        Assert.Equal((5, 5), (list.Children[1].Position.Line, list.Children[1].Position.Column));
    }

    [Fact]
    public void AnAliasIsTheAnchoredNode()
    {
        var root = (ConfigMapping)ConfigYaml.Load("base: &b { x: 1 }\nother: *b\n")[0];
        Assert.Same(root.Children[0].Value, root.Children[1].Value);
        var e = Assert.Throws<YamlException>(() => ConfigYaml.Load("a: *missing\n"));
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(40)] // past the size where repeated keys are found through a set
    public void ARepeatedKeyIsReportedAtItsSecondOccurrence(int keysBefore)
    {
        var text = string.Concat(Enumerable.Range(0, keysBefore).Select(i => $"k{i}: {i}\n")) + "k1: again\n";
        var e = Assert.Throws<YamlException>(() => ConfigYaml.Load(text));
        Assert.Equal(keysBefore + 1, (int)e.Start.Line);
        Assert.Contains("'k1' appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameKeyInSiblingMappingsIsNotARepeat()
    {
        var text = "items:\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"  - {{ id: t{i}, nodeId: n{i} }}\n"));
        var root = (ConfigMapping)ConfigYaml.Load(text)[0];
        Assert.Equal(30, ((ConfigSequence)root.Children[0].Value).Children.Count);
    }

    [Fact]
    public void EveryDocumentIsReturned()
    {
        Assert.Equal(2, ConfigYaml.Load("a: 1\n---\nb: 2\n").Count);
        Assert.Empty(ConfigYaml.Load("# only a comment\n"));
    }
}
