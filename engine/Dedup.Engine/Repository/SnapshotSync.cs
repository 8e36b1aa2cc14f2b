using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Repository;

/// <summary>
/// Brings a format-2 catalog in line with the snapshot files, which are the truth: a snapshot whose file is gone
/// (a forget killed between deleting the file and the catalog commit) leaves the catalog; a file the catalog does
/// not know (a backup killed between the two, or a rebuilt catalog) enters it, with the trees it needs read from
/// their blobs. A file that does not open, or whose trees are not all there, is left for check to report.
/// </summary>
public static class SnapshotSync
{
    public sealed record Result(int Added, int Removed, IReadOnlyList<string> Problems);

    public static Result Run(Repository repository)
    {
        var files = repository.SnapshotFiles.List().ToHashSet(StringComparer.Ordinal);
        var known = repository.Catalog.SnapshotIds().ToHashSet(StringComparer.Ordinal);
        var gone = known.Where(id => !files.Contains(id)).ToList();
        if (gone.Count > 0) repository.Catalog.Remove(gone, [], []);

        var problems = new List<string>();
        int added = 0;
        foreach (var id in files.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal))
        {
            try
            {
                var stored = repository.SnapshotFiles.Read(id);
                var snapshot = repository.Catalog.OpenSnapshot(id, stored);
                repository.Catalog.AddSnapshot(id, stored, MissingTrees(repository, snapshot.Root));
                added++;
            }
            catch (CorruptDataException e) { problems.Add($"snapshot {id[..8]}: {e.Message}"); }
        }
        return new Result(added, gone.Count, problems);
    }

    /// <summary>The trees under <paramref name="root"/> the catalog lacks, each read from its blob, re-hashed and
    /// decoded. A tree the catalog has brings its subtrees with it (they were committed together), so the walk
    /// stops there.</summary>
    private static Dictionary<BlockId, byte[]> MissingTrees(Repository repository, BlockId root)
    {
        var found = new Dictionary<BlockId, byte[]>();
        var pending = new Stack<BlockId>([root]);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (found.ContainsKey(id) || repository.Catalog.HasTree(id)) continue;
            if (!repository.TryLocate(id, out _)) throw new CorruptDataException($"tree {id.ToShortString()} is in no pack");
            var bytes = ((IBlockLoader)repository).LoadBlock(id); // re-hashed against its id
            found[id] = bytes;
            foreach (var node in TreeCodec.Decode(bytes).Nodes)
                if (node.Type == NodeType.Directory) pending.Push(node.Subtree);
        }
        return found;
    }
}
