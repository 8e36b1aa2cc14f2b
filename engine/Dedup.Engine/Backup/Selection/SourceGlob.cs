using Dedup.Native;

namespace Dedup.Backup.Selection;

/// <summary>
/// Expands a path with wildcards into the paths that exist, as the shell (and restic's --files-from) would:
/// each component is a <see cref="NamePattern"/> matched against the names in its directory. Directories are read
/// by bytes, so names that are not UTF-8 are found too. A path without wildcards is returned as it is.
/// </summary>
public static class SourceGlob
{
    public static bool HasWildcards(string path) => path.IndexOfAny(['*', '?', '[', '\\']) >= 0;

    /// <summary>The absolute paths matching <paramref name="pattern"/> (relative to <paramref name="workingDirectory"/>
    /// unless absolute), sorted by bytes.</summary>
    public static IReadOnlyList<string> Expand(string pattern, string workingDirectory)
    {
        if (!HasWildcards(pattern)) return [pattern];
        string start = pattern.StartsWith('/') ? "/" : workingDirectory;
        var found = new List<string> { start };
        foreach (var component in pattern.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = new List<string>();
            if (!HasWildcards(component))
                next.AddRange(found.Select(dir => Core.AbsolutePath.Join(dir, component)).Where(p => Posix.TryLStat(p) is not null));
            else
            {
                var name = new NamePattern(component, ignoreCase: false);
                foreach (var dir in found)
                    next.AddRange(List(dir).Where(name.IsMatch).Select(n => Core.AbsolutePath.Join(dir, n)));
            }
            found = next;
        }
        found.Sort(FileName.Compare);
        return found;
    }

    private static IEnumerable<string> List(string directory)
    {
        try
        {
            using var handle = DirectoryHandle.Open(directory);
            return handle.List().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
