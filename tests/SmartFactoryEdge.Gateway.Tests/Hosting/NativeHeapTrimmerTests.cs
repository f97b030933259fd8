using System.Runtime.InteropServices;
using SmartFactoryEdge.Gateway.Hosting;

namespace SmartFactoryEdge.Gateway.Tests.Hosting;

public class NativeHeapTrimmerTests
{
    [Fact]
    public unsafe void FreedBlocksInTheMiddleOfTheCHeapGoBackToTheOs()
    {
        var glibc = OperatingSystem.IsLinux() && !RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);
        if (!glibc)
        {
            Assert.False(NativeHeapTrimmer.TrimNow()); // no malloc_trim here: the trimmer says so and does nothing
            return;
        }
        // 64 MB in 16 KB blocks (below glibc's mmap threshold, so they come from the heap), each followed by a small
        // block that stays, so that freeing the big ones leaves holes glibc does not give back by itself
        const int Blocks = 4096, Size = 16 * 1024;
        var big = new nint[Blocks];
        var keep = new nint[Blocks];
        for (int i = 0; i < Blocks; i++)
        {
            big[i] = (nint)NativeMemory.Alloc(Size);
            new Span<byte>((void*)big[i], Size).Fill(0x5A); // resident
            keep[i] = (nint)NativeMemory.Alloc(64);
        }
        try
        {
            foreach (var p in big) NativeMemory.Free((void*)p);
            var before = ProcessMemory.ResidentBytes();
            Assert.True(NativeHeapTrimmer.TrimNow());
            var after = ProcessMemory.ResidentBytes();
            var released = before - after;
            Assert.True(released > 32L * 1024 * 1024, $"malloc_trim gave back {released / 1024} KB of the 65536 KB freed");
        }
        finally
        {
            foreach (var p in keep) NativeMemory.Free((void*)p);
        }
    }
}
