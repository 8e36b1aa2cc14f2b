using Dedup.Chunking;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using Dedup.Snapshots;

namespace Dedup.Repository;

// What each writer uses of a repository, and nothing more: a backup or a prune can be read (and tested) against
// its interface alone. Each is shaped by its one consumer. They live beside LocalRepository, their implementation,
// because the layers (tests/Dedup.Tests/Architecture) forbid the repository from naming its consumers' namespaces.

/// <summary>What a backup uses (Backup.BackupRunner): the snapshots to find its reference in, the index to skip
/// what is stored, the pack assembler to store the rest, and the commit.</summary>
public interface IBackupRepository
{
    IReadOnlyList<Snapshot> Snapshots();
    bool TryLocate(BlockId id, out BlockLocation location);
    ContentHasher Hasher { get; }
    ChunkerSelector CreateChunkerSelector();
    TreeReader CreateTreeReader();
    PackAssembler CreatePackAssembler(int workers);
    void CommitSnapshot(Snapshot snapshot);
}

/// <summary>What a prune uses (Maintenance.Pruner): what is live, what each pack holds, and the three steps that
/// change the repository (repack, remove records, delete pack files), in that order.</summary>
public interface IPruneRepository : IBlockLoader
{
    IReadOnlyList<Snapshot> Snapshots();
    TreeReader CreateTreeReader();
    /// <summary>Trees the catalog itself keeps (format 1, and those imported from a mirror).</summary>
    IEnumerable<BlockId> CatalogTrees();
    IReadOnlyList<(BlockId Pack, long Length)> PackLengths();
    /// <summary>Every pack's block list (a block in two packs, after a crash, appears twice).</summary>
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> PackBlocks();
    PackAssembler CreateRepacker(int workers);
    void RemovePacks(IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs);
    /// <summary>Deletes a pack file the catalog no longer lists (absent already: nothing to do).</summary>
    void DeletePackFile(BlockId pack);
}

/// <summary>What a check uses (Check.Checker): the catalog's packs and what lists their blocks, the pack files
/// themselves, the index, and the snapshots with their trees and files.</summary>
public interface ICheckRepository : IBlockLoader
{
    /// <summary>Another process writes the repository: its files are checked, <c>catalog.db</c> is not read.</summary>
    bool BesideWriter { get; }
    /// <summary>Format 2: the catalog must be rebuildable from snapshot files and tree blobs.</summary>
    bool RebuildableFromFiles { get; }
    IReadOnlyList<Snapshot> Snapshots();
    TreeReader CreateTreeReader();
    IReadOnlyList<(BlockId Pack, long Length)> PackLengths();
    /// <summary>The block list the catalog itself keeps for a pack; null when the pack's trailer is the list (ADR 0010).</summary>
    List<KeyValuePair<BlockId, BlockLocation>>? CatalogListOf(BlockId pack);
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> IndexEntries();
    /// <summary>Complete pack files no catalog record lists (left by an interrupted writer).</summary>
    IEnumerable<BlockId> UnindexedPacks();
    bool PackExists(BlockId pack);
    long PackLength(BlockId pack);
    /// <summary>A local pack's trailer, authenticated.</summary>
    List<PackEntry> ReadTrailer(BlockId pack);
    byte[] ReadPack(BlockId pack);
    /// <summary>The trailer of a whole pack held in memory (a copy read from elsewhere), authenticated.</summary>
    List<PackEntry> ParseTrailer(byte[] pack);
    /// <summary>Decodes and re-hashes every listed block of a pack held in memory (each group once); one message per damaged block.</summary>
    List<string> VerifyBlocks(byte[] bytes, BlockId pack, IReadOnlyList<PackEntry> entries);
    IReadOnlyList<string> SnapshotFileIds();
    /// <summary>The snapshot a <c>snapshots/</c> file holds, authenticated.</summary>
    Snapshot ReadSnapshotFile(string id);
}
