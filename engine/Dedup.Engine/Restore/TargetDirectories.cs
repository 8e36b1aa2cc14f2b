using Dedup.Core;
using Dedup.Native;

namespace Dedup.Restore;

/// <summary>
/// Opens directories under a restore target by walking down from the target's own handle one name at a time,
/// never following a symlink (O_NOFOLLOW at every step): a link planted inside the target cannot send a write
/// outside it, and no path ever reaches PATH_MAX. Thread safe: every call opens its own handles.
/// </summary>
internal sealed class TargetDirectories
{
    private readonly string _root;

    public TargetDirectories(string root)
    {
        _root = root;
        CreateRoot(root);
    }

    /// <summary>Opens <paramref name="targetPath"/> (the root or a path under it). Throws when a step is missing or not a directory.</summary>
    public DirectoryHandle Open(string targetPath)
    {
        var handle = DirectoryHandle.Open(_root);
        try
        {
            foreach (var name in Below(targetPath))
            {
                var next = OpenStep(handle, name, targetPath);
                handle.Dispose();
                handle = next;
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static DirectoryHandle OpenStep(DirectoryHandle parent, string name, string targetPath)
    {
        try { return parent.OpenDirectory(name); }
        catch (IOException e) when (e.HResult is Errno.TooManyLinks or Errno.NotDirectory)
        {
            throw Restorer.NotADirectory(AbsolutePath.Join(parent.Path, name), parent.TryStat(name));
        }
    }

    /// <summary>The names from the root down to <paramref name="targetPath"/>.</summary>
    private string[] Below(string targetPath)
    {
        if (targetPath == _root) return [];
        string rest = _root == "/" ? targetPath[1..] : targetPath[(_root.Length + 1)..];
        return rest.Split('/');
    }

    /// <summary>The target itself is the user's path: created like mkdir -p, following links the user put on the way.</summary>
    private static void CreateRoot(string root)
    {
        if (Posix.TryLStat(root) is { Type: FileStatus.Directory }) return;
        var handle = DirectoryHandle.Open("/");
        try
        {
            foreach (var name in root.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (handle.TryStat(name) is null)
                {
                    try { handle.CreateDirectory(name, 0b111_111_101); }
                    catch (IOException e) when (e.HResult == Errno.Exists) { }
                }
                var next = DirectoryHandle.Open(AbsolutePath.Join(handle.Path, name));
                handle.Dispose();
                handle = next;
            }
        }
        finally { handle.Dispose(); }
    }
}
