using System.Collections.Concurrent;
using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>Loads and decodes trees, caching decoded trees (they are immutable) up to <see cref="CachedEntries"/>
/// entries in all, then starting over: a walk of every snapshot must not hold every tree it visited. Thread safe.
/// With <paramref name="blobs"/> (format 2) a tree is read from its blob in a pack, else from the catalog (format 1,
/// and a repository recovered from a mirror whose packs are not here).</summary>
public sealed class TreeReader(Catalog catalog, Crypto.ContentHasher hasher, IBlockLoader? blobs = null)
{
    /// <summary>Tens of MB of decoded entries at most: walks visit each tree once, so a larger cache only holds memory.</summary>
    public const int CachedEntries = 50_000;

    private readonly ConcurrentDictionary<BlockId, Tree> _cache = new();

    /// <summary>How this repository names content (plain or keyed): trees are checked with it, and restored files too.</summary>
    public Crypto.ContentHasher Hasher => hasher;
    private int _cachedEntries;

    public Tree Load(BlockId id)
    {
        if (_cache.TryGetValue(id, out var cached)) return cached;
        var tree = Read(id);
        if (Interlocked.Add(ref _cachedEntries, tree.Nodes.Count) > CachedEntries)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cachedEntries, tree.Nodes.Count);
        }
        _cache[id] = tree;
        return tree;
    }

    /// <summary>
    /// Loads the trees under <paramref name="root"/> into the cache a level at a time, the trees of a level side by
    /// side on <paramref name="workers"/> threads, while the cache is less than half full: a walk that follows finds
    /// them in memory instead of reading and decoding them one after another (a restore of 6,800 directories spent a
    /// tenth of its time there, on one core). Best effort: a tree that fails to load is left for the walk to report.
    /// </summary>
    public void Prefetch(BlockId root, int workers)
    {
        var level = new List<BlockId> { root };
        var seen = new HashSet<BlockId> { root };
        try
        {
            while (level.Count > 0 && Volatile.Read(ref _cachedEntries) < CachedEntries / 2)
            {
                var trees = new Tree[level.Count];
                Parallel.For(0, level.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => trees[i] = Load(level[i]));
                level = trees.SelectMany(t => t.Nodes)
                    .Where(n => n.Type == NodeType.Directory && seen.Add(n.Subtree))
                    .Select(n => n.Subtree).ToList();
            }
        }
        catch (AggregateException) { }
    }

    /// <summary>
    /// Every tree under <paramref name="roots"/>, each once (<paramref name="visited"/> holds the trees already seen,
    /// here or by an earlier call, and gains each tree once it has loaded), in no particular order. Trees are not
    /// cached: a walk that visits each tree once only ages them into the old generation, where a check of many
    /// snapshots left hundreds of MB of garbage. A tree that fails to load throws; the trees under it are not visited.
    /// Trees in <paramref name="skip"/> are neither visited nor descended into.
    /// </summary>
    public IEnumerable<(BlockId Id, Tree Tree)> EachTreeOnce(IEnumerable<BlockId> roots, HashSet<BlockId> visited, IReadOnlySet<BlockId>? skip = null)
    {
        var pending = new Stack<BlockId>(roots);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (visited.Contains(id) || skip?.Contains(id) == true) continue;
            var tree = _cache.TryGetValue(id, out var cached) ? cached : Read(id);
            visited.Add(id);
            foreach (var node in tree.Nodes)
                if (node.Type == NodeType.Directory) pending.Push(node.Subtree);
            yield return (id, tree);
        }
    }

    private Tree Read(BlockId id)
    {
        // Blob first: a format-2 backup keeps no tree in the catalog (ADR 0009), and a catalog lookup that misses
        // costs a LiteDB index walk, several times what reading the blob costs. The catalog's copy serves when the
        // pack is not here (recovered from a mirror without its packs) or damaged.
        byte[]? bytes = null;
        if (blobs is not null && blobs.TryLocate(id, out _))
        {
            try { bytes = blobs.LoadBlock(id); }
            catch (CorruptDataException)
            {
                bytes = catalog.LoadTree(id);
                if (bytes is null) throw;
            }
        }
        bytes ??= catalog.LoadTree(id)
            ?? throw new CorruptDataException($"tree {id.ToShortString()} is missing (in neither the catalog nor a pack)");
        if (hasher.Hash(bytes) != id) throw new CorruptDataException($"tree {id.ToShortString()} is damaged (content hash mismatch)");
        return TreeCodec.Decode(bytes);
    }

    /// <summary>The node at an absolute stored path ("/a/b"), or null. "/" has no node: use the snapshot root.</summary>
    public TreeNode? Find(BlockId root, string path)
    {
        TreeNode? node = null;
        var tree = Load(root);
        foreach (var part in SplitPath(path))
        {
            if (node is not null)
            {
                if (node.Type != NodeType.Directory) return null;
                tree = Load(node.Subtree);
            }
            node = tree.Find(part);
            if (node is null) return null;
        }
        return node;
    }

    public static string[] SplitPath(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();

    /// <summary>A user's path as the stored form: absolute, single slashes, no "." parts ("a//b/" → "/a/b").</summary>
    public static string Normalize(string path) => "/" + string.Join('/', SplitPath(path));

    /// <summary>Every node under a tree, depth first (a directory before what it holds), with its absolute stored
    /// path. The one walk of a tree by path: ls, find, restore and the drills use it.</summary>
    public IEnumerable<(string Path, TreeNode Node)> Walk(BlockId tree, string prefix) => Walk(tree, prefix, null, null);

    /// <summary>The same walk, with <paramref name="enter"/> asked (tree id, its directory's path) before a tree is read:
    /// false leaves it unread, and its entries are not walked. <paramref name="leave"/> is told once all of an entered
    /// tree's entries have been handed out.</summary>
    public IEnumerable<(string Path, TreeNode Node)> Walk(BlockId tree, string prefix, Func<BlockId, string, bool>? enter, Action<BlockId, string>? leave)
    {
        // An explicit stack, not nested iterators: each level of nesting would cost every node below it one more step,
        // and a tree thousands of levels deep would make that quadratic.
        var pending = new Stack<(BlockId Tree, string Directory, IReadOnlyList<TreeNode> Nodes, int Next)>();
        if (enter?.Invoke(tree, prefix) != false) pending.Push((tree, prefix, Load(tree).Nodes, 0));
        while (pending.Count > 0)
        {
            var (id, directory, nodes, next) = pending.Pop();
            if (next == nodes.Count)
            {
                leave?.Invoke(id, directory);
                continue;
            }
            pending.Push((id, directory, nodes, next + 1));
            var node = nodes[next];
            string path = AbsolutePath.Join(directory, node.Name);
            yield return (path, node);
            if (node.Type == NodeType.Directory && enter?.Invoke(node.Subtree, path) != false)
                pending.Push((node.Subtree, path, Load(node.Subtree).Nodes, 0));
        }
    }
}
