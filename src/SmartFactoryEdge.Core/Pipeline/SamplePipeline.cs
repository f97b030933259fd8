using System.Threading.Channels;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Core.Pipeline;

/// <summary>
/// The bounded fan-in from every source to every sink: one <see cref="Channel{T}"/> whose capacity and
/// full mode come from <see cref="PipelineOptions"/>, read in batches by one consumer that hands each batch
/// to the sinks in order. Every sample is accounted for: accepted = delivered + dropped + still queued.
/// </summary>
public sealed class SamplePipeline : ISampleWriter
{
    private readonly Channel<Sample> _channel;
    private readonly ISampleSink[] _sinks;
    private readonly Sample[] _batch;
    private readonly PipelineOptions _options;
    private long _accepted;
    private long _dropped;
    private long _delivered;

    public SamplePipeline(PipelineOptions options, IEnumerable<ISampleSink> sinks)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sinks);
        _options = options;
        _sinks = sinks.ToArray();
        _batch = new Sample[options.BatchSize];
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            FullMode = options.FullMode,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<Sample>(channelOptions, OnDropped);
    }

    /// <summary>Samples the queue took in.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Samples evicted by the DropOldest/DropNewest policy.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Samples handed to every sink.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Samples waiting in the queue now.</summary>
    public int Depth => _channel.Reader.CanCount ? _channel.Reader.Count : -1;

    public int Capacity => _options.Capacity;

    public IReadOnlyList<ISampleSink> Sinks => _sinks;

    public bool TryWrite(in Sample sample)
    {
        if (_channel.Writer.TryWrite(sample))
        {
            Interlocked.Increment(ref _accepted);
            return true;
        }
        // the caller decides: wait (WriteAsync) or count the refusal as its own loss
        return false;
    }

    public async ValueTask WriteAsync(Sample sample, CancellationToken cancellationToken)
    {
        // the fast path avoids the async state machine when there is room
        while (!_channel.Writer.TryWrite(sample))
        {
            if (!await _channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
                throw new ChannelClosedException("The pipeline has been completed; no more samples are accepted.");
        }
        Interlocked.Increment(ref _accepted);
    }

    /// <summary>No more samples will be written; <see cref="RunAsync"/> drains what is queued and returns.</summary>
    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);

    /// <summary>
    /// Moves batches from the queue to the sinks until the pipeline is completed and drained.
    /// Cancellation aborts a drain (used only when shutdown must not wait any longer); the normal
    /// way to stop is <see cref="Complete"/>, so that queued samples still reach the sinks.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            int n = 0;
            while (n < _batch.Length && reader.TryRead(out var sample))
                _batch[n++] = sample;
            if (n == 0) continue;
            var batch = new ReadOnlyMemory<Sample>(_batch, 0, n);
            foreach (var sink in _sinks)
                await sink.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _delivered, n);
            if (reader.CanCount && reader.Count == 0)
            {
                foreach (var sink in _sinks)
                    await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var sink in _sinks)
            await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnDropped(Sample sample) => Interlocked.Increment(ref _dropped);
}
