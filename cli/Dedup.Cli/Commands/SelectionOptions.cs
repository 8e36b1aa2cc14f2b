using System.CommandLine;
using System.Globalization;
using Dedup.Backup.Selection;
using Dedup.Core;

namespace Dedup.Cli.Commands;

/// <summary>backup's options that choose what is saved, named and read as restic's are.</summary>
internal sealed class SelectionOptions
{
    private readonly Option<string[]> _exclude = new("--exclude", "-e") { Description = "exclude paths matching PATTERN (repeatable): '*' '?' '[a-z]' within a name, '**' across directories, leading '/' anchors at the root, trailing '/' matches directories only, leading '!' takes back an earlier exclusion" };
    private readonly Option<string[]> _iexclude = new("--iexclude") { Description = "as --exclude, ignoring case" };
    private readonly Option<string[]> _excludeFile = new("--exclude-file") { Description = "read exclude patterns from FILE, one per line ('#' comments, $VAR expanded; repeatable)" };
    private readonly Option<string[]> _iexcludeFile = new("--iexclude-file") { Description = "as --exclude-file, ignoring case" };
    private readonly Option<bool> _excludeCaches = new("--exclude-caches") { Description = "leave out the contents of directories holding a CACHEDIR.TAG file (bford.info/cachedir); the tag file itself is kept" };
    private readonly Option<string[]> _excludeIfPresent = new("--exclude-if-present") { Description = "NAME[:HEADER]: leave out the contents of directories holding a file NAME (starting with HEADER, when given), except that file (repeatable)" };
    private readonly Option<string?> _excludeLargerThan = new("--exclude-larger-than") { Description = "leave out files larger than SIZE (suffixes k, m, g, t: powers of 1024)" };
    private readonly Option<string[]> _filesFrom = new("--files-from") { Description = "read the paths to back up from FILE ('-': stdin), one per line; '#' comments, wildcards expanded (repeatable)" };
    private readonly Option<string[]> _filesFromVerbatim = new("--files-from-verbatim") { Description = "read the paths to back up from FILE, one per line, taken exactly as written (repeatable)" };
    private readonly Option<string[]> _filesFromRaw = new("--files-from-raw") { Description = "read the paths to back up from FILE, separated by NUL bytes, as 'find -print0' writes them (repeatable)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _exclude, _iexclude, _excludeFile, _iexcludeFile, _excludeCaches, _excludeIfPresent, _excludeLargerThan, _filesFrom, _filesFromVerbatim, _filesFromRaw })
            command.Options.Add(option);
    }

    public Exclusions Exclusions(ParseResult parse)
    {
        // Patterns keep the order they were given in, case-sensitive ones first: a '!' pattern acts on those before it.
        var patterns = new List<PathPattern>();
        patterns.AddRange(Parse(parse.GetValue(_exclude), ignoreCase: false));
        patterns.AddRange(Parse((parse.GetValue(_excludeFile) ?? []).SelectMany(PatternLists.ReadPatterns), ignoreCase: false));
        patterns.AddRange(Parse(parse.GetValue(_iexclude), ignoreCase: true));
        patterns.AddRange(Parse((parse.GetValue(_iexcludeFile) ?? []).SelectMany(PatternLists.ReadPatterns), ignoreCase: true));
        var tags = (parse.GetValue(_excludeIfPresent) ?? []).Select(TagFile.Parse).ToList();
        if (parse.GetValue(_excludeCaches)) tags.Add(Backup.Selection.Exclusions.CacheDirectoryTag);
        long? largerThan = parse.GetValue(_excludeLargerThan) is { } size ? ParseSize(size) : null;
        return new Exclusions(patterns, tags, largerThan);
    }

    /// <summary>The paths the --files-from options list, in the internal (byte-escaped) form.</summary>
    public List<string> ListedSources(ParseResult parse)
    {
        var paths = new List<string>();
        foreach (var file in parse.GetValue(_filesFrom) ?? [])
            foreach (var line in PatternLists.ReadPatterns(file))
            {
                var matches = SourceGlob.Expand(line, Environment.CurrentDirectory);
                if (matches.Count == 0) throw new DedupException($"{file}: '{Native.FileName.Display(line)}' matches no file");
                paths.AddRange(matches);
            }
        foreach (var file in parse.GetValue(_filesFromVerbatim) ?? []) paths.AddRange(PatternLists.ReadVerbatim(file));
        foreach (var file in parse.GetValue(_filesFromRaw) ?? []) paths.AddRange(PatternLists.ReadRaw(file));
        return paths;
    }

    private static IEnumerable<PathPattern> Parse(IEnumerable<string>? patterns, bool ignoreCase)
        => (patterns ?? []).Where(p => p.Length > 0).Select(p => PathPattern.Parse(p, ignoreCase));

    internal static long ParseSize(string text)
    {
        string digits = text.Trim();
        long unit = 1;
        if (digits.Length > 0 && "kKmMgGtT".Contains(digits[^1]))
        {
            unit = char.ToLowerInvariant(digits[^1]) switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            digits = digits[..^1];
        }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > long.MaxValue / unit)
            throw new DedupException($"--exclude-larger-than: '{text}' is not a size (e.g. 500m, 2g)");
        return value * unit;
    }
}
