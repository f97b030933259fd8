using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Stage;

namespace SmartFactoryEdge.Gateway.Anomaly;

/// <summary>
/// Where the anomaly stage's checkpoint lives (`anomaly.checkpoint` beside the outbox). <see cref="LoadOrCreate"/> restores
/// the detectors at start when the file was written for the same anomaly configuration (fingerprint), else starts fresh
/// and says why; <see cref="Write"/> replaces the file atomically (temporary file, fsync, rename).
/// </summary>
public sealed class AnomalyCheckpointFile(string path, TimeSpan interval)
{
    public string Path { get; } = path;

    /// <summary>How often the consumer writes a checkpoint while samples flow (and once more at shutdown).</summary>
    public TimeSpan Interval { get; } = interval;

    /// <summary>The default location for a configuration: beside its outbox.</summary>
    public static string DefaultPath(Configuration.GatewayConfig config) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(config.ResolvedOutbox().Path)!, "anomaly.checkpoint");

    public AnomalyStage LoadOrCreate(AnomalyOptions options, ILogger logger)
    {
        if (!File.Exists(Path)) return new AnomalyStage(options);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CheckpointLog.NotRestored(logger, Path, e.Message);
            return new AnomalyStage(options);
        }
        var stage = AnomalyStage.TryRestore(options, bytes, out var reason);
        if (stage is null)
        {
            CheckpointLog.NotRestored(logger, Path, reason!);
            return new AnomalyStage(options);
        }
        CheckpointLog.Restored(logger, Path, bytes.Length);
        return stage;
    }

    public void Write(ReadOnlySpan<byte> state, ILogger logger)
    {
        try
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var tmp = Path + ".tmp";
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                f.Write(state);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CheckpointLog.WriteFailed(logger, Path, e.Message);
        }
    }
}

internal static partial class CheckpointLog
{
    [LoggerMessage(EventId = 1530, Level = LogLevel.Information, Message = "Anomaly detectors restored from {Path} ({Bytes} bytes)")]
    public static partial void Restored(ILogger logger, string path, int bytes);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Warning, Message = "Anomaly checkpoint {Path} not restored, detectors start fresh: {Reason}")]
    public static partial void NotRestored(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1532, Level = LogLevel.Warning, Message = "Anomaly checkpoint {Path} not written: {Reason}")]
    public static partial void WriteFailed(ILogger logger, string path, string reason);
}
