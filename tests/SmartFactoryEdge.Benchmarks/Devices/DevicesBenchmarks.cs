using BenchmarkDotNet.Attributes;
using SmartFactoryEdge.Devices.Adxl345;
using SmartFactoryEdge.Devices.Bme280;
using SmartFactoryEdge.Devices.Common;
using SmartFactoryEdge.Devices.Ds18b20;
using SmartFactoryEdge.Devices.Max31865;

namespace SmartFactoryEdge.Benchmarks.Devices;

/// <summary>Per-reading CPU cost of the sensor maths (the bus transfer dominates on hardware: ~0.3 ms per I2C read at 400 kHz).</summary>
[MemoryDiagnoser]
public class DevicesBenchmarks
{
    private static readonly Bme280Calibration Calibration = new()
    {
        T1 = 27504, T2 = 26435, T3 = -1000,
        P1 = 36477, P2 = -10685, P3 = 3024, P4 = 2855, P5 = 140, P6 = -7, P7 = 15500, P8 = -14600, P9 = 6000,
        H1 = 75, H2 = 362, H3 = 0, H4 = 313, H5 = 50, H6 = 30,
    };

    private readonly byte[] _shtResponse = [0x66, 0x66, 0x93];
    private readonly double[] _x = new double[256], _y = new double[256], _z = new double[256];
    private const string W1Slave = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
    private readonly byte[] _scratchpad = new byte[9];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < 256; i++)
        {
            _x[i] = Math.Sin(i * 0.3) + random.NextDouble() * 0.1;
            _y[i] = random.NextDouble();
            _z[i] = 9.81 + random.NextDouble() * 0.05;
        }
    }

    [Benchmark]
    public double Bme280Compensation()
    {
        var t = SmartFactoryEdge.Devices.Bme280.Bme280Compensation.DegreesCelsius(519888, Calibration, out var tFine);
        return t + SmartFactoryEdge.Devices.Bme280.Bme280Compensation.Pascals(415148, tFine, Calibration)
                 + SmartFactoryEdge.Devices.Bme280.Bme280Compensation.RelativeHumidityPercent(30000, tFine, Calibration);
    }

    [Benchmark]
    public byte SensirionCrc() => Crc8.Sensirion(_shtResponse.AsSpan(0, 2));

    [Benchmark]
    public double VibrationWindow256() => VibrationFeatures.Compute(_x, _y, _z).CrestFactor;

    [Benchmark]
    public double Ds18b20Parse()
    {
        Ds18b20.ParseScratchpad(W1Slave, _scratchpad, "28-0316a279a2ff");
        return Ds18b20.DecodeDegreesCelsius(_scratchpad);
    }

    [Benchmark]
    public double Pt100BelowZero() => CallendarVanDusen.DegreesCelsius(80.31, 100.0);
}
