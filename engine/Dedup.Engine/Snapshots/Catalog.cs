using System.Text;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;

namespace Dedup.Snapshots;

/// <summary>
/// The catalog as the engine uses it: snapshots, the per-pack block lists, the audit log, and trees, sealed with the
/// repository's sealer before they reach the <see cref="ICatalogStore"/> (each bound to its id, so a record cannot be
/// moved under another). In a plaintext repository the sealer is the identity. A format-2 backup stores its trees
/// once, as blobs in packs (ADR 0009): the catalog holds only the trees of format-1 repositories, of format-2 ones
/// written before that, and those imported from a mirror (whose packs may not be local). With
/// <paramref name="compressTrees"/> (format 2) a tree is stored as a codec byte and its zstd frame or raw bytes, then sealed.
/// With <paramref name="trailers"/> (format 2, ADR 0010) the record of a pack written here keeps only its length: its
/// block list is read from the pack's own trailer, so the catalog no longer holds a third copy of every index entry.
/// Records imported from a mirror keep their lists (those packs may be only in the bucket).
/// </summary>
public sealed class Catalog(ICatalogStore store, IBlobSealer sealer, bool compressTrees = false,
    Func<BlockId, IReadOnlyList<PackEntry>>? trailers = null) : Indexing.IIndexSource, IDisposable
{
    /// <summary>Every snapshot, each record opened and its id checked against the key it is stored under (in a
    /// plaintext repository nothing else would notice a damaged id).</summary>
    public IReadOnlyList<Snapshot> Snapshots() =>
        store.SnapshotRecords().Select(r => OpenSnapshot(r.Id, r.Record))
            .OrderBy(s => s.Time).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();

    public void CommitSnapshot(Snapshot snapshot) => store.CommitSnapshot(snapshot.Id, SealSnapshot(snapshot), NoTrees);

    private static readonly IReadOnlyDictionary<BlockId, byte[]> NoTrees = new Dictionary<BlockId, byte[]>();

    /// <summary>A snapshot record as stored (in the catalog and, format 2, as its file).</summary>
    public byte[] SealSnapshot(Snapshot snapshot) => Seal(Encoding.UTF8.GetBytes(snapshot.Id), SnapshotCodec.Encode(snapshot));

    /// <summary>Authenticates and decodes a stored snapshot record; its id must be <paramref name="id"/>.</summary>
    public Snapshot OpenSnapshot(string id, byte[] stored)
    {
        var snapshot = SnapshotCodec.Decode(Open(Encoding.UTF8.GetBytes(id), stored, $"snapshot {id[..Math.Min(8, id.Length)]}"));
        if (snapshot.Id != id) throw new CorruptDataException($"snapshot {id[..Math.Min(8, id.Length)]} is damaged (id mismatch)");
        return snapshot;
    }

    /// <summary>Adds a snapshot whose record was authenticated by <see cref="OpenSnapshot"/>.</summary>
    public void AddSnapshot(string id, byte[] stored) => store.CommitSnapshot(id, stored, NoTrees);

    public IReadOnlyList<string> SnapshotIds() => store.SnapshotRecords().Select(r => r.Id).ToList();

    /// <summary>Snapshot records sealed as stored (what a format-2 snapshot file holds).</summary>
    public IReadOnlyList<(string Id, byte[] Sealed)> StoredSnapshots() => store.SnapshotRecords();

    /// <summary>A tree as a catalog record (what the mirror's segments carry): the catalog's own if it has the tree,
    /// else <paramref name="blob"/>'s bytes sealed as the catalog would store them.</summary>
    public CatalogRecord TreeRecord(BlockId id, Func<byte[]> blob) => new(CatalogRecordKind.Tree, id.ToArray(), 0,
        store.LoadTree(id) ?? Seal(id.ToArray(), compressTrees ? StoredTree.Compress(blob()) : blob()));

    public bool HasTree(BlockId id) => store.HasTree(id);

    public byte[]? LoadTree(BlockId id)
    {
        if (store.LoadTree(id) is not { } stored) return null;
        return StoredTree.Decompress(Open(id.ToArray(), stored, $"tree {id.ToShortString()}"), id);
    }

    /// <summary>Records a local pack whose trailer lists <paramref name="entries"/>: as its length alone when the
    /// catalog reads trailers, else with the list sealed.</summary>
    public void AddPack(BlockId pack, long length, IReadOnlyList<PackEntry> entries) =>
        store.AddPack(pack, length, trailers is null ? SealEntries(pack, entries) : InTrailer);

    /// <summary>The stored form of a pack's block list that says "read the pack's trailer". A sealed list is never
    /// empty; a plaintext one only for a pack without blocks, whose trailer lists none either.</summary>
    private static readonly byte[] InTrailer = [];

    private byte[] SealEntries(BlockId pack, IReadOnlyList<PackEntry> entries) => Seal(pack.ToArray(), PackFormat.EncodeEntries(entries));

    /// <summary>The block list of a pack whose record keeps none, from its trailer; damage when that cannot be read.</summary>
    private IReadOnlyList<PackEntry> Trailer(BlockId pack)
    {
        if (trailers is null) throw new CorruptDataException($"catalog record of pack {pack.ToShortString()} has no block list");
        try { return trailers(pack); }
        catch (IOException e) { throw new CorruptDataException($"pack {pack.ToShortString()}: its trailer cannot be read ({e.Message})", e); }
    }

    public IReadOnlyList<(BlockId Pack, long Length)> Packs() => store.Packs();

    /// <summary>An audit record as stored (in the catalog and, format 2, as its file), under a new id that sorts by time.</summary>
    public (string Id, byte[] Sealed) SealAudit(AuditRecord record)
    {
        string id = $"{record.Time.UtcTicks:D19}-{Guid.NewGuid():N}";
        return (id, Seal(Encoding.UTF8.GetBytes(id), AuditRecord.Encode(record)));
    }

    /// <summary>Appends an audit record sealed by <see cref="SealAudit"/> (or authenticated by <see cref="OpenAudit"/>).</summary>
    public void AddAudit(string id, byte[] stored) => store.AppendAudit(id, stored);

    public AuditRecord OpenAudit(string id, byte[] stored) => AuditRecord.Decode(Open(Encoding.UTF8.GetBytes(id), stored, "audit record"));

    /// <summary>Audit records sealed as stored (what a format-2 audit file holds).</summary>
    public IReadOnlyList<(string Id, byte[] Sealed)> StoredAudit() => store.AuditRecords();

    /// <summary>The audit log, oldest first.</summary>
    public IReadOnlyList<AuditRecord> Audit() =>
        store.AuditRecords().OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => OpenAudit(r.Id, r.Record)).ToList();

    public IEnumerable<BlockId> TreeIds() => store.TreeRecords().Select(t => t.Id);

    public void Remove(IReadOnlyCollection<string> snapshots, IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs) =>
        store.Remove(snapshots, trees, packs);

    public Indexing.PackState? PackState() => store.PackState() is { } s ? new Indexing.PackState(s.Instance, s.Generation) : null;

    public IReadOnlyList<BlockId> PackIds() => store.Packs().Select(p => p.Pack).ToList();

    /// <summary>Every indexed block with its location (of the given packs only, when <paramref name="packs"/> is set);
    /// a block in two packs (possible only after a crash) appears twice.</summary>
    /// <exception cref="CorruptDataException">a pack's list is damaged, or kept only in a trailer that is missing or damaged</exception>
    public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks(IEnumerable<BlockId>? packs = null) => Blocks(packs, skipUnreadable: false);

    /// <summary>For the block index, a cache: a pack whose list cannot be read is left out (its blocks are then not
    /// found, which is what a restore or check reports, and a backup stores them again).</summary>
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> Indexing.IIndexSource.Blocks(IEnumerable<BlockId>? packs) => Blocks(packs, skipUnreadable: true);

    private IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks(IEnumerable<BlockId>? packs, bool skipUnreadable)
    {
        foreach (var (pack, sealedEntries) in packs is null ? store.PackEntries() : store.PackEntries(packs))
        {
            if (sealedEntries.Length == 0)
            {
                IReadOnlyList<PackEntry> trailer;
                try { trailer = Trailer(pack); }
                catch (CorruptDataException) when (skipUnreadable) { continue; }
                foreach (var e in trailer)
                    yield return new(e.Block, new BlockLocation(pack, e.Offset, e.StoredLength, e.RawLength, e.Codec));
                continue;
            }
            foreach (var entry in Listed(pack, sealedEntries)) yield return entry;
        }
    }

    /// <summary>The block list the catalog itself keeps for <paramref name="pack"/>; null when it keeps none (the
    /// pack's trailer is the list) or has no such pack.</summary>
    public List<KeyValuePair<BlockId, BlockLocation>>? OwnList(BlockId pack)
    {
        foreach (var (id, sealedEntries) in store.PackEntries([pack]))
            return sealedEntries.Length == 0 ? null : Listed(id, sealedEntries).ToList();
        return null;
    }

    private IEnumerable<KeyValuePair<BlockId, BlockLocation>> Listed(BlockId pack, byte[] sealedEntries)
    {
        var entries = Open(pack.ToArray(), sealedEntries, $"index of pack {pack.ToShortString()}");
        if (entries.Length % PackFormat.EntrySize != 0) throw new CorruptDataException($"catalog index of pack {pack.ToShortString()} is damaged");
        for (int i = 0; i < entries.Length; i += PackFormat.EntrySize)
        {
            var e = PackFormat.ReadEntry(entries.AsSpan(i, PackFormat.EntrySize));
            yield return new(e.Block, new BlockLocation(pack, e.Offset, e.StoredLength, e.RawLength, e.Codec));
        }
    }

    /// <summary>The pack and snapshot records, sealed as stored: what the mirror uploads, with the trees of those
    /// snapshots (<see cref="TreeRecord"/>).</summary>
    public IEnumerable<CatalogRecord> ExportRecords()
    {
        foreach (var record in ExportPackRecords()) yield return record;
        foreach (var (id, record) in store.SnapshotRecords())
            yield return new CatalogRecord(CatalogRecordKind.Snapshot, Encoding.UTF8.GetBytes(id), 0, record);
    }

    /// <summary>The per-pack block lists alone, sealed as stored; a list kept only in a pack's trailer is read from it
    /// and sealed as the catalog would store it (the mirror's segments carry every list).</summary>
    public IEnumerable<CatalogRecord> ExportPackRecords()
    {
        var lengths = store.Packs().ToDictionary(p => p.Pack, p => p.Length);
        foreach (var (pack, entries) in store.PackEntries())
            yield return new CatalogRecord(CatalogRecordKind.Pack, pack.ToArray(), lengths.GetValueOrDefault(pack),
                entries.Length == 0 ? SealEntries(pack, Trailer(pack)) : entries);
    }

    /// <summary>The audit log, sealed as stored: what the mirror uploads beside the catalog.</summary>
    public IEnumerable<CatalogRecord> ExportAuditRecords() =>
        store.AuditRecords().Select(r => new CatalogRecord(CatalogRecordKind.Audit, Encoding.UTF8.GetBytes(r.Id), 0, r.Record));

    /// <summary>Adds audit records from the mirror that this log lacks, each authenticated and decoded first; the
    /// ids travel with them, so the log keeps its order. Returns how many were added.</summary>
    public int ImportAudit(IEnumerable<CatalogRecord> records)
    {
        var have = store.AuditRecords().Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        int added = 0;
        foreach (var record in records.Where(r => r.Kind == CatalogRecordKind.Audit))
        {
            string id = Encoding.UTF8.GetString(record.Id);
            if (!have.Add(id)) continue;
            OpenAudit(id, record.Sealed);
            store.AppendAudit(id, record.Sealed);
            added++;
        }
        return added;
    }

    /// <summary>Adds records from another copy of this repository's catalog (the mirror's). Each is authenticated
    /// and decoded before anything is stored; records already present are skipped. Trees go in before the
    /// snapshots that name them. Returns how many records were added.</summary>
    public int ImportRecords(IEnumerable<CatalogRecord> records, ContentHasher hasher)
    {
        var packs = store.Packs().Select(p => p.Pack).ToHashSet();
        var snapshots = store.SnapshotRecords().Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var trees = new Dictionary<BlockId, byte[]>();
        var newSnapshots = new List<(string Id, byte[] Record)>();
        int added = 0;
        foreach (var record in records)
        {
            switch (record.Kind)
            {
                case CatalogRecordKind.Pack:
                    var pack = BlockId.Read(record.Id);
                    if (!packs.Add(pack)) continue;
                    var entries = Open(record.Id, record.Sealed, $"index of pack {pack.ToShortString()}");
                    if (entries.Length % PackFormat.EntrySize != 0 || record.PackLength <= 0)
                        throw new CorruptDataException($"catalog index of pack {pack.ToShortString()} is damaged");
                    store.AddPack(pack, record.PackLength, record.Sealed);
                    added++;
                    break;
                case CatalogRecordKind.Tree:
                    var tree = BlockId.Read(record.Id);
                    if (trees.ContainsKey(tree) || store.HasTree(tree)) continue;
                    var opened = Open(record.Id, record.Sealed, $"tree {tree.ToShortString()}");
                    var bytes = StoredTree.Decompress(opened, tree);
                    if (hasher.Hash(bytes) != tree) throw new CorruptDataException($"tree {tree.ToShortString()} is damaged (content hash mismatch)");
                    TreeCodec.Decode(bytes);
                    trees[tree] = record.Sealed;
                    break;
                case CatalogRecordKind.Snapshot:
                    string id = Encoding.UTF8.GetString(record.Id);
                    if (!snapshots.Add(id)) continue;
                    if (SnapshotCodec.Decode(Open(record.Id, record.Sealed, $"snapshot {id[..Math.Min(8, id.Length)]}")).Id != id)
                        throw new CorruptDataException($"catalog snapshot {id[..Math.Min(8, id.Length)]} is damaged (id mismatch)");
                    newSnapshots.Add((id, record.Sealed));
                    break;
                case CatalogRecordKind.Audit:
                    added += ImportAudit([record]);
                    break;
                default:
                    throw new CorruptDataException($"catalog record of unknown kind {(int)record.Kind}");
            }
        }
        if (trees.Count > 0) store.AddTrees(trees);
        foreach (var (id, sealedRecord) in newSnapshots) store.CommitSnapshot(id, sealedRecord, new Dictionary<BlockId, byte[]>());
        return added + trees.Count + newSnapshots.Count;
    }

    private byte[] Seal(byte[] associatedData, byte[] plaintext) => sealer.SealRecord(associatedData, plaintext);

    private byte[] Open(byte[] associatedData, byte[] stored, string what)
    {
        if (sealer.Overhead == 0) return stored;
        var plain = new byte[stored.Length];
        try
        {
            int n = sealer.Open(associatedData, stored, plain);
            return plain[..n];
        }
        catch (CorruptDataException e) { throw new CorruptDataException($"catalog {what} is damaged ({e.Message})", e); }
    }

    public void Dispose() => store.Dispose();
}
