using System.Runtime.Intrinsics;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Tests;

public class FastMathTests
{
    [Fact]
    public void VectorLogAndExpMatchTheScalarFunctions()
    {
        var rng = new Random(17);
        for (var i = 0; i < 2000; i++)
        {
            var x = Math.Exp(rng.NextDouble() * 80 - 40);
            var l = FastMath.Log8(Vector512.Create(x)).GetElement(3);
            Assert.True(Math.Abs(l - Math.Log(x)) <= 1e-9 * Math.Max(1, Math.Abs(Math.Log(x))), $"log({x}) = {l}, expected {Math.Log(x)}");
            var y = rng.NextDouble() * 100 - 50;
            var e = FastMath.Exp8(Vector512.Create(y)).GetElement(5);
            Assert.True(Math.Abs(e - Math.Exp(y)) <= 1e-11 * Math.Exp(y), $"exp({y}) = {e}, expected {Math.Exp(y)}");
        }

        Assert.Equal(0, FastMath.Log8(Vector512<double>.Zero).GetElement(0));
    }

    [Fact]
    public void KernelErfSumMatchesTheScalarErf()
    {
        var rng = new Random(3);
        var values = Enumerable.Range(0, 37).Select(_ => rng.NextDouble() * 10).ToArray();
        foreach (var x in new[] { -5.0, 0.3, 4.9, 12.0 })
        {
            var expected = values.Sum(v => FastMath.Erf(0.7 * (x - v)));
            Assert.Equal(expected, FastMath.SumErf(x, 0.7, values, out var sq), 5);
            Assert.Equal(values.Sum(v => (x - v) * (x - v)), sq, 8);
        }
    }
}
