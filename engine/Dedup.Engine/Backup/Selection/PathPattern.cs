namespace Dedup.Backup.Selection;

/// <summary>
/// A pattern over absolute paths, read the way restic reads its exclude patterns:
/// <list type="bullet">
/// <item>components are separated by '/' and each is a <see cref="NamePattern"/>: '*' and '?' never cross a '/';</item>
/// <item>'**' as a whole component matches any number of components, none included;</item>
/// <item>a leading '/' anchors the pattern at the root; without it, the pattern may match anywhere in the path
/// ("*.go", "bar/*" and "bar/test.go" all match /foo/bar/test.go);</item>
/// <item>a match need not reach the end of the path: a pattern that matches a directory matches everything in it;</item>
/// <item>a trailing '/' restricts the pattern to directories (restic ignores it; gitignore and borg users expect this);</item>
/// <item>a leading '!' negates: the path is kept again if an earlier pattern excluded it (see <see cref="Exclusions"/>);</item>
/// <item>"//", "." and ".." are cleaned as in a path ("/foo/../bar" is "/bar").</item>
/// </list>
/// </summary>
public sealed class PathPattern
{
    private readonly NamePattern?[] _parts; // null stands for "**"
    private readonly bool _anchored;

    private PathPattern(string text, NamePattern?[] parts, bool anchored, bool negated, bool directoriesOnly)
        => (Text, _parts, _anchored, Negated, DirectoriesOnly) = (text, parts, anchored, negated, directoriesOnly);

    public string Text { get; }
    public bool Negated { get; }
    public bool DirectoriesOnly { get; }

    /// <summary>Throws <see cref="PatternException"/> for an empty or malformed pattern.</summary>
    public static PathPattern Parse(string text, bool ignoreCase = false)
    {
        string body = text;
        bool negated = body.StartsWith('!');
        if (negated) body = body[1..];
        if (body.Length == 0) throw new PatternException($"empty pattern '{text}'");
        bool anchored = body.StartsWith('/');
        bool directoriesOnly = body.Length > 1 && body.EndsWith('/');
        var parts = new List<NamePattern?>();
        foreach (var component in Clean(body))
            parts.Add(component == "**" ? null : new NamePattern(component, ignoreCase));
        return new PathPattern(text, parts.ToArray(), anchored, negated, directoriesOnly);
    }

    /// <summary>True when the pattern matches the path or one of its ancestors (restic's exclusion rule).
    /// <paramref name="components"/> are the path's names below the root.</summary>
    public bool Matches(ReadOnlySpan<string> components, bool isDirectory)
    {
        // A directory-only pattern must end at a directory: the entry itself, or any ancestor (always a directory).
        if (DirectoriesOnly && !isDirectory) return !components.IsEmpty && Matches(components[..^1], isDirectory: true);
        return Search(components, toEnd: false);
    }

    /// <summary>True when the pattern matches the whole path up to its last component (find's rule: the entry
    /// itself, not something it is inside of).</summary>
    public bool MatchesEntry(ReadOnlySpan<string> components, bool isDirectory)
        => (!DirectoriesOnly || isDirectory) && Search(components, toEnd: true);

    public static string[] Components(string absolutePath) => absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private bool Search(ReadOnlySpan<string> components, bool toEnd)
    {
        if (_anchored) return MatchFrom(0, components, toEnd);
        for (int start = 0; start <= components.Length; start++)
            if (MatchFrom(0, components[start..], toEnd)) return true;
        return false;
    }

    private bool MatchFrom(int part, ReadOnlySpan<string> rest, bool toEnd)
    {
        if (part == _parts.Length) return !toEnd || rest.IsEmpty;
        if (_parts[part] is not { } name)
        {
            for (int skip = 0; skip <= rest.Length; skip++)
                if (MatchFrom(part + 1, rest[skip..], toEnd)) return true;
            return false;
        }
        return !rest.IsEmpty && name.IsMatch(rest[0]) && MatchFrom(part + 1, rest[1..], toEnd);
    }

    private static List<string> Clean(string body)
    {
        var parts = new List<string>();
        foreach (var component in body.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component == ".") continue;
            if (component == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(component);
        }
        if (parts.Count == 0) throw new PatternException($"pattern '{body}' names no path");
        return parts;
    }

    public override string ToString() => Text;
}
