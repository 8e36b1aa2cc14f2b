using Dedup.Core;
using Dedup.Repository;
using Dedup.Snapshots;

namespace Dedup.Maintenance;

public sealed record PruneOptions
{
    public bool DryRun { get; init; }
    /// <summary>A pack whose live bytes are below this fraction of its blocks' bytes is repacked.</summary>
    public double RepackBelow { get; init; } = 0.5;
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);
}

public sealed record PruneReport
{
    public bool DryRun { get; init; }
    public int Snapshots { get; init; }
    public int TreesRemoved { get; init; }
    public int PacksDeleted { get; init; }
    public int PacksRepacked { get; init; }
    public int BlocksRepacked { get; init; }
    public long BytesFreed { get; init; }
    public long BytesRepacked { get; init; }
    public long LiveBytes { get; init; }
}

/// <summary>
/// Removes what no snapshot references. Order, so a kill at any moment loses nothing a snapshot needs: (1) the
/// live blocks of mostly dead packs are written to new packs, durable and indexed; (2) one catalog transaction
/// removes the unreferenced trees and the records of dead and repacked packs; (3) their files are deleted. A
/// kill before (2) leaves extra copies; between (2) and (3), pack files the catalog does not list, which the next
/// writer re-indexes and the next prune removes again. Either way the next run finishes the job.
/// </summary>
public static class Pruner
{
    public static async Task<PruneReport> RunAsync(Repository.IPruneRepository repository, PruneOptions options, CancellationToken cancellationToken)
    {
        var snapshots = repository.Snapshots();
        var (liveTrees, liveBlocks) = Reachable(repository.CreateTreeReader(), snapshots);
        var deadTrees = repository.CatalogTrees().Where(t => !liveTrees.Contains(t)).ToList();

        // A block counts as live in the one pack the index locates it in; other copies (left by a kill) are dead.
        // The members of a group (ADR 0011) share its stored bytes: the group counts once in its pack's total, and
        // each live member for its share of the group's plaintext.
        var total = new Dictionary<BlockId, long>();
        var live = new Dictionary<BlockId, List<(BlockId Block, BlockLocation Location)>>();
        var groupRaw = new Dictionary<(BlockId Pack, long Offset), long>();
        foreach (var (block, location) in repository.PackBlocks())
        {
            bool counted = location.Codec == Codec.Grouped && groupRaw.ContainsKey((location.Pack, location.Offset));
            if (location.Codec == Codec.Grouped) groupRaw[(location.Pack, location.Offset)] = groupRaw.GetValueOrDefault((location.Pack, location.Offset)) + location.RawLength;
            if (!counted) total[location.Pack] = total.GetValueOrDefault(location.Pack) + location.StoredLength;
            if (liveBlocks.Contains(block) && repository.TryLocate(block, out var indexed) && indexed.Pack == location.Pack)
                (live.TryGetValue(location.Pack, out var list) ? list : live[location.Pack] = []).Add((block, location));
        }
        long Share(BlockLocation b) => b.Codec != Codec.Grouped ? b.StoredLength
            : (long)Math.Ceiling((double)b.StoredLength * b.RawLength / Math.Max(1, groupRaw[(b.Pack, b.Offset)]));
        var packs = repository.PackLengths();
        long LiveBytes(BlockId pack) => live.TryGetValue(pack, out var list) ? list.Sum(b => Share(b.Location)) : 0;
        var dead = packs.Where(p => LiveBytes(p.Pack) == 0).ToList();
        var repack = packs.Where(p => LiveBytes(p.Pack) > 0 && LiveBytes(p.Pack) < options.RepackBelow * total.GetValueOrDefault(p.Pack)).ToList();
        var report = new PruneReport
        {
            DryRun = options.DryRun,
            Snapshots = snapshots.Count,
            TreesRemoved = deadTrees.Count,
            PacksDeleted = dead.Count,
            PacksRepacked = repack.Count,
            BlocksRepacked = repack.Sum(p => live[p.Pack].Count),
            BytesRepacked = repack.Sum(p => LiveBytes(p.Pack)),
            BytesFreed = dead.Sum(p => p.Length) + repack.Sum(p => p.Length - LiveBytes(p.Pack)),
            LiveBytes = packs.Sum(p => LiveBytes(p.Pack)),
        };
        if (options.DryRun || (deadTrees.Count == 0 && dead.Count == 0 && repack.Count == 0)) return report;

        if (repack.Count > 0)
        {
            await using var repacker = repository.CreateRepacker(options.Workers);
            // Small data blocks are grouped again as they come, in trailer order: mostly their old groups' order.
            using var group = new Backup.BlockGrouper(repacker);
            byte[] buffer = [];
            foreach (var (pack, _) in repack)
            {
                // Stopping here (Ctrl-C) removes nothing: the copies made so far are packs the next prune finds unused.
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var (block, _) in live[pack])
                {
                    int length = repository.LoadBlock(block, ref buffer); // verified: a damaged block stops the prune before anything is removed
                    bool tree = liveTrees.Contains(block);
                    if (!tree && group.TryAdd(block, buffer.AsSpan(0, length)))
                    {
                        if (group.Full) await group.FlushAsync(cancellationToken);
                    }
                    else await repacker.SaveCopyAsync(block, buffer.AsSpan(0, length), cancellationToken, tree ? BlobKind.Tree : BlobKind.Data);
                }
            }
            await group.FlushAsync(cancellationToken);
            await repacker.FlushAsync();
        }
        // Past this point the prune finishes: the catalog commit and the deletes after it take moments.
        cancellationToken.ThrowIfCancellationRequested();
        var removed = dead.Concat(repack).Select(p => p.Pack).ToList();
        repository.RemovePacks(deadTrees, removed);
        foreach (var pack in removed) repository.DeletePackFile(pack);
        return report;
    }

    /// <summary>Every tree and block (tree blobs included) some snapshot reaches.</summary>
    public static (HashSet<BlockId> Trees, HashSet<BlockId> Blocks) Reachable(TreeReader treeReader, IEnumerable<Snapshot> snapshots)
    {
        var trees = new HashSet<BlockId>();
        var blocks = new HashSet<BlockId>();
        foreach (var (_, tree) in treeReader.EachTreeOnce(snapshots.Select(s => s.Root), trees))
            foreach (var node in tree.Nodes)
                if (node.Type == NodeType.File) blocks.UnionWith(node.Content);
        blocks.UnionWith(trees); // format 2: each tree is also a blob a rebuild of the catalog reads
        return (trees, blocks);
    }
}
