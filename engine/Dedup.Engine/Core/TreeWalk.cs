using System.IO.Enumeration;

namespace Dedup.Core;

/// <summary>
/// Walks a local directory tree listing symlinks as entries but never following them. SearchOption.AllDirectories
/// follows links to directories: two links to their own directory make it branch without end.
/// </summary>
public static class TreeWalk
{
    public static IEnumerable<T> Entries<T>(string root, FileSystemEnumerable<T>.FindTransform transform,
        FileSystemEnumerable<T>.FindPredicate? include = null, bool ignoreInaccessible = false) =>
        new FileSystemEnumerable<T>(root, transform,
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = ignoreInaccessible })
        {
            ShouldIncludePredicate = include,
            ShouldRecursePredicate = (ref FileSystemEntry e) => !IsSymlink(e),
        };

    public static bool IsSymlink(in FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;
}
