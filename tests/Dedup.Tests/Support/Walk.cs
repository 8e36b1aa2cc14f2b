using System.IO.Enumeration;

namespace Dedup.Tests.Support;

/// <summary>
/// Every entry under a directory, symlinks listed but never followed. SearchOption.AllDirectories follows
/// symlinks to directories: two links to their own directory (random trees make them) branch without end.
/// </summary>
public static class Walk
{
    public static IEnumerable<string> Entries(string root) =>
        new FileSystemEnumerable<string>(root, (ref FileSystemEntry e) => e.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };

    /// <summary>Directories only, symlinks to directories excluded.</summary>
    public static IEnumerable<string> Directories(string root) =>
        Entries(root).Where(p => Directory.Exists(p) && new FileInfo(p).LinkTarget is null);
}
