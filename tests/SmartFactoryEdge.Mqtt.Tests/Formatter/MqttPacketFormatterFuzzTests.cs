using System.Diagnostics;
using SmartFactoryEdge.Mqtt.Formatter;
using SmartFactoryEdge.Mqtt.Packets;
using Xunit.Abstractions;

namespace SmartFactoryEdge.Mqtt.Tests.Formatter;

/// <summary>
/// Seeded mutation fuzzing of the decoder: valid frames of every type and both versions are mutated (bit flips,
/// random bytes, insertions, deletions, truncation, splices, forged lengths) and decoded. The only acceptable outcomes are
/// a packet, "need more bytes" or <see cref="MqttProtocolViolationException"/>; anything decoded must re-encode to a
/// stable form; allocation per frame stays bounded by the frame's own size. SFE_FUZZ_ITERATIONS sets a longer run,
/// SFE_FUZZ_SEED another seed.
/// </summary>
public class MqttPacketFormatterFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedFramesNeverCrashHangOrAllocateWithoutBound()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_ITERATIONS"), out var n) ? n : 100_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SFE_FUZZ_SEED"), out var s) ? s : 20261122;
        var random = new Random(seed);
        var corpus = new List<(MqttProtocolVersion, byte[])>();
        foreach (var v in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
            foreach (var p in SamplePackets.All(v))
                corpus.Add((v, MqttPacketFormatter.Encode(p, v)));

        int decoded = 0, violations = 0, incomplete = 0;
        var writer = new System.Buffers.ArrayBufferWriter<byte>(1 << 16);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            var (version, original) = corpus[random.Next(corpus.Count)];
            var frame = Mutate(random, original, corpus);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var offset = 0;
                while (offset < frame.Length)
                {
                    if (!MqttPacketFormatter.TryDecode(frame.AsSpan(offset), version, 1 << 20, out var packet, out var used))
                    {
                        incomplete++;
                        break;
                    }
                    Assert.True(used > 0);
                    offset += used;
                    decoded++;
                    var canonical = MqttPacketFormatter.Encode(packet!, version);
                    writer.ResetWrittenCount();
                    MqttPacketFormatter.Encode(packet!, version, writer); // the one-pass PUBLISH path must agree
                    Assert.True(writer.WrittenSpan.SequenceEqual(canonical));
                    Assert.True(MqttPacketFormatter.TryDecode(canonical, version, 1 << 20, out var again, out var used2));
                    Assert.Equal(canonical.Length, used2);
                    Assert.Equal(canonical, MqttPacketFormatter.Encode(again!, version));
                }
            }
            catch (MqttProtocolViolationException e)
            {
                violations++;
                Assert.False(string.IsNullOrEmpty(e.Field));
                Assert.InRange(e.Offset, 0, frame.Length);
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i} (seed {seed}) threw {e.GetType().Name}: {e.Message}\nframe: {Convert.ToHexString(frame)}");
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64L * frame.Length + 32_768, $"iteration {i} allocated {allocated} bytes for a {frame.Length}-byte frame: {Convert.ToHexString(frame)}");
        }
        output.WriteLine($"{iterations} mutated frames (seed {seed}) in {sw.Elapsed.TotalSeconds:0.0} s: {decoded} packets decoded, {violations} protocol violations, {incomplete} incomplete");
        Assert.True(violations > iterations / 20, "the mutations should break many frames");
        Assert.True(decoded > iterations / 20, "the mutations should leave many frames valid");
    }

    private static byte[] Mutate(Random r, byte[] original, List<(MqttProtocolVersion, byte[])> corpus)
    {
        var list = new List<byte>(original);
        var count = 1 + r.Next(4);
        for (int m = 0; m < count; m++)
        {
            switch (r.Next(9))
            {
                case 0 when list.Count > 0: list[r.Next(list.Count)] ^= (byte)(1 << r.Next(8)); break;
                case 1 when list.Count > 0: list[r.Next(list.Count)] = (byte)r.Next(256); break;
                case 2: list.Insert(r.Next(list.Count + 1), (byte)r.Next(256)); break;
                case 3 when list.Count > 0: list.RemoveAt(r.Next(list.Count)); break;
                case 4 when list.Count > 1:
                    var at = r.Next(list.Count);
                    list.RemoveRange(at, r.Next(list.Count - at) + 1);
                    break;
                case 5 when list.Count > 0: list.RemoveRange(r.Next(list.Count), 1); list = list.Take(r.Next(list.Count + 1)).ToList(); break;
                case 6:
                    var other = corpus[r.Next(corpus.Count)].Item2;
                    list.AddRange(other.Take(r.Next(other.Length + 1)));
                    break;
                case 7 when list.Count > 2:
                    // forge the remaining length with 1-4 random bytes
                    var forged = new byte[1 + r.Next(4)];
                    r.NextBytes(forged);
                    list.RemoveAt(1);
                    list.InsertRange(1, forged);
                    break;
                case 8 when list.Count > 0:
                    // change the packet type nibble
                    list[0] = (byte)((r.Next(16) << 4) | (list[0] & 0x0F));
                    break;
            }
        }
        return [.. list];
    }
}
