using System.CommandLine;

namespace Dedup.Cli.Help;

/// <summary>"did you mean 'snapshots'?" for a mistyped command, as git and restic users are used to.</summary>
public static class DidYouMean
{
    /// <summary>The subcommand of the command the parse reached that is closest to the first word it could not
    /// match, when one is close enough to be a typo; else null.</summary>
    public static string? Suggest(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string? word = parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
        if (word is null || command.Subcommands.Count == 0) return null;
        var best = command.Subcommands
            .Where(c => !c.Hidden)
            .Select(c => (c.Name, Distance: c.Name.StartsWith(word, StringComparison.Ordinal) ? 0 : Distance(word, c.Name)))
            .MinBy(c => c.Distance);
        return best.Name is not null && best.Distance <= Math.Max(1, word.Length / 3) ? best.Name : null;
    }

    /// <summary>Levenshtein distance, with a swap of two neighbours counting one (the commonest typo).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
