using SmartFactoryEdge.Core;
using SmartFactoryEdge.Devices.Bme280;
using SmartFactoryEdge.Devices.Max31865;
using SmartFactoryEdge.Devices.Sht;
using SmartFactoryEdge.TestKit.Devices;
using Max31855Driver = SmartFactoryEdge.Devices.Max31855.Max31855;
using Max31865Driver = SmartFactoryEdge.Devices.Max31865.Max31865;

namespace SmartFactoryEdge.Devices.Tests.Drivers;

/// <summary>
/// Seeded random inputs for every decoder: they may reject (with a device exception) but never crash, hang or return
/// values outside the physical range. SFE_FUZZ_ITERATIONS raises the count for a longer run.
/// </summary>
public sealed class DecoderRobustnessTests
{
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 20_000;

    [Fact]
    public void SensirionWordsRejectEveryCorruptionOfAValidResponse()
    {
        byte[] valid = [0x66, 0x66, 0x93, 0x80, 0x00, 0xA2];
        valid[2] = Common.Crc8.Sensirion(valid.AsSpan(0, 2));
        valid[5] = Common.Crc8.Sensirion(valid.AsSpan(3, 2));
        Assert.Equal(0x6666, SensirionWords.Read(valid, 0, "t"));
        for (var i = 0; i < valid.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var corrupted = (byte[])valid.Clone();
                corrupted[i] ^= (byte)(1 << bit);
                // CRC-8 detects every single-bit error in its word.
                Assert.Throws<DeviceCrcException>(() => SensirionWords.Read(corrupted, i / 3, "t"));
            }
        }
    }

    [Fact]
    public void RandomMax31855FramesDecodeWithinTheChipsRange()
    {
        var random = new Random(31855);
        for (var i = 0; i < Iterations; i++)
        {
            var r = Max31855Driver.Decode((uint)random.NextInt64(0, 1L << 32));
            Assert.InRange(r.ThermocoupleDegreesCelsius, -2048, 2047.75);
            Assert.InRange(r.InternalDegreesCelsius, -128, 127.9375);
        }
    }

    [Fact]
    public void RandomBme280InputsNeverThrowAndHumidityStaysInRange()
    {
        var random = new Random(280);
        var tp = new byte[24];
        var h = new byte[7];
        for (var i = 0; i < Iterations; i++)
        {
            random.NextBytes(tp);
            random.NextBytes(h);
            var c = Bme280Calibration.Parse(tp, (byte)random.Next(256), h);
            var t = Bme280Compensation.DegreesCelsius(random.Next(1 << 20), c, out var tFine);
            _ = Bme280Compensation.Pascals(random.Next(1 << 20), tFine, c);
            var rh = Bme280Compensation.RelativeHumidityPercent(random.Next(1 << 16), tFine, c);
            Assert.False(double.IsInfinity(t));
            Assert.True(double.IsNaN(rh) || rh is >= 0 and <= 100, $"rh {rh}");
        }
    }

    [Fact]
    public void RandomRtdCodesGiveFiniteTemperaturesOrNothing()
    {
        var sim = new Max31865Simulator();
        using var rtd = new Max31865Driver(sim);
        var random = new Random(31865);
        for (var i = 0; i < 2_000; i++)
        {
            var code = random.Next(1, 0x8000);
            sim.SetCode(code);
            var t = rtd.ReadDegreesCelsius();
            Assert.True(double.IsFinite(t), $"code {code} gave {t}");
            Assert.Equal(code * 430.0 / 32768.0, CallendarVanDusen.Resistance(t, 100.0), 1e-6);
        }
    }

    [Fact]
    public void SpiBusErrorIsACommunicationErrorAtConstruction()
    {
        Assert.Throws<DeviceCommunicationException>(() => new Max31855Driver(new FailingSpiDevice()));
        Assert.Equal(Core.Quality.StatusCodes.BadCommunicationError,
            SmartFactoryEdge.Devices.SensorSource.SensorSource.Classify(Assert.ThrowsAny<DeviceCommunicationException>(() => new Max31865Driver(new FailingSpiDevice()))));
    }
}
