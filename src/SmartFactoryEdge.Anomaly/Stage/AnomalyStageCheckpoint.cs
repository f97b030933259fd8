using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SmartFactoryEdge.Anomaly.Configuration;

namespace SmartFactoryEdge.Anomaly.Stage;

/// <summary>Checkpoints of the whole stage: every detector's state and the partly filled asset rows, bound to the configuration.</summary>
public sealed partial class AnomalyStage
{
    private const string CheckpointKind = "sfe-anomaly-stage";
    private const int CheckpointVersion = 1;

    /// <summary>
    /// SHA-256 over a canonical text of the options (tags, assets, detector kinds, names, parameters, model versions):
    /// a checkpoint is restored only into a stage built from the same configuration.
    /// </summary>
    public static string Fingerprint(AnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sb = new StringBuilder();
        void Detectors(IEnumerable<DetectorOptions> list)
        {
            foreach (var d in list)
            {
                sb.Append(" [").Append(d.Kind).Append('|').Append(d.Name).Append('|').Append(d.ModelVersion);
                foreach (var (k, v) in d.Parameters.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
                    sb.Append('|').Append(k.ToLowerInvariant()).Append('=').Append(v.ToString("R", CultureInfo.InvariantCulture));
                sb.Append(']');
            }
        }
        sb.Append("enabled=").Append(options.Enabled).Append('\n');
        foreach (var t in options.Tags)
        {
            sb.Append("tag ").Append(t.Tag);
            Detectors(t.Detectors);
            sb.Append('\n');
        }
        foreach (var a in options.Assets)
        {
            sb.Append("asset ").Append(a.Asset).Append(" (").Append(string.Join(",", a.Tags)).Append(')');
            Detectors(a.Detectors);
            sb.Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>The stage's complete state. Not thread-safe: call it on the consumer, or while it is idle.</summary>
    public byte[] SaveCheckpoint()
    {
        var w = new StateWriter();
        w.WriteHeader(CheckpointKind, CheckpointVersion);
        w.WriteString(Fingerprint(Options));
        w.WriteInt32(_byTag.Count);
        foreach (var (tag, t) in _byTag.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteString(tag);
            w.WriteInt32(t.Detectors.Count);
            foreach (var (_, d) in t.Detectors) d.WriteState(w);
        }
        w.WriteInt32(_assets.Count);
        foreach (var a in _assets)
        {
            w.WriteString(a.Options.Asset);
            w.WriteDoubles(a.Row);
            w.WriteDoubles(a.Fresh.Select(f => f ? 1.0 : 0.0).ToArray());
            w.WriteInt64(a.Timestamp.Ticks);
            w.WriteInt32(a.Detectors.Count);
            foreach (var (_, d) in a.Detectors) d.WriteState(w);
        }
        return w.ToArray();
    }

    /// <summary>
    /// A new stage built from <paramref name="options"/> with the state in <paramref name="checkpoint"/>, or null with the
    /// reason when the checkpoint was written for another configuration or is damaged (then start from a fresh stage).
    /// </summary>
    public static AnomalyStage? TryRestore(AnomalyOptions options, ReadOnlySpan<byte> checkpoint, out string? reason)
    {
        var stage = new AnomalyStage(options);
        try
        {
            var r = new StateReader(checkpoint);
            r.ReadHeader(CheckpointKind, CheckpointVersion);
            var fingerprint = r.ReadString();
            if (fingerprint != Fingerprint(options))
            {
                reason = "the checkpoint was written for another anomaly configuration";
                return null;
            }
            var tags = r.ReadInt32();
            if (tags != stage._byTag.Count) throw new InvalidDataException($"{tags} tags in the checkpoint, {stage._byTag.Count} configured.");
            foreach (var (tag, t) in stage._byTag.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var name = r.ReadString();
                if (name != tag) throw new InvalidDataException($"tag '{name}' in the checkpoint where '{tag}' was expected.");
                if (r.ReadInt32() != t.Detectors.Count) throw new InvalidDataException($"tag '{tag}': another number of detectors.");
                foreach (var (_, d) in t.Detectors) d.ReadState(ref r);
            }
            var assets = r.ReadInt32();
            if (assets != stage._assets.Count) throw new InvalidDataException($"{assets} assets in the checkpoint, {stage._assets.Count} configured.");
            foreach (var a in stage._assets)
            {
                var name = r.ReadString();
                if (name != a.Options.Asset) throw new InvalidDataException($"asset '{name}' in the checkpoint where '{a.Options.Asset}' was expected.");
                r.ReadDoubles(a.Row);
                var fresh = new double[a.Fresh.Length];
                r.ReadDoubles(fresh);
                for (var i = 0; i < fresh.Length; i++) a.Fresh[i] = fresh[i] != 0;
                var ticks = r.ReadInt64();
                if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new InvalidDataException($"asset '{name}': timestamp out of range.");
                a.Timestamp = new DateTime(ticks, DateTimeKind.Utc);
                if (r.ReadInt32() != a.Detectors.Count) throw new InvalidDataException($"asset '{name}': another number of detectors.");
                foreach (var (_, d) in a.Detectors) d.ReadState(ref r);
            }
            if (r.Remaining != 0) throw new InvalidDataException($"{r.Remaining} trailing bytes at offset {r.Offset}.");
            reason = null;
            return stage;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            reason = "the checkpoint is damaged: " + e.Message;
            return null;
        }
    }
}
