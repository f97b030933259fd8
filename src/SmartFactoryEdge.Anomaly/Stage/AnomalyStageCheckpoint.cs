using System.Globalization;
using System.Text;
using SmartFactoryEdge.Anomaly.Configuration;
using SmartFactoryEdge.Anomaly.Internal;

namespace SmartFactoryEdge.Anomaly.Stage;

/// <summary>
/// Checkpoints of the whole stage: every detector's state, its alarm state and the partly filled asset rows, bound to the
/// configuration. Version 1 (before alarms had states) is still read: its alarms start normal.
/// </summary>
public sealed partial class AnomalyStage
{
    private const string CheckpointKind = "sfe-anomaly-stage";
    private const int CheckpointVersion = 2;

    /// <summary>
    /// A 128-bit hash (<see cref="StableHash"/>) of a canonical text of the options (tags, assets, detector kinds, names,
    /// parameters, model versions): a checkpoint is restored only into a stage built from the same configuration.
    /// (Checkpoints written with the earlier SHA-256 fingerprint no longer match: detectors start fresh once, logged.)
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
        return StableHash.Hex128(sb.ToString());
    }

    /// <summary>The stage's complete state. Not thread-safe: call it on the consumer, or while it is idle.</summary>
    public byte[] SaveCheckpoint()
    {
        var w = new StateWriter();
        SaveCheckpoint(w);
        return w.ToArray();
    }

    /// <summary>
    /// Appends the stage's complete state to <paramref name="w"/>. The fingerprint and the tag order are worked out once
    /// per stage (the options and the tag set do not change): at 10k tags each checkpoint otherwise re-built a 1 MB
    /// description, hashed it and sorted the tags.
    /// </summary>
    public void SaveCheckpoint(StateWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        _fingerprint ??= Fingerprint(Options);
        _checkpointOrder ??= [.. _byTag.Keys.Order(StringComparer.Ordinal)];
        w.WriteHeader(CheckpointKind, CheckpointVersion);
        w.WriteString(_fingerprint);
        w.WriteInt32(_byTag.Count);
        foreach (var tag in _checkpointOrder)
        {
            var t = _byTag[tag];
            w.WriteString(tag);
            w.WriteInt32(t.Detectors.Length);
            foreach (var slot in t.Detectors)
            {
                slot.Detector.WriteState(w);
                WriteAlarm(w, slot.Alarm);
            }
        }
        w.WriteInt32(_assets.Count);
        foreach (var a in _assets)
        {
            w.WriteString(a.Options.Asset);
            w.WriteDoubles(a.Row);
            w.WriteInt32(a.Fresh.Length);
            foreach (var f in a.Fresh) w.WriteDouble(f ? 1.0 : 0.0);
            w.WriteInt64(a.Timestamp.Ticks);
            w.WriteInt32(a.Detectors.Count);
            foreach (var slot in a.Detectors)
            {
                slot.Detector.WriteState(w);
                WriteAlarm(w, slot.Alarm);
            }
        }
    }

    private string? _fingerprint;
    private string[]? _checkpointOrder;

    private static void WriteAlarm(StateWriter w, in AlarmState alarm)
    {
        w.WriteBool(alarm.Active);
        w.WriteInt32(alarm.NormalRun);
    }

    private static void ReadAlarm(ref StateReader r, ref AlarmState alarm, int version, string where)
    {
        if (version < 2) return;
        var active = r.ReadInt32();
        var run = r.ReadInt32();
        if (active is not (0 or 1) || run < 0) throw new InvalidDataException($"{where}: invalid alarm state ({active}, {run}).");
        alarm.Active = active == 1;
        alarm.NormalRun = alarm.Active ? Math.Min(run, alarm.ClearAfter - 1) : 0; // clearAfter may have been lowered since
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
            var kind = r.ReadString();
            var version = r.ReadInt32();
            if (kind != CheckpointKind || version is < 1 or > CheckpointVersion)
                throw new InvalidDataException($"Checkpoint is for '{kind}' v{version}, expected '{CheckpointKind}' v1..v{CheckpointVersion}.");
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
                if (r.ReadInt32() != t.Detectors.Length) throw new InvalidDataException($"tag '{tag}': another number of detectors.");
                foreach (var slot in t.Detectors)
                {
                    slot.Detector.ReadState(ref r);
                    ReadAlarm(ref r, ref slot.Alarm, version, $"tag '{tag}'");
                }
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
                foreach (var slot in a.Detectors)
                {
                    slot.Detector.ReadState(ref r);
                    ReadAlarm(ref r, ref slot.Alarm, version, $"asset '{name}'");
                }
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
