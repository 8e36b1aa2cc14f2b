namespace Dedup.Backup.Selection;

/// <summary>
/// What a backup leaves out, as restic's backup options say it: patterns (in order; a later '!' pattern takes back
/// an earlier exclusion), directories marked by a tag file (kept with only their tag files in them), and files
/// larger than a size. Paths the user named on the command line are never excluded.
/// </summary>
public sealed class Exclusions
{
    public static readonly Exclusions None = new([], [], null);

    /// <summary>The Cache Directory Tagging Specification's tag (bford.info/cachedir), for --exclude-caches.</summary>
    public static readonly TagFile CacheDirectoryTag = new("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55");

    private readonly IReadOnlyList<PathPattern> _patterns;
    private readonly bool _needsComponents;

    public Exclusions(IReadOnlyList<PathPattern> patterns, IReadOnlyList<TagFile> tagFiles, long? largerThan)
    {
        (_patterns, TagFiles, LargerThan) = (patterns, tagFiles, largerThan);
        _needsComponents = patterns.Count > 0;
    }

    public static Exclusions FromPatterns(IEnumerable<string> patterns, bool ignoreCase = false)
        => new(patterns.Where(p => p.Length > 0).Select(p => PathPattern.Parse(p, ignoreCase)).ToList(), [], null);

    public IReadOnlyList<TagFile> TagFiles { get; }
    public long? LargerThan { get; }
    public IReadOnlyList<PathPattern> Patterns => _patterns;
    public bool IsEmpty => _patterns.Count == 0 && TagFiles.Count == 0 && LargerThan is null;

    public Exclusions With(Exclusions other) => new([.. _patterns, .. other._patterns], [.. TagFiles, .. other.TagFiles], other.LargerThan ?? LargerThan);

    /// <summary>True when the patterns leave this path out. The last pattern that matches decides.</summary>
    public bool ExcludesPath(string absolutePath, bool isDirectory)
    {
        if (!_needsComponents) return false;
        var components = PathPattern.Components(absolutePath);
        bool excluded = false;
        foreach (var pattern in _patterns)
            if (pattern.Negated == excluded && pattern.Matches(components, isDirectory)) excluded = !excluded;
        return excluded;
    }

    public bool ExcludesSize(long size) => size > LargerThan;
}

/// <summary>A directory holding a file of this name (starting with <paramref name="Header"/>, when given) is
/// saved with only that file in it (restic's --exclude-if-present NAME[:HEADER]).</summary>
public sealed record TagFile(string Name, string? Header)
{
    public static TagFile Parse(string text)
    {
        int colon = text.IndexOf(':');
        var tag = colon < 0 ? new TagFile(text, null) : new TagFile(text[..colon], text[(colon + 1)..]);
        if (tag.Name.Length == 0 || tag.Name.Contains('/')) throw new PatternException($"--exclude-if-present needs a file name, not '{text}'");
        return tag;
    }
}
