using System.Reflection;

namespace SmartFactoryEdge.Gateway.Tests;

/// <summary>STYLE.md R1.1: references point inward only; Core depends on nothing of ours; protocols never on each other.</summary>
public class ArchitectureTests
{
    private static readonly string[] Protocols = ["SmartFactoryEdge.Mqtt", "SmartFactoryEdge.OpcUa", "SmartFactoryEdge.Modbus", "SmartFactoryEdge.Devices"];

    private static IReadOnlyList<string> OurReferences(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("SmartFactoryEdge.", StringComparison.Ordinal)).ToList();

    [Fact]
    public void CoreReferencesOnlyTheFrameworkAndExtensionsAbstractions()
    {
        var references = Assembly.Load("SmartFactoryEdge.Core").GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(references, name => Assert.True(
            name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard" || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && (name.EndsWith(".Abstractions", StringComparison.Ordinal) || name == "Microsoft.Extensions.Options" || name == "Microsoft.Extensions.Primitives"),
            $"Core must not reference {name}"));
    }

    [Theory]
    [InlineData("SmartFactoryEdge.Mqtt")]
    [InlineData("SmartFactoryEdge.OpcUa")]
    [InlineData("SmartFactoryEdge.Modbus")]
    [InlineData("SmartFactoryEdge.Devices")]
    [InlineData("SmartFactoryEdge.Anomaly")]
    [InlineData("SmartFactoryEdge.Storage")]
    public void InnerProjectsReferenceOnlyCore(string assembly)
    {
        Assert.All(OurReferences(assembly), name => Assert.Equal("SmartFactoryEdge.Core", name));
    }

    [Fact]
    public void TheCenterDoesNotReferenceDeviceOrMachineProtocols()
    {
        var references = OurReferences("SmartFactoryEdge.Center");
        Assert.DoesNotContain(references, r => r is "SmartFactoryEdge.OpcUa" or "SmartFactoryEdge.Modbus" or "SmartFactoryEdge.Devices" or "SmartFactoryEdge.Gateway");
    }
}
