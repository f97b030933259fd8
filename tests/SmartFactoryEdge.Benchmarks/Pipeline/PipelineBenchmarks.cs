using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;
using SmartFactoryEdge.Gateway.Simulation;
using SmartFactoryEdge.Gateway.Sinks;

namespace SmartFactoryEdge.Benchmarks.Pipeline;

/// <summary>
/// The whole in-memory path, simulator to a null sink through the bounded pipeline, pinned to one core
/// (affinity mask 1) so that producer and consumer share it as on a loaded edge board.
/// Target (issue 2): at least 1M samples/s and zero allocations per sample at steady state.
/// Run: dotnet run -c Release --project tests/SmartFactoryEdge.Benchmarks -- --filter '*PipelineBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCoreConfig))]
public class PipelineBenchmarks
{
    public const int SamplesPerInvoke = 1_000_000;

    private SimulatorOptions _options = null!;
    private Sample[] _step = null!;

    private sealed class OneCoreConfig : ManualConfig
    {
        public OneCoreConfig()
        {
            AddJob(Job.Default.WithAffinity(1).WithWarmupCount(3).WithIterationCount(10).WithId("1 core"));
            AddDiagnoser(MemoryDiagnoser.Default);
        }
    }

    [Params(1024, 65536)]
    public int Capacity { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _options = new SimulatorOptions
        {
            Name = "bench",
            Seed = 1,
            RateHz = 1000,
            Realtime = false,
            Machines =
            [
                new SimulatedMachineOptions { Kind = "furnace", Asset = "f1", Zones = 6 },
                new SimulatedMachineOptions { Kind = "fermenter", Asset = "b1" },
                new SimulatedMachineOptions { Kind = "pump", Asset = "p1" },
            ],
            RandomAnomalies = new RandomAnomalyOptions { Count = 100, Horizon = TimeSpan.FromMinutes(10) },
        };
        _step = new Sample[32];
    }

    /// <summary>The simulator alone: samples per second it can make.</summary>
    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public long SimulatorOnly()
    {
        var sim = new LineSimulator(_options, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        long checksum = 0;
        for (int made = 0; made < SamplesPerInvoke; made += sim.SignalCount)
        {
            sim.NextStep(_step);
            checksum += _step[0].SourceTimestamp.Ticks;
        }
        return checksum;
    }

    /// <summary>Simulator, bounded channel (Wait mode: no drops), batched consumer, null sink.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = SamplesPerInvoke)]
    public async Task<long> SimulatorThroughPipelineToNullSink()
    {
        var sink = new NullSink();
        var pipeline = new SamplePipeline(new PipelineOptions { Capacity = Capacity, BatchSize = 1024 }, [sink]);
        var consumer = pipeline.RunAsync(CancellationToken.None);
        var sim = new LineSimulator(_options, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var n = sim.SignalCount;
        for (int made = 0; made < SamplesPerInvoke; made += n)
        {
            sim.NextStep(_step);
            for (int i = 0; i < n; i++)
            {
                if (!pipeline.TryWrite(_step[i]))
                    await pipeline.WriteAsync(_step[i], CancellationToken.None).ConfigureAwait(false);
            }
        }
        pipeline.Complete();
        await consumer.ConfigureAwait(false);
        return sink.Count;
    }
}
