using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Samples;

namespace SmartFactoryEdge.Gateway.Sinks;

/// <summary>
/// Writes samples as JSON lines into size-rotated files. A line is only ever written whole into one file, and a
/// rotated file is flushed and closed before the next one opens, so a crash loses at most the unflushed tail.
/// </summary>
public sealed class JsonLinesFileSink : ISampleSink, IAsyncDisposable
{
    private readonly FileSinkOptions _options;
    private readonly string _folder;
    private readonly TimeProvider _time;
    private readonly ILogger<JsonLinesFileSink> _logger;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private FileStream? _file;
    private int _fileCounter;
    private long _written;

    public JsonLinesFileSink(FileSinkOptions options, string folder, TimeProvider time, ILogger<JsonLinesFileSink> logger)
    {
        _options = options;
        _folder = folder;
        _time = time;
        _logger = logger;
        _json = new Utf8JsonWriter(_buffer, SampleJson.WriterOptions);
        Directory.CreateDirectory(folder);
    }

    public string Name => "file:" + _folder;

    /// <summary>Samples written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    public string? CurrentFile => _file?.Name;

    public async ValueTask WriteAsync(ReadOnlyMemory<Sample> batch, CancellationToken cancellationToken)
    {
        for (int i = 0; i < batch.Length; i++)
        {
            _json.Reset(_buffer);
            SampleJson.Write(_json, batch.Span[i]);
            _json.Flush();
            _buffer.Write("\n"u8);
            // keep memory bounded per batch: hand large buffers to the file as we go
            if (_buffer.WrittenCount >= 256 * 1024)
                await WriteBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        await WriteBufferAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _written, batch.Length);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_file is null) return;
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_options.FsyncOnFlush) _file.Flush(flushToDisk: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.FlushAsync().ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
        }
        await _json.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask WriteBufferAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount == 0) return;
        if (_file is null || _file.Length >= _options.MaxFileBytes)
            await RotateAsync(cancellationToken).ConfigureAwait(false);
        await _file!.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _buffer.ResetWrittenCount();
    }

    private async ValueTask RotateAsync(CancellationToken cancellationToken)
    {
        if (_file is not null)
        {
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var path = Path.Combine(_folder, $"{_options.Prefix}-{stamp}-{_fileCounter++:D5}.jsonl");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        FileSinkLog.Opened(_logger, path);
        if (_options.MaxFiles > 0) PruneOldFiles();
    }

    private void PruneOldFiles()
    {
        var files = Directory.GetFiles(_folder, _options.Prefix + "-*.jsonl");
        Array.Sort(files, StringComparer.Ordinal);
        for (int i = 0; i < files.Length - _options.MaxFiles; i++)
        {
            File.Delete(files[i]);
            FileSinkLog.Pruned(_logger, files[i], _options.MaxFiles);
        }
    }
}

internal static partial class FileSinkLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "File sink writing to {Path}")]
    public static partial void Opened(ILogger logger, string path);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "File sink deleted {Path} to keep at most {MaxFiles} files (sinks.file.maxFiles)")]
    public static partial void Pruned(ILogger logger, string path, int maxFiles);
}
