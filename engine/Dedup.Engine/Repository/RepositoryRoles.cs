using Dedup.Chunking;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using Dedup.Snapshots;

namespace Dedup.Repository;

// What each writer uses of a repository, and nothing more: a backup or a prune can be read (and tested) against
// its interface alone. Each is shaped by its one consumer. They live beside LocalRepository, their implementation,
// because the layers (tests/Dedup.Tests/Architecture) forbid the repository from naming its consumers' namespaces.

/// <summary>What every role reads: the snapshots and their trees.</summary>
public interface ISnapshotSource
{
    IReadOnlyList<Snapshot> Snapshots();
    TreeReader CreateTreeReader();
}

/// <summary>The pack files as files: what a check reads whole and what a mirror copies.</summary>
public interface IPackFiles
{
    /// <summary>Every pack the catalog lists, with the length its record gives.</summary>
    IReadOnlyList<(BlockId Pack, long Length)> PackLengths();
    bool PackExists(BlockId pack);
    long PackLength(BlockId pack);
    byte[] ReadPack(BlockId pack);
}

/// <summary>What a backup uses (Backup.BackupRunner): the snapshots to find its reference in, the index to skip
/// what is stored, the pack assembler to store the rest, and the commit.</summary>
public interface IBackupRepository : ISnapshotSource, IBlockLocator
{
    ContentHasher Hasher { get; }
    ChunkerSelector CreateChunkerSelector();
    PackAssembler CreatePackAssembler(int workers);
    void CommitSnapshot(Snapshot snapshot);
}

/// <summary>What a prune uses (Maintenance.Pruner): what is live, what each pack holds, and the three steps that
/// change the repository (repack, remove records, delete pack files), in that order.</summary>
public interface IPruneRepository : IBlockLoader, ISnapshotSource, IPackFiles
{
    /// <summary>Trees the catalog itself keeps (format 1, and those imported from a mirror).</summary>
    IEnumerable<BlockId> CatalogTrees();
    /// <summary>Every pack's block list (a block in two packs, after a crash, appears twice).</summary>
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> PackBlocks();
    PackAssembler CreateRepacker(int workers);
    void RemovePacks(IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs);
    /// <summary>Deletes a pack file the catalog no longer lists (absent already: nothing to do).</summary>
    void DeletePackFile(BlockId pack);
}

/// <summary>What a check uses (Check.Checker): the catalog's packs and what lists their blocks, the pack files
/// themselves, the index, and the snapshots with their trees and files.</summary>
public interface ICheckRepository : IBlockLoader, ISnapshotSource, IPackFiles
{
    /// <summary>Another process writes the repository: its files are checked, <c>catalog.db</c> is not read.</summary>
    bool BesideWriter { get; }
    /// <summary>Format 2: the catalog must be rebuildable from snapshot files and tree blobs.</summary>
    bool RebuildableFromFiles { get; }
    /// <summary>The block list the catalog itself keeps for a pack; null when the pack's trailer is the list (ADR 0010).</summary>
    List<KeyValuePair<BlockId, BlockLocation>>? CatalogListOf(BlockId pack);
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> IndexEntries();
    /// <summary>Complete pack files no catalog record lists (left by an interrupted writer).</summary>
    IEnumerable<BlockId> UnindexedPacks();
    /// <summary>A local pack's trailer, authenticated.</summary>
    List<PackEntry> ReadTrailer(BlockId pack);
    /// <summary>The trailer of a whole pack held in memory (a copy read from elsewhere), authenticated.</summary>
    List<PackEntry> ParseTrailer(byte[] pack);
    /// <summary>Decodes and re-hashes every listed block of a pack held in memory (each group once); one message per damaged block.</summary>
    List<string> VerifyBlocks(byte[] bytes, BlockId pack, IReadOnlyList<PackEntry> entries);
    IReadOnlyList<string> SnapshotFileIds();
    /// <summary>The snapshot a <c>snapshots/</c> file holds, authenticated.</summary>
    Snapshot ReadSnapshotFile(string id);
}

/// <summary>What the mirror uses (Mirror.MirrorPusher and the commands beside it): the files that make a bucket this
/// repository's copy, the catalog's records as the bucket's segments carry them, the pack files, and the checks a
/// pack or block from the bucket passes before it is trusted or written here.</summary>
public interface IMirrorRepository : IBlockLoader, ISnapshotSource, IPackFiles
{
    /// <summary>The directory, for messages.</summary>
    string Root { get; }
    /// <summary>The repository's id (config.json): a bucket holding another one is refused.</summary>
    string RepositoryId { get; }
    byte[] ReadConfigFile();
    /// <summary>The key files by name (none when unencrypted).</summary>
    IReadOnlyDictionary<string, byte[]> ReadKeyFiles();
    /// <summary>Seals the bucket's catalog segments and audit records.</summary>
    IBlobSealer CatalogSealer { get; }
    IEnumerable<CatalogRecord> ExportRecords();
    IEnumerable<CatalogRecord> ExportPackRecords();
    IEnumerable<CatalogRecord> ExportAuditRecords();
    /// <summary>A tree as a catalog record: recovery from the bucket needs the trees before it has any pack.</summary>
    CatalogRecord TreeRecord(BlockId tree);
    /// <summary>Checks a whole pack held in memory: its name, its trailer, with <paramref name="verifyBlocks"/> every block.</summary>
    List<PackEntry> VerifyPack(byte[] bytes, BlockId pack, bool verifyBlocks);
    /// <summary>Opens, decodes and re-hashes one stored block (or group member) read from elsewhere.</summary>
    void VerifyBlock(ReadOnlySpan<byte> stored, BlockId id, BlockLocation location, Span<byte> destination);
    /// <summary>Writes a verified pack durably in place of the local copy; a repository that cannot take it throws
    /// <see cref="RepositoryWriteException"/>.</summary>
    void PutPack(BlockId pack, byte[] bytes);
}

/// <summary>What a check of the bucket and a repair use: the mirror's view and the local check's.</summary>
public interface IMirrorCheckRepository : IMirrorRepository, ICheckRepository;

/// <summary>What a drill and the plan's status use (Plan.Drill, Plan.PlanStatus): the snapshots, and the audit log they
/// read and add to.</summary>
public interface IAuditedRepository : ISnapshotSource
{
    /// <summary>Opened by a reader: nothing is recorded.</summary>
    bool ReadOnly { get; }
    IReadOnlyList<AuditRecord> Audit();
    void AppendAudit(AuditRecord record);
}

/// <summary>What a plan run uses (Plan.PlanRunner): every command it runs in turn, each through its own role, and
/// the retention step's forget.</summary>
public interface IPlanRepository : IBackupRepository, IPruneRepository, IMirrorCheckRepository, IAuditedRepository
{
    void ForgetSnapshots(IReadOnlyCollection<string> ids);
}
