using System.CommandLine;
using System.Text;

namespace Dedup.Cli.Help;

/// <summary>Man pages in troff (man(7)) written from the command definitions, one per command as restic and git
/// do (dedup.1, dedup-backup.1, dedup-remote-add.1): the pages cannot drift from --help.</summary>
public static class ManPage
{
    /// <summary>Writes every page into <paramref name="directory"/>; returns the file names.</summary>
    public static IReadOnlyList<string> WriteAll(RootCommand root, string directory, string version)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Walk(Command command, IReadOnlyList<Command> parents)
        {
            string name = string.Join('-', parents.Append(command).Select(c => c is RootCommand ? "dedup" : c.Name));
            File.WriteAllText(Path.Combine(directory, name + ".1"), Render(command, parents, name, version));
            written.Add(name + ".1");
            foreach (var sub in command.Subcommands.Where(s => !s.Hidden)) Walk(sub, [.. parents, command]);
        }
        Walk(root, []);
        return written;
    }

    private static string Render(Command command, IReadOnlyList<Command> parents, string pageName, string version)
    {
        string invocation = string.Join(' ', parents.Append(command).Select(c => c is RootCommand ? "dedup" : c.Name));
        var page = new StringBuilder();
        page.AppendLine($".TH {Escape(pageName.ToUpperInvariant())} 1 \"\" \"dedup {Escape(version)}\" \"Dedup Manual\"");
        page.AppendLine(".SH NAME");
        page.AppendLine($"{Escape(pageName)} \\- {Escape(FirstLine(command.Description))}");
        page.AppendLine(".SH SYNOPSIS");
        var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => (a.Arity.MaximumNumberOfValues > 1 ? a.Name + "..." : a.Name) is var n && a.Arity.MinimumNumberOfValues == 0 ? $"[{n}]" : n);
        page.AppendLine($".B {Escape(invocation)}");
        page.AppendLine(Escape(string.Join(' ', (command.Subcommands.Count > 0 ? new[] { "COMMAND" } : []).Concat(["[OPTIONS]"]).Concat(arguments))));
        page.AppendLine(".SH DESCRIPTION");
        foreach (var paragraph in (command.Description ?? "").Split("\n\n"))
        {
            page.AppendLine(".PP");
            page.AppendLine(Escape(paragraph.Trim()));
        }
        if (command.Arguments.Any(a => !a.Hidden))
        {
            page.AppendLine(".SH ARGUMENTS");
            foreach (var argument in command.Arguments.Where(a => !a.Hidden)) Item(page, argument.Name, argument.Description);
        }
        if (command.Subcommands.Any(s => !s.Hidden))
        {
            page.AppendLine(".SH COMMANDS");
            foreach (var sub in command.Subcommands.Where(s => !s.Hidden))
                Item(page, $"{sub.Name} (see {pageName}-{sub.Name}(1))", FirstLine(sub.Description));
        }
        var options = Options(command, parents).ToList();
        if (options.Count > 0)
        {
            page.AppendLine(".SH OPTIONS");
            foreach (var option in options)
                Item(page, string.Join(", ", option.Aliases.Prepend(option.Name).Distinct().OrderBy(n => n.Length)), option.Description);
        }
        page.AppendLine(".SH SEE ALSO");
        page.AppendLine(Escape(parents.Count == 0 ? "The documents in docs/ of the source tree: usage.md, plan.md, mirror.md, disaster-recovery.md." : "dedup(1)"));
        return page.ToString();
    }

    /// <summary>The command's own options, then the global ones it inherits (recursive options of its parents).</summary>
    private static IEnumerable<Option> Options(Command command, IReadOnlyList<Command> parents) =>
        command.Options.Where(o => !o.Hidden)
            .Concat(parents.SelectMany(p => p.Options).Where(o => o.Recursive && !o.Hidden))
            .DistinctBy(o => o.Name);

    private static void Item(StringBuilder page, string term, string? description)
    {
        page.AppendLine(".TP");
        page.AppendLine($".B {Escape(term)}");
        page.AppendLine(Escape(description ?? ""));
    }

    private static string FirstLine(string? text) => (text ?? "").Split('\n')[0].Trim();

    /// <summary>troff reads a backslash as an escape, a leading dot or quote as a request, and only ASCII.</summary>
    private static string Escape(string text)
    {
        var lines = text.Replace("\\", "\\e").Replace("-", "\\-").Split('\n')
            .Select(l => l.TrimStart())
            .Select(l => l.StartsWith('.') || l.StartsWith('\'') ? "\\&" + l : l);
        // troff input is ASCII: anything else as a named Unicode glyph (\[u2026] for "…").
        return string.Concat(string.Join('\n', lines).Select(c => c < 128 ? c.ToString() : $"\\[u{(int)c:X4}]"));
    }
}
