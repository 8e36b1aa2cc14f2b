using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Check;

public sealed record CheckReport
{
    public List<string> Errors { get; } = [];
    public List<string> Notes { get; } = [];
    public SortedDictionary<string, string> DamagedPacks { get; } = new(StringComparer.Ordinal);
    /// <summary>"snapshot-id path" of every file that cannot be restored intact.</summary>
    public SortedSet<string> AffectedFiles { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> AffectedSnapshots { get; } = new(StringComparer.Ordinal);
    public long PacksChecked { get; set; }
    public long BlocksRead { get; set; }
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Verifies a repository. Structure: every indexed pack exists and its trailer matches the index; every block a
/// snapshot references is indexed. With read-data: every pack's bytes hash to its name and every block decodes
/// and hashes to its id. Damage is mapped back to the snapshots and files it affects.
/// </summary>
public static class Checker
{
    /// <param name="samplePercent">With read-data, read only this share of the packs (chosen by their ids).</param>
    public static CheckReport Run(Repository.Repository repository, bool readData, Action<long, long>? progress = null, double samplePercent = 100)
    {
        var report = new CheckReport();
        var badBlocks = new HashSet<BlockId>();
        var packs = repository.Catalog.Packs();
        var byPack = repository.Index.GroupBy(kv => kv.Value.Pack).ToDictionary(g => g.Key, g => g.ToList());
        long done = 0;
        foreach (var (pack, length) in packs)
        {
            progress?.Invoke(++done, packs.Count);
            try
            {
                bool read = readData && (samplePercent >= 100 || BitConverter.ToUInt32(pack.ToArray()) < samplePercent / 100 * uint.MaxValue);
                CheckPack(repository, pack, length, byPack.GetValueOrDefault(pack) ?? [], read, badBlocks, report);
            }
            catch (CorruptDataException e)
            {
                report.DamagedPacks[pack.ToString()] = e.Message;
                report.Errors.Add($"pack {pack}: {e.Message}");
                foreach (var (block, _) in byPack.GetValueOrDefault(pack) ?? []) badBlocks.Add(block);
            }
            report.PacksChecked++;
        }
        foreach (var pack in repository.UnindexedPacks())
            report.Notes.Add($"pack {pack} is not indexed (left by an interrupted backup; the next backup indexes it)");
        CheckSnapshots(repository, badBlocks, report);
        return report;
    }

    /// <summary>Names the snapshots and files that the given damaged blocks (and any block the index lacks) affect.</summary>
    public static void MapDamage(Repository.Repository repository, HashSet<BlockId> badBlocks, CheckReport report)
    {
        var trees = new TreeReader(repository.Catalog, repository.Hasher);
        foreach (var snapshot in repository.Catalog.Snapshots()) ReportDamage(repository, trees, snapshot, badBlocks, report);
    }

    /// <summary>The blocks of the given packs, per the index.</summary>
    public static HashSet<BlockId> BlocksIn(Repository.Repository repository, IEnumerable<BlockId> packs)
    {
        var set = packs.ToHashSet();
        return repository.Index.Where(kv => set.Contains(kv.Value.Pack)).Select(kv => kv.Key).ToHashSet();
    }

    private static void CheckPack(Repository.Repository repository, BlockId pack, long length, List<KeyValuePair<BlockId, BlockLocation>> indexed,
        bool readData, HashSet<BlockId> badBlocks, CheckReport report)
    {
        if (!repository.Packs.Exists(pack)) throw new CorruptDataException("pack file is missing");
        if (repository.Packs.Length(pack) != length) throw new CorruptDataException($"pack file has {repository.Packs.Length(pack)} bytes, the index says {length}");
        var entries = repository.Packs.ReadEntries(pack, repository.Protection.Sealer).ToDictionary(e => e.Block);
        foreach (var (block, location) in indexed)
        {
            if (!entries.TryGetValue(block, out var entry) || entry.Offset != location.Offset || entry.StoredLength != location.StoredLength
                || entry.RawLength != location.RawLength || entry.Codec != location.Codec)
                throw new CorruptDataException($"trailer does not list block {block.ToShortString()} where the index has it");
        }
        if (!readData) return;
        byte[] bytes = repository.Packs.ReadAll(pack);
        bool hashOk = BlockId.Hash(bytes) == pack;
        var damaged = new List<string>();
        foreach (var entry in entries.Values)
        {
            report.BlocksRead++;
            try { repository.VerifyBlock(bytes.AsSpan((int)entry.Offset, entry.StoredLength), entry, pack); }
            catch (CorruptDataException e)
            {
                badBlocks.Add(entry.Block);
                damaged.Add(e.Message);
            }
        }
        if (damaged.Count > 0) throw new CorruptDataException(string.Join("; ", damaged));
        if (!hashOk) throw new CorruptDataException("pack content does not hash to its name");
    }

    private static void CheckSnapshots(Repository.Repository repository, HashSet<BlockId> badBlocks, CheckReport report)
    {
        var trees = new TreeReader(repository.Catalog, repository.Hasher);
        var snapshots = repository.Catalog.Snapshots();
        // Snapshots share most of their trees: visit each tree once. Only when that finds damage are the
        // snapshots walked path by path, to name the files it affects.
        var visited = new HashSet<BlockId>();
        bool damaged = badBlocks.Count > 0;
        foreach (var snapshot in snapshots)
        {
            try { damaged |= !AllBlocksIndexed(repository, trees, snapshot.Root, visited); }
            catch (CorruptDataException) { damaged = true; }
        }
        if (!damaged) return;
        foreach (var snapshot in snapshots) ReportDamage(repository, trees, snapshot, badBlocks, report);
    }

    private static bool AllBlocksIndexed(Repository.Repository repository, TreeReader trees, BlockId tree, HashSet<BlockId> visited)
    {
        if (!visited.Add(tree)) return true;
        bool ok = true;
        foreach (var node in trees.Load(tree).Nodes)
        {
            if (node.Type == NodeType.Directory) ok &= AllBlocksIndexed(repository, trees, node.Subtree, visited);
            else if (node.Type == NodeType.File) ok &= node.Content.All(b => repository.TryLocate(b, out _));
        }
        return ok;
    }

    private static void ReportDamage(Repository.Repository repository, TreeReader trees, Snapshot snapshot, HashSet<BlockId> badBlocks, CheckReport report)
    {
        try
        {
            foreach (var (path, node) in trees.Walk(snapshot.Root, "/"))
            {
                if (node.Type != NodeType.File) continue;
                foreach (var block in node.Content)
                {
                    bool missing = !repository.TryLocate(block, out _);
                    if (!missing && !badBlocks.Contains(block)) continue;
                    if (missing) report.Errors.Add($"snapshot {snapshot.ShortId}: {path}: block {block.ToShortString()} is not in the index");
                    report.AffectedFiles.Add($"{snapshot.ShortId} {path}");
                    report.AffectedSnapshots.Add(snapshot.ShortId);
                    break;
                }
            }
        }
        catch (CorruptDataException e)
        {
            report.Errors.Add($"snapshot {snapshot.ShortId}: {e.Message}");
            report.AffectedSnapshots.Add(snapshot.ShortId);
        }
    }
}
