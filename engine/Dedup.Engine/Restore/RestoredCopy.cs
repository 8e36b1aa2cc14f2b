using Dedup.Core;
using Dedup.Native;

namespace Dedup.Restore;

/// <summary>Removes a restored copy (a drill's), whatever modes and names it was restored with.</summary>
public static class RestoredCopy
{
    private const uint OwnerAll = 0b111_000_000;

    /// <summary>
    /// A restore reproduces modes, so the copy may hold read-only directories, which a non-root user cannot empty:
    /// each directory is made writable before it is emptied. Entries are removed by name relative to their open
    /// parent (names that are not UTF-8, paths past PATH_MAX), links as links, never followed.
    /// False when something could not be removed.
    /// </summary>
    public static bool TryRemove(string root)
    {
        try
        {
            if (Posix.TryLStat(root) is null) return true;
            using var parent = DirectoryHandle.Open(AbsolutePath.Parent(root));
            Remove(parent, AbsolutePath.Name(root));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static void Remove(DirectoryHandle parent, string name)
    {
        var status = parent.Stat(name);
        if (status.Type != FileStatus.Directory) { parent.Delete(name); return; }
        if ((status.Permissions & OwnerAll) != OwnerAll) parent.SetMode(name, status.Permissions | OwnerAll);
        using (var directory = parent.OpenDirectory(name))
            foreach (var child in directory.List()) Remove(directory, child);
        parent.DeleteDirectory(name);
    }
}
