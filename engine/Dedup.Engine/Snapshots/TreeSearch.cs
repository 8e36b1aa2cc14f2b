using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>
/// The entries of one or more snapshots that match a predicate of (stored path, node), as <c>find</c> looks for them.
/// Snapshots share most of their trees: a tree already searched at the same path without a match is not searched
/// again, so searching forty snapshots costs what their distinct directories cost, not forty walks. Only the trees
/// without a match are remembered (a tree id and a path each), never the matches themselves. It walks with
/// TreeReader.Walk, skipping those trees as it enters them.
/// </summary>
public sealed class TreeSearch(TreeReader trees, Func<string, TreeNode, bool> matches)
{
    private readonly HashSet<(BlockId Tree, string Path)> _withoutMatch = [];

    /// <summary>The matching entries under <paramref name="root"/>, depth first, a directory before what it holds.</summary>
    public List<(string Path, TreeNode Node)> In(BlockId root)
    {
        var found = new List<(string, TreeNode)>();
        // How many matches there were when each entered tree started: one that added none has none.
        var before = new Stack<int>();
        bool Enter(BlockId tree, string path)
        {
            if (_withoutMatch.Contains((tree, path))) return false;
            before.Push(found.Count);
            return true;
        }
        void Leave(BlockId tree, string path)
        {
            if (found.Count == before.Pop()) _withoutMatch.Add((tree, path));
        }
        foreach (var (path, node) in trees.Walk(root, "/", Enter, Leave))
            if (matches(path, node)) found.Add((path, node));
        return found;
    }
}
