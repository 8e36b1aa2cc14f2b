using DotNet.Globbing;

namespace Dedup.Backup.Selection;

/// <summary>
/// One path component of a pattern, with the meaning Go's filepath.Match gives it (the syntax restic documents):
/// '*' any run of characters, '?' one character, '[abc]', '[a-z]', '[^a]' / '[!a]' classes, '\' escaping the next
/// character. Matching is DotNet.Glob's; this class only translates the syntax, because the library reads '\' as a
/// path separator, has no escape, writes negation '[!', and treats '**' inside a name differently.
/// </summary>
internal sealed class NamePattern
{
    // DotNet.Glob's wildcards stop at '\' and '/'. A name never holds '/' or NUL, so '\' in names and patterns is
    // swapped for NUL, which the library treats as an ordinary character.
    private const char Backslash = '\\', Stand = '\0';

    private readonly Glob? _glob;
    private readonly string? _literal;
    private readonly StringComparison _comparison;

    public NamePattern(string component, bool ignoreCase)
    {
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (component.IndexOfAny(['*', '?', '[', '\\']) < 0) { _literal = component; return; }
        var options = new GlobOptions();
        options.Evaluation.CaseInsensitive = ignoreCase;
        try { _glob = Glob.Parse(Translate(component), options); }
        catch (Exception e) when (e is not PatternException) { throw new PatternException($"bad pattern component '{component}'"); }
    }

    public bool IsMatch(string name) => _literal is not null
        ? string.Equals(_literal, name, _comparison)
        : _glob!.IsMatch(name.Contains(Backslash) ? name.Replace(Backslash, Stand) : name);

    private static string Translate(string component)
    {
        var sb = new System.Text.StringBuilder(component.Length + 8);
        bool inClass = false;
        for (int i = 0; i < component.Length; i++)
        {
            char c = component[i];
            if (c == Backslash)
            {
                if (++i == component.Length) throw new PatternException($"bad pattern component '{component}': it ends with '\\'");
                char escaped = component[i] == Backslash ? Stand : component[i];
                // Outside a class an escaped character becomes a one-character class: the library has no escape.
                if (inClass) sb.Append(escaped); else sb.Append('[').Append(escaped).Append(']');
            }
            else if (inClass)
            {
                if (c == ']') inClass = false;
                sb.Append(c);
            }
            else if (c == '[')
            {
                inClass = true;
                sb.Append('[');
                if (i + 1 < component.Length && component[i + 1] is '^' or '!') { sb.Append('!'); i++; }
                // A ']' right after the opening one is a member, not the end.
                if (i + 1 < component.Length && component[i + 1] == ']') { sb.Append(']'); i++; }
            }
            else if (c == '*')
            {
                // In Go "a**b" is "a*b": consecutive stars are one.
                if (sb.Length == 0 || sb[^1] != '*') sb.Append('*');
            }
            else sb.Append(c);
        }
        if (inClass) throw new PatternException($"bad pattern component '{component}': '[' without ']'");
        return sb.ToString();
    }
}

/// <summary>A pattern the user gave cannot be read.</summary>
public sealed class PatternException(string message) : Core.DedupException(message);
