using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>
/// The entries of one or more snapshots that match a predicate of (stored path, node), as <c>find</c> looks for them.
/// Snapshots share most of their trees: a tree already searched at the same path without a match is not searched
/// again, so searching forty snapshots costs what their distinct directories cost, not forty walks. Only the trees
/// without a match are remembered (a tree id and a path each), never the matches themselves.
/// </summary>
public sealed class TreeSearch(TreeReader trees, Func<string, TreeNode, bool> matches)
{
    private readonly HashSet<(BlockId Tree, string Path)> _withoutMatch = [];

    /// <summary>The matching entries under <paramref name="root"/>, depth first, a directory before what it holds.</summary>
    public List<(string Path, TreeNode Node)> In(BlockId root)
    {
        var found = new List<(string, TreeNode)>();
        // An explicit stack (trees may be thousands of levels deep); each frame remembers how many matches there were
        // when it started, so a directory that added none is known to have none when it is done.
        var pending = new Stack<(BlockId Tree, string Path, IReadOnlyList<TreeNode> Nodes, int Next, int FoundBefore)>();
        if (!_withoutMatch.Contains((root, "/"))) pending.Push((root, "/", trees.Load(root).Nodes, 0, 0));
        while (pending.Count > 0)
        {
            var (tree, directory, nodes, next, before) = pending.Pop();
            if (next == nodes.Count)
            {
                if (found.Count == before) _withoutMatch.Add((tree, directory));
                continue;
            }
            pending.Push((tree, directory, nodes, next + 1, before));
            var node = nodes[next];
            string path = AbsolutePath.Join(directory, node.Name);
            if (matches(path, node)) found.Add((path, node));
            if (node.Type == NodeType.Directory && !_withoutMatch.Contains((node.Subtree, path)))
                pending.Push((node.Subtree, path, trees.Load(node.Subtree).Nodes, 0, found.Count));
        }
        return found;
    }
}
