using System.IO.Enumeration;
using Dedup.Core;

namespace Dedup.Restore;

/// <summary>Removes a restored copy (a drill's), whatever modes it was restored with.</summary>
public static class RestoredCopy
{
    /// <summary>
    /// A restore reproduces modes, so the copy may hold read-only directories, which a non-root user cannot empty:
    /// every directory is made writable first (walking links as links, never into them), then the tree is removed.
    /// False when something could not be removed.
    /// </summary>
    public static bool TryRemove(string root)
    {
        try
        {
            if (!Directory.Exists(root)) return true;
            var directories = TreeWalk.Entries(root, (ref FileSystemEntry e) => e.ToFullPath(), (ref FileSystemEntry e) => e.IsDirectory && !TreeWalk.IsSymlink(e));
            OpenForOwner(root);
            foreach (var directory in directories) OpenForOwner(directory);
            Directory.Delete(root, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Gives the owner read, write and search on a directory (a restored mode may lack them); throws when
    /// it is not ours to change.</summary>
    internal static void OpenForOwner(string directory)
    {
        const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var mode = File.GetUnixFileMode(directory);
        if ((mode & Owner) != Owner) File.SetUnixFileMode(directory, mode | Owner);
    }
}
