using System.Text;
using System.Text.RegularExpressions;

namespace Dedup.Backup;

/// <summary>
/// Exclude patterns as restic reads them: '*' and '?' stay within one path component, '**' spans any number.
/// A pattern without '/' matches a file's name anywhere; one with '/' matches the absolute path (or a prefix of
/// it ending at a component, so excluding a directory excludes its contents).
/// </summary>
public sealed class Glob
{
    private readonly Regex _regex;
    private readonly bool _matchesName;

    public Glob(string pattern)
    {
        Pattern = pattern;
        _matchesName = !pattern.Contains('/');
        var sb = new StringBuilder("^");
        if (!_matchesName && !pattern.StartsWith('/')) sb.Append("(?:.*/)?");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/') i++;
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        sb.Append(_matchesName ? "$" : "(?:/.*)?$");
        _regex = new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    public string Pattern { get; }

    public bool IsMatch(string absolutePath, string name) => _regex.IsMatch(_matchesName ? name : absolutePath);
}
