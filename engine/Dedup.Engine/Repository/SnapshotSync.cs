using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Repository;

/// <summary>
/// Brings a format-2 catalog in line with the snapshot files, which are the truth: a snapshot whose file is gone
/// (a forget killed between deleting the file and the catalog commit) leaves the catalog; a file the catalog does
/// not know (a backup killed between the two, or a rebuilt catalog) enters it once every tree it needs is found as a
/// blob and decodes. A file that does not open, or whose trees are not all there, is left for check to report.
/// </summary>
public static class SnapshotSync
{
    public sealed record Result(int Added, int Removed, IReadOnlyList<string> Problems);

    public static Result Run(LocalRepository repository)
    {
        var files = repository.SnapshotFiles.List().ToHashSet(StringComparer.Ordinal);
        var known = repository.Catalog.SnapshotIds().ToHashSet(StringComparer.Ordinal);
        var gone = known.Where(id => !files.Contains(id)).ToList();
        if (gone.Count > 0) repository.Catalog.Remove(gone, [], []);

        var problems = new List<string>();
        var present = new HashSet<BlockId>();
        int added = 0;
        foreach (var id in files.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal))
        {
            try
            {
                var stored = repository.SnapshotFiles.Read(id);
                var snapshot = repository.Catalog.OpenSnapshot(id, stored);
                RequireTrees(repository, snapshot.Root, present);
                repository.Catalog.AddSnapshot(id, stored);
                added++;
            }
            catch (CorruptDataException e) { problems.Add($"snapshot {id[..8]}: {e.Message}"); }
        }
        return new Result(added, gone.Count, problems);
    }

    /// <summary>Every tree under <paramref name="root"/> is a blob that re-hashes to its id and decodes (or a tree the
    /// catalog holds). <paramref name="present"/> holds the trees already found complete, with everything under them:
    /// snapshots share most of their trees, so each is read once per sync. It gains this walk's trees only when the
    /// whole walk succeeds: a tree whose subtree is missing is not complete.</summary>
    private static void RequireTrees(LocalRepository repository, BlockId root, HashSet<BlockId> present)
    {
        var seen = new HashSet<BlockId>();
        foreach (var _ in repository.CreateTreeReader().EachTreeOnce([root], seen, skip: present)) { } // each re-hashed against its id
        present.UnionWith(seen);
    }
}
