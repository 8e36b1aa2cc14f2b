using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Mirror;

/// <summary>The packs a snapshot needs: the packs of every block its files reference. A block the index does not
/// locate makes the snapshot incomplete everywhere.</summary>
public sealed record SnapshotPacks(Snapshot Snapshot, HashSet<BlockId> Packs, int UnlocatedBlocks)
{
    public static List<SnapshotPacks> For(Repository.IMirrorRepository repository) => For(repository, out _);

    /// <summary>The same, and every tree the snapshots hold (the trees a mirror must carry).</summary>
    public static List<SnapshotPacks> For(Repository.IMirrorRepository repository, out IReadOnlyCollection<BlockId> trees)
    {
        var reader = repository.CreateTreeReader();
        // Snapshots share most trees: remember each tree's packs once.
        var memo = new Dictionary<BlockId, (HashSet<BlockId> Packs, int Unlocated)>();
        var result = repository.Snapshots().Select(s =>
        {
            var (packs, unlocated) = Visit(repository, reader, s.Root, memo);
            return new SnapshotPacks(s, packs, unlocated);
        }).ToList();
        trees = memo.Keys;
        return result;
    }

    private static (HashSet<BlockId>, int) Visit(Repository.IMirrorRepository repository, TreeReader trees, BlockId tree,
        Dictionary<BlockId, (HashSet<BlockId>, int)> memo)
    {
        if (memo.TryGetValue(tree, out var known)) return known;
        var packs = new HashSet<BlockId>();
        int unlocated = 0;
        foreach (var node in trees.Load(tree).Nodes)
        {
            if (node.Type == NodeType.Directory)
            {
                var (sub, missing) = Visit(repository, trees, node.Subtree, memo);
                packs.UnionWith(sub);
                unlocated += missing;
            }
            else if (node.Type == NodeType.File)
            {
                foreach (var block in node.Content)
                {
                    if (repository.TryLocate(block, out var location)) packs.Add(location.Pack);
                    else unlocated++;
                }
            }
        }
        memo[tree] = (packs, unlocated);
        return (packs, unlocated);
    }
}
