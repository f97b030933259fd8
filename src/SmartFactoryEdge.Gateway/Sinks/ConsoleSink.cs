using System.Buffers;
using System.Text.Json;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Gateway.Sinks;

/// <summary>Prints samples as JSON lines on standard output (every Nth), for a mentor checking values arrive.</summary>
public sealed class ConsoleSink(ConsoleSinkOptions options, TextWriter? output = null) : ISampleSink
{
    private readonly TextWriter _out = output ?? Console.Out;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private long _seen;

    public string Name => "console";

    public ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        using var json = new Utf8JsonWriter(_buffer, SampleJson.WriterOptions);
        foreach (ref readonly var sample in batch.Span)
        {
            if (_seen++ % options.Every != 0) continue;
            _buffer.ResetWrittenCount();
            json.Reset(_buffer);
            SampleJson.Write(json, sample);
            json.Flush();
            _out.WriteLine(System.Text.Encoding.UTF8.GetString(_buffer.WrittenSpan));
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => new(_out.FlushAsync(cancellationToken));
}

/// <summary>Discards samples, counting them: for benchmarks and dry runs.</summary>
public sealed class NullSink : ISampleSink
{
    private long _count;

    public string Name => "null";

    public long Count => Interlocked.Read(ref _count);

    public ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _count, batch.Length);
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
