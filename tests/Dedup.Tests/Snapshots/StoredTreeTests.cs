using System.Buffers.Binary;
using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Tests.Snapshots;

public class StoredTreeTests
{
    [Fact]
    public void A_compressed_tree_round_trips()
    {
        var tree = TreeCodec.Encode(new Tree([]));
        var big = Enumerable.Repeat(tree, 2000).SelectMany(b => b).ToArray();
        Assert.Equal(big, StoredTree.Decompress(StoredTree.Compress(big), default));
    }

    /// <summary>Found by fuzzing: a few damaged bytes declared a 168 MiB tree, allocated before anything was decoded.
    /// A size no zstd frame of that length can decode to is refused first.</summary>
    [Theory]
    [InlineData(168 * 1024 * 1024)]
    [InlineData(40 * 1024 * 1024)]
    public void A_declared_size_the_frame_cannot_hold_is_refused_without_allocating_it(int declared)
    {
        var stored = new byte[221];
        stored[0] = StoredTree.ZstdMarker;
        BinaryPrimitives.WriteUInt32LittleEndian(stored.AsSpan(1), (uint)declared);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CorruptDataException>(() => StoredTree.Decompress(stored, default));
        Assert.Contains("impossible size", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the declared size was allocated");
    }
}
