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
            MakeWritable(root);
            foreach (var directory in directories) MakeWritable(directory);
            Directory.Delete(root, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static void MakeWritable(string directory) =>
        File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
