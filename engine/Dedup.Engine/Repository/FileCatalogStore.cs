using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Repository;

/// <summary>
/// The catalog a reader sees while a writer holds catalog.db (ADR 0008), read from the repository's immutable
/// files: snapshot records from <c>snapshots/</c>, packs from the pack directory and their block lists from their
/// trailers, the audit log from <c>audit/</c>. It holds no trees (the tree reader reads their blobs) and writes nothing. A file
/// that disappears while it is read (a forget or prune beside it) is left out as if never listed.
/// </summary>
public sealed class FileCatalogStore(SnapshotFiles snapshots, AuditFiles audit, LocalPackStore packs, IBlobSealer sealer) : ICatalogStore
{
    public IReadOnlyList<(string Id, byte[] Record)> SnapshotRecords() => Records(snapshots);

    public IReadOnlyList<(string Id, byte[] Record)> AuditRecords() => Records(audit);

    private static List<(string Id, byte[] Record)> Records(RecordFiles files)
    {
        var records = new List<(string, byte[])>();
        foreach (var id in files.List())
        {
            try { records.Add((id, files.Read(id))); }
            catch (FileNotFoundException) { } // forgotten since it was listed
        }
        return records;
    }

    public IReadOnlyList<(BlockId Pack, long Length)> Packs()
    {
        var list = new List<(BlockId, long)>();
        foreach (var pack in packs.List())
        {
            try { list.Add((pack, packs.Length(pack))); }
            catch (FileNotFoundException) { } // pruned since it was listed
        }
        return list;
    }

    public IReadOnlyList<(BlockId Pack, byte[] Entries)> PackEntries() => PackEntries(packs.List()).ToList();

    /// <summary>Each pack's trailer, sealed as the catalog stores it. A pack whose trailer cannot be read (pruned since,
    /// or damaged) is left out: its blocks are then not found, which is what a reader reports.</summary>
    public IEnumerable<(BlockId Pack, byte[] Entries)> PackEntries(IEnumerable<BlockId> wanted)
    {
        foreach (var pack in wanted)
        {
            List<PackEntry> entries;
            try { entries = packs.ReadEntries(pack, sealer); }
            catch (Exception e) when (e is CorruptDataException or IOException) { continue; }
            // Sealed as the catalog stores it (Catalog.AddPack): the catalog opens every store's records alike.
            yield return (pack, sealer.SealRecord(pack.ToArray(), PackFormat.EncodeEntries(entries)));
        }
    }

    /// <summary>No pack state: the block index compares its runs with the pack directory instead.</summary>
    public (string Instance, long Generation)? PackState() => null;

    public bool HasTree(BlockId id) => false;
    public byte[]? LoadTree(BlockId id) => null;
    public IEnumerable<(BlockId Id, byte[] Data)> TreeRecords() => [];

    public void CommitSnapshot(string id, byte[] record, IReadOnlyDictionary<BlockId, byte[]> newTrees) => throw ReadOnly();
    public void AddTrees(IReadOnlyDictionary<BlockId, byte[]> trees) => throw ReadOnly();
    public void AddPack(BlockId pack, long length, byte[] entries) => throw ReadOnly();
    public void AppendAudit(string id, byte[] record) => throw ReadOnly();
    public void Remove(IReadOnlyCollection<string> snapshots, IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs) => throw ReadOnly();

    private static InvalidOperationException ReadOnly() => new("a reader beside a writer writes nothing to the catalog");

    public void Dispose() { }
}
