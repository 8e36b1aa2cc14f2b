using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>
/// The repository's database: snapshots, trees, and the block index (block → pack range).
/// Every method that changes it is atomic and durable when it returns.
/// </summary>
public interface ICatalog : IDisposable
{
    IReadOnlyList<Snapshot> Snapshots();

    /// <summary>Stores the trees the snapshot adds, then the snapshot, in one transaction.</summary>
    void CommitSnapshot(Snapshot snapshot, IReadOnlyDictionary<BlockId, byte[]> newTrees);

    bool HasTree(BlockId id);

    /// <summary>The stored bytes of a tree, or null when it is not in the catalog.</summary>
    byte[]? LoadTree(BlockId id);

    /// <summary>Indexes a pack that is already durable in the pack store.</summary>
    void AddPack(BlockId pack, long length, IReadOnlyList<PackEntry> entries);

    IReadOnlyList<(BlockId Pack, long Length)> Packs();

    /// <summary>Every indexed block; a block stored in two packs appears once (the first indexed).</summary>
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks();
}
