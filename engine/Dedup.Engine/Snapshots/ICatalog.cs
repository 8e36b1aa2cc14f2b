using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>
/// Where the catalog's records are kept: opaque bytes under ids. The engine seals what it stores here (see
/// <see cref="Catalog"/>), so an implementation sees no names, paths or block sizes of an encrypted repository.
/// Every method that changes it is atomic and durable when it returns.
/// </summary>
public interface ICatalogStore : IDisposable
{
    IReadOnlyList<(string Id, byte[] Record)> SnapshotRecords();

    /// <summary>Stores the trees a snapshot adds, then the snapshot record, in one transaction.</summary>
    void CommitSnapshot(string id, byte[] record, IReadOnlyDictionary<BlockId, byte[]> newTrees);

    bool HasTree(BlockId id);

    /// <summary>Stores trees without a snapshot (the mirror's import: trees arrive before the snapshots that name them).</summary>
    void AddTrees(IReadOnlyDictionary<BlockId, byte[]> trees);

    IEnumerable<(BlockId Id, byte[] Data)> TreeRecords();

    /// <summary>A tree's stored bytes, or null when it is not in the catalog.</summary>
    byte[]? LoadTree(BlockId id);

    /// <summary>Records a pack that is already durable in the pack store, with its (sealed) block list.</summary>
    void AddPack(BlockId pack, long length, byte[] entries);

    IReadOnlyList<(BlockId Pack, long Length)> Packs();

    /// <summary>Appends one audit record (what the plan did: backup, push, check, drill, prune), durably.</summary>
    void AppendAudit(string id, byte[] record);

    IReadOnlyList<(string Id, byte[] Record)> AuditRecords();

    /// <summary>Removes snapshot records, trees and pack records in one transaction (forget and prune).</summary>
    void Remove(IReadOnlyCollection<string> snapshots, IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs);

    IReadOnlyList<(BlockId Pack, byte[] Entries)> PackEntries();

    /// <summary>The block lists of these packs (those the catalog has), one at a time.</summary>
    IEnumerable<(BlockId Pack, byte[] Entries)> PackEntries(IEnumerable<BlockId> packs);

    /// <summary>Changes whenever a pack is added or removed (and differs between two catalogs); null when no pack was
    /// ever recorded by a catalog that keeps it. The block index compares it with what it was built from.</summary>
    (string Instance, long Generation)? PackState();
}
