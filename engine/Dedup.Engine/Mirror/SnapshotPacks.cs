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
        var snapshots = repository.Snapshots();
        // Every tree read once, by the walk every whole-repository command uses: its subtrees and its own files' packs.
        var own = new Dictionary<BlockId, (List<BlockId> Subtrees, HashSet<BlockId> Packs, int Unlocated)>();
        foreach (var (id, tree) in repository.CreateTreeReader().EachTreeOnce(snapshots.Select(s => s.Root), []))
        {
            var subtrees = new List<BlockId>();
            var packs = new HashSet<BlockId>();
            int unlocated = 0;
            foreach (var node in tree.Nodes)
            {
                if (node.Type == NodeType.Directory) subtrees.Add(node.Subtree);
                else if (node.Type == NodeType.File)
                    foreach (var block in node.Content)
                    {
                        if (repository.TryLocate(block, out var location)) packs.Add(location.Pack);
                        else unlocated++;
                    }
            }
            own[id] = (subtrees, packs, unlocated);
        }
        // Snapshots share most trees: each tree's packs with those under it are gathered once, children first.
        var under = new Dictionary<BlockId, (HashSet<BlockId> Packs, int Unlocated)>();
        var result = snapshots.Select(s =>
        {
            var (packs, unlocated) = Gather(s.Root, own, under);
            return new SnapshotPacks(s, packs, unlocated);
        }).ToList();
        trees = own.Keys;
        return result;
    }

    /// <summary>A tree's packs and unlocated blocks with everything under it. An explicit stack: trees may be thousands
    /// of levels deep.</summary>
    private static (HashSet<BlockId>, int) Gather(BlockId root, Dictionary<BlockId, (List<BlockId> Subtrees, HashSet<BlockId> Packs, int Unlocated)> own,
        Dictionary<BlockId, (HashSet<BlockId> Packs, int Unlocated)> under)
    {
        var pending = new Stack<(BlockId Tree, bool ChildrenDone)>();
        pending.Push((root, false));
        while (pending.Count > 0)
        {
            var (tree, childrenDone) = pending.Pop();
            if (under.ContainsKey(tree)) continue;
            var (subtrees, packs, unlocated) = own[tree];
            if (!childrenDone)
            {
                pending.Push((tree, true));
                foreach (var subtree in subtrees)
                    if (!under.ContainsKey(subtree)) pending.Push((subtree, false));
                continue;
            }
            var all = new HashSet<BlockId>(packs);
            foreach (var subtree in subtrees)
            {
                var (below, missing) = under[subtree];
                all.UnionWith(below);
                unlocated += missing;
            }
            under[tree] = (all, unlocated);
        }
        return under[root];
    }
}
