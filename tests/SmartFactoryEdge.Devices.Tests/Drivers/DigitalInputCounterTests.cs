using SmartFactoryEdge.Devices.Buses;
using SmartFactoryEdge.Devices.DigitalCounter;
using SmartFactoryEdge.TestKit.Devices;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

public sealed class DigitalInputCounterTests
{
    private const ulong Ms = 1_000_000;

    [Fact]
    public void CountsPartsAndMeasuresCycleTime()
    {
        var line = new SimulatedGpioLine(17);
        using var counter = new DigitalInputCounter(line, TimeSpan.FromMilliseconds(5));
        Assert.False(counter.TryGetCycleTime(out _));
        line.Pulse(1000 * Ms);
        line.Pulse(3500 * Ms);
        line.Pulse(6000 * Ms);
        Assert.Equal(3, counter.Update());
        Assert.Equal(3, counter.PartCount);
        Assert.True(counter.TryGetCycleTime(out var cycle));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), cycle);
    }

    [Fact]
    public void ContactBounceWithinTheDebounceWindowIsIgnored()
    {
        var line = new SimulatedGpioLine(17);
        using var counter = new DigitalInputCounter(line, TimeSpan.FromMilliseconds(10));
        // A mechanical switch: one press that bounces three times within 3 ms, then a clean press 2 s later.
        line.SetLevel(true, 100 * Ms);
        line.SetLevel(false, 100 * Ms + 300_000);
        line.SetLevel(true, 100 * Ms + 900_000);
        line.SetLevel(false, 101 * Ms + 500_000);
        line.SetLevel(true, 102 * Ms);
        line.SetLevel(false, 150 * Ms);
        line.Pulse(2100 * Ms);
        counter.Update();
        Assert.Equal(2, counter.PartCount);
        Assert.Equal(2, counter.BouncesRejected);
        Assert.Equal(TimeSpan.FromSeconds(2), counter.LastCycleTime);
    }

    [Fact]
    public void FallingEdgeCountingAndManyEventsAcrossBatches()
    {
        var line = new SimulatedGpioLine(4, GpioEdgeDetection.Both, bufferSize: 1024);
        using var counter = new DigitalInputCounter(line, TimeSpan.Zero, GpioEdge.Falling);
        for (ulong i = 0; i < 200; i++) line.Pulse(i * 10 * Ms, 2 * Ms);
        counter.Update();
        Assert.Equal(200, counter.PartCount);
        Assert.Equal(TimeSpan.FromMilliseconds(10), counter.LastCycleTime);
    }
}
