using System.Collections.Concurrent;
using SmartFactoryEdge.Mqtt.Client;

namespace SmartFactoryEdge.Mqtt.Tests.Client;

public class WriterSignalTests
{
    /// <summary>
    /// The send loop's protocol: announce the wait, look at the queue once more, then wait. Producers queue first and
    /// wake second, from many threads, some inline: the consumer must see every item and never sleep with work queued.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoWakeUpIsLostBetweenManyProducersAndTheWaitingLoop(bool inline)
    {
        const int producers = 4, rounds = 300, each = 50;
        var signal = new WriterSignal();
        var queue = new ConcurrentQueue<int>();
        var taken = 0;
        var waits = 0;
        var consumer = Task.Run(async () =>
        {
            while (true)
            {
                while (queue.TryDequeue(out _)) Interlocked.Increment(ref taken);
                if (Volatile.Read(ref taken) == producers * rounds * each) return;
                signal.PrepareWait();
                if (!queue.IsEmpty && signal.TryCancelWait()) continue;
                waits++;
                await signal.WaitAsync();
            }
        });
        // rounds: all producers queue and wake at once, then the consumer drains and goes back to waiting
        for (int round = 0; round < rounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(() =>
            {
                for (int i = 0; i < each; i++)
                {
                    queue.Enqueue(i);
                    signal.Wake(inline && (i + p) % 2 == 0);
                }
            })));
            var expected = (round + 1) * producers * each;
            // a lost wake-up leaves the consumer asleep with items queued: this then times out
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref taken) == expected, TimeSpan.FromSeconds(10)), $"round {round}: {Volatile.Read(ref taken)} of {expected} taken");
        }
        await consumer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(queue.IsEmpty);
        Assert.True(waits >= rounds / 2, $"the consumer waited only {waits} times: the test did not exercise the signal");
    }

    [Fact]
    public async Task AWakeWithNobodyWaitingIsNotRememberedAndATakenBackWaitDoesNotComplete()
    {
        var signal = new WriterSignal();
        signal.Wake(inline: false); // nobody waits: nothing happens
        signal.PrepareWait();
        Assert.True(signal.TryCancelWait()); // taken back before any waker
        signal.PrepareWait();
        var wait = signal.WaitAsync();
        Assert.False(wait.IsCompleted);
        signal.Wake(inline: true);
        Assert.True(wait.IsCompleted); // inline: completed (and its continuation run) on the waker's thread
        Assert.True(signal.ResumedInline);
        await wait;
        signal.PrepareWait();
        signal.Wake(inline: false);
        Assert.False(signal.TryCancelWait()); // a waker took it: the loop must await, and the wait completes
        await signal.WaitAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(signal.ResumedInline);
    }
}
