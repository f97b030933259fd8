using System.Text.RegularExpressions;
using SmartFactoryEdge.Storage.Codec;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Storage.Tests.Support;
using SmartFactoryEdge.TestKit.Infrastructure;

namespace SmartFactoryEdge.Storage.Tests.Outbox;

/// <summary>
/// kill -9 durability with a real process: a child (this test assembly's <c>outbox-writer</c> verb) appends numbered samples
/// and prints "committed N" after each commit; it is SIGKILLed mid-stream, and the reopened outbox must hold every sample
/// the child reported as committed, without holes, with sequence numbers that never repeat across kills.
/// </summary>
public class SqliteOutboxKillTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("normal")]
    [InlineData("full")]
    public async Task KilledWriterLosesNoCommittedBatch(string mode)
    {
        var path = _dir.File();
        long reported = 0;
        for (int round = 1; round <= 2; round++)
        {
            await using (var child = StartWriter(path, mode))
            {
                await child.WaitForLineAsync("^ready$", Guard);
                // let it commit at least 5000 more samples, then kill it without warning
                // (the child writes batches of 250 and starts at the count it finds, so this exact line is printed)
                long target = reported + 5000;
                await child.WaitForLineAsync($"^committed {target} ", Guard);
                child.Signal(9);
                Assert.Equal(137 - 128, await ExitSignal(child));
                reported = Regex.Matches(child.Output, @"^committed (\d+) ", RegexOptions.Multiline).Max(m => long.Parse(m.Groups[1].Value));
            }

            using var outbox = SqliteOutbox.Open(TestData.Options(path), "gw-kill");
            Assert.Null(outbox.MovedAsideFile);
            var records = outbox.TakePending(1_000_000);
            var ids = records.SelectMany(r => TestData.Ids(SampleBatchCodec.Decode(r.Payload.Span))).ToArray();
            Assert.True(reported >= 5000 * round);
            Assert.True(ids.Length >= reported, $"round {round}: the child reported {reported} samples committed, the outbox has {ids.Length}");
            Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => (long)i), ids);
            for (int i = 1; i < records.Count; i++) Assert.Equal(records[i - 1].Sequence + 1, records[i].Sequence);
            reported = ids.Length;
        }
    }

    private static PeerProcess StartWriter(string path, string mode)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var assembly = typeof(Support.Program).Assembly.Location;
        return PeerProcess.Start(dotnet, ["exec", assembly, "outbox-writer", path, mode], name: "outbox-writer");
    }

    private static async Task<int> ExitSignal(PeerProcess child)
    {
        var code = await child.WaitForExitAsync(Guard);
        // .NET reports a process killed by signal N as exit code 128 + N
        return code - 128;
    }
}
