using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Fuzz.Targets;

/// <summary>A catalog store in dictionaries: the catalog target fuzzes the records, not a database.</summary>
internal sealed class MemoryCatalogStore : ICatalogStore
{
    private readonly Dictionary<string, byte[]> _snapshots = [];
    private readonly Dictionary<BlockId, byte[]> _trees = [];
    private readonly Dictionary<BlockId, (long Length, byte[] Entries)> _packs = [];
    private readonly List<(string Id, byte[] Record)> _audit = [];
    private long _generation;

    public IReadOnlyList<(string Id, byte[] Record)> SnapshotRecords() => _snapshots.Select(s => (s.Key, s.Value)).ToList();

    public void CommitSnapshot(string id, byte[] record, IReadOnlyDictionary<BlockId, byte[]> newTrees)
    {
        AddTrees(newTrees);
        _snapshots[id] = record;
    }

    public bool HasTree(BlockId id) => _trees.ContainsKey(id);

    public void AddTrees(IReadOnlyDictionary<BlockId, byte[]> trees)
    {
        foreach (var (id, data) in trees) _trees[id] = data;
    }

    public IEnumerable<(BlockId Id, byte[] Data)> TreeRecords() => _trees.Select(t => (t.Key, t.Value));

    public byte[]? LoadTree(BlockId id) => _trees.GetValueOrDefault(id);

    public void AddPack(BlockId pack, long length, byte[] entries)
    {
        _packs[pack] = (length, entries);
        _generation++;
    }

    public IReadOnlyList<(BlockId Pack, long Length)> Packs() => _packs.Select(p => (p.Key, p.Value.Length)).ToList();

    public void AppendAudit(string id, byte[] record) => _audit.Add((id, record));

    public IReadOnlyList<(string Id, byte[] Record)> AuditRecords() => _audit;

    public void Remove(IReadOnlyCollection<string> snapshots, IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs)
    {
        foreach (var id in snapshots) _snapshots.Remove(id);
        foreach (var id in trees) _trees.Remove(id);
        foreach (var id in packs) _packs.Remove(id);
        _generation++;
    }

    public IReadOnlyList<(BlockId Pack, byte[] Entries)> PackEntries() => _packs.Select(p => (p.Key, p.Value.Entries)).ToList();

    public IEnumerable<(BlockId Pack, byte[] Entries)> PackEntries(IEnumerable<BlockId> packs) =>
        packs.Where(_packs.ContainsKey).Select(p => (p, _packs[p].Entries));

    public (string Instance, long Generation)? PackState() => ("memory", _generation);

    public void Dispose() { }
}
