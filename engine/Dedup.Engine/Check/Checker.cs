using Dedup.Core;
using Dedup.Packs;
using Dedup.Snapshots;

namespace Dedup.Check;

public sealed record CheckReport
{
    public List<string> Errors { get; } = [];
    public List<string> Notes { get; } = [];
    public SortedDictionary<string, string> DamagedPacks { get; } = new(StringComparer.Ordinal);
    /// <summary>Packs not in the local store but held elsewhere (pack → the place's name): a state, not damage.</summary>
    public SortedDictionary<string, string> PacksElsewhere { get; } = new(StringComparer.Ordinal);
    /// <summary>"snapshot-id path" of every file that cannot be restored intact.</summary>
    public SortedSet<string> AffectedFiles { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> AffectedSnapshots { get; } = new(StringComparer.Ordinal);
    public long PacksChecked { get; set; }
    public long PacksHere => PacksChecked - PacksElsewhere.Count;
    public long BlocksRead { get; set; }
    /// <summary>With read-data: bytes of packs read from where they are held, not from the local store.</summary>
    public long BytesReadElsewhere { get; set; }
    /// <summary>With read-data: the packs read from elsewhere (a remote's own check need not read them again).</summary>
    public HashSet<string> PacksReadElsewhere { get; } = new(StringComparer.Ordinal);
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Verifies a repository. Structure: every indexed pack exists and its trailer matches the index; every block a
/// snapshot references is indexed. With read-data: every pack's bytes hash to its name and every block decodes
/// and hashes to its id. A pack the local store lacks but <see cref="IPackCopies"/> holds (the mirror, after a
/// catalog-only recover) is reported as held there, and with read-data read from there and checked the same way;
/// a pack missing from both is damage. Damage is mapped back to the snapshots and files it affects.
/// </summary>
public static class Checker
{
    /// <summary>Copies read from elsewhere at once: downloads are latency-bound.</summary>
    private const int CopiesInFlight = 4;

    /// <param name="samplePercent">With read-data, read only this share of the packs (chosen by their ids).</param>
    /// <param name="copies">Where packs the local store lacks may be; null: a missing pack is damage.</param>
    public static CheckReport Run(Repository.ICheckRepository repository, bool readData, Action<long, long>? progress = null, double samplePercent = 100,
        IPackCopies? copies = null, CancellationToken cancellationToken = default)
    {
        var report = new CheckReport();
        if (repository.BesideWriter)
            report.Notes.Add("another dedup process is writing the repository: its files were checked as of now, catalog.db was not read");
        var packs = repository.PackLengths();
        var toRead = new List<BlockId>();
        long done = 0;
        foreach (var (pack, length) in packs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool read = readData && (samplePercent >= 100 || BitConverter.ToUInt32(pack.ToArray()) < samplePercent / 100 * uint.MaxValue);
            report.PacksChecked++;
            if (copies is not null && !repository.PackExists(pack))
            {
                if (copies.Holds(pack, length))
                {
                    report.PacksElsewhere[pack.ToString()] = copies.Name;
                    if (read) toRead.Add(pack);
                    else progress?.Invoke(++done, packs.Count);
                }
                else
                {
                    Damaged(report, pack, $"pack file is missing, here and on {copies.Name}");
                    progress?.Invoke(++done, packs.Count);
                }
                continue;
            }
            progress?.Invoke(++done, packs.Count);
            try { CheckPack(repository, pack, length, read, report); }
            catch (CorruptDataException) when (repository.BesideWriter && !repository.PackExists(pack))
            {
                report.Notes.Add($"pack {pack} was deleted by the writer running beside this check (a prune)");
            }
            catch (CorruptDataException e) { Damaged(report, pack, e.Message); }
        }
        if (toRead.Count > 0)
            CheckCopiesAsync(repository, copies!, toRead, report, () => progress?.Invoke(Interlocked.Increment(ref done), packs.Count), cancellationToken)
                .GetAwaiter().GetResult();
        // The blocks a restore would read from the damaged packs: where the index locates them (a block also in an
        // intact pack, after a crash, is read from wherever the index says).
        var badBlocks = report.DamagedPacks.Count > 0 ? BlocksIn(repository, report.DamagedPacks.Keys.Select(BlockId.Parse)) : [];
        foreach (var pack in repository.UnindexedPacks())
            report.Notes.Add($"pack {pack} is not indexed (left by an interrupted backup; the next backup indexes it)");
        CheckSnapshots(repository, badBlocks, report);
        return report;
    }

    private static void Damaged(CheckReport report, BlockId pack, string problem)
    {
        report.DamagedPacks[pack.ToString()] = problem;
        report.Errors.Add($"pack {pack}: {problem}");
    }

    /// <summary>Names the snapshots and files that the given damaged blocks (and any block the index lacks) affect.</summary>
    public static void MapDamage(Repository.ICheckRepository repository, HashSet<BlockId> badBlocks, CheckReport report)
    {
        var trees = repository.CreateTreeReader();
        foreach (var snapshot in repository.Snapshots()) ReportDamage(repository, trees, snapshot, badBlocks, report);
    }

    /// <summary>The blocks of the given packs, per the index.</summary>
    public static HashSet<BlockId> BlocksIn(Repository.ICheckRepository repository, IEnumerable<BlockId> packs)
    {
        var set = packs.ToHashSet();
        return repository.IndexEntries().Where(kv => set.Contains(kv.Value.Pack)).Select(kv => kv.Key).ToHashSet();
    }

    private static void CheckPack(Repository.ICheckRepository repository, BlockId pack, long length, bool readData, CheckReport report)
    {
        if (!repository.PackExists(pack)) throw new CorruptDataException("pack file is missing");
        if (repository.PackLength(pack) is var actual && actual != length) throw new CorruptDataException($"pack file has {actual} bytes, the index says {length}");
        var entries = repository.ReadTrailer(pack);
        MatchIndex(repository, pack, entries);
        if (!readData) return;
        byte[] bytes = repository.ReadPack(pack);
        report.BlocksRead += VerifyContent(repository, pack, bytes, entries);
    }

    /// <summary>Packs only held elsewhere, read from there a few at a time and checked as a local pack is: the bytes
    /// hash to the name, the trailer parses and matches the index, every block verifies.</summary>
    private static Task CheckCopiesAsync(Repository.ICheckRepository repository, IPackCopies copies, List<BlockId> packs,
        CheckReport report, Action progress,
        CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(packs, new ParallelOptions { MaxDegreeOfParallelism = CopiesInFlight, CancellationToken = cancellationToken }, async (pack, ct) =>
        {
            long blocks = 0, bytesRead = 0;
            string? problem = null;
            try
            {
                byte[] bytes = await copies.ReadAsync(pack, ct);
                bytesRead = bytes.Length;
                var entries = repository.ParseTrailer(bytes);
                MatchIndex(repository, pack, entries);
                blocks = VerifyContent(repository, pack, bytes, entries);
            }
            catch (CorruptDataException e) { problem = $"only on {copies.Name}, and that copy is damaged ({e.Message})"; }
            catch (DedupException e) { problem = $"only on {copies.Name}, and it could not be read from there ({e.Message})"; }
            lock (report)
            {
                report.BlocksRead += blocks;
                report.BytesReadElsewhere += bytesRead;
                report.PacksReadElsewhere.Add(pack.ToString());
                if (problem is not null) Damaged(report, pack, problem);
            }
            progress();
        });

    /// <summary>The pack's trailer against what says where its blocks are: the catalog's own list of the pack when it
    /// keeps one, else (the trailer is the list, ADR 0010) the block index built from it.</summary>
    private static void MatchIndex(Repository.ICheckRepository repository, BlockId pack, List<PackEntry> trailer)
    {
        var entries = trailer.ToDictionary(e => e.Block);
        if (repository.CatalogListOf(pack) is { } listed)
        {
            foreach (var (block, location) in listed)
                if (!entries.TryGetValue(block, out var entry) || !Same(entry, location))
                    throw new CorruptDataException($"trailer does not list block {block.ToShortString()} where the index has it");
            return;
        }
        foreach (var entry in trailer)
            if (repository.TryLocate(entry.Block, out var location) && location.Pack == pack && !Same(entry, location))
                throw new CorruptDataException($"the block index puts block {entry.Block.ToShortString()} elsewhere in this pack than its trailer does");
    }

    private static bool Same(PackEntry entry, BlockLocation location) =>
        entry.Offset == location.Offset && entry.StoredLength == location.StoredLength
        && entry.RawLength == location.RawLength && entry.Codec == location.Codec;

    /// <summary>Verifies every block of a pack held in memory, then its name; throws naming every damaged block.
    /// Returns the number of blocks read.</summary>
    private static long VerifyContent(Repository.ICheckRepository repository, BlockId pack, byte[] bytes, List<PackEntry> entries)
    {
        bool hashOk = BlockId.Hash(bytes) == pack;
        var damaged = repository.VerifyBlocks(bytes, pack, entries);
        if (damaged.Count > 0) throw new CorruptDataException(string.Join("; ", damaged));
        if (!hashOk) throw new CorruptDataException("pack content does not hash to its name");
        return entries.Count;
    }

    private static void CheckSnapshots(Repository.ICheckRepository repository, HashSet<BlockId> badBlocks, CheckReport report)
    {
        var trees = repository.CreateTreeReader();
        var snapshots = repository.Snapshots();
        // Snapshots share most of their trees: visit each tree once. Only when that finds damage are the
        // snapshots walked path by path, to name the files it affects.
        var visited = new HashSet<BlockId>();
        bool damaged = badBlocks.Count > 0;
        foreach (var snapshot in snapshots)
        {
            try { damaged |= !AllBlocksIndexed(repository, trees, snapshot.Root, visited); } // a tree that fails to load is damage too
            catch (CorruptDataException) { damaged = true; }
        }
        if (repository.RebuildableFromFiles) CheckRebuildable(repository, snapshots, visited, report);
        if (!damaged) return;
        foreach (var snapshot in snapshots) ReportDamage(repository, trees, snapshot, badBlocks, report);
    }

    /// <summary>Format 2: the catalog must be rebuildable from the files: every snapshot has its file (holding the
    /// same snapshot), every tree a blob in a pack.</summary>
    private static void CheckRebuildable(Repository.ICheckRepository repository, IReadOnlyList<Snapshot> snapshots, HashSet<BlockId> trees, CheckReport report)
    {
        var files = repository.SnapshotFileIds().ToHashSet(StringComparer.Ordinal);
        foreach (var snapshot in snapshots)
        {
            if (!files.Remove(snapshot.Id)) { report.Errors.Add($"snapshot {snapshot.ShortId}: its file snapshots/{snapshot.Id} is missing"); continue; }
            try
            {
                if (repository.ReadSnapshotFile(snapshot.Id).Root != snapshot.Root)
                    report.Errors.Add($"snapshot {snapshot.ShortId}: its file names another root tree than the catalog");
            }
            catch (CorruptDataException e) { report.Errors.Add($"snapshot {snapshot.ShortId}: its file is damaged ({e.Message})"); }
        }
        foreach (var id in files) report.Notes.Add($"snapshot file {id[..8]} is not in the catalog yet (the next writer adds it)");
        foreach (var tree in trees.Where(t => !repository.TryLocate(t, out _)))
            report.Errors.Add($"tree {tree.ToShortString()} has no blob in any pack (the catalog could not be rebuilt without it)");
    }

    private static bool AllBlocksIndexed(Repository.ICheckRepository repository, TreeReader trees, BlockId root, HashSet<BlockId> visited)
    {
        bool ok = true;
        foreach (var (_, tree) in trees.EachTreeOnce([root], visited))
            foreach (var node in tree.Nodes)
                if (node.Type == NodeType.File) ok &= node.Content.All(b => repository.TryLocate(b, out _));
        return ok;
    }

    private static void ReportDamage(Repository.ICheckRepository repository, TreeReader trees, Snapshot snapshot, HashSet<BlockId> badBlocks, CheckReport report)
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
