using System.CommandLine;
using Dedup.Cli.Help;

namespace Dedup.Cli.Commands;

/// <summary>dedup generate --man DIR (restic's spelling): documentation written from the command definitions.</summary>
public static class GenerateCommand
{
    public static Command Create(RootCommand root)
    {
        var man = new Option<string>("--man") { Description = "write man pages (dedup.1, dedup-backup.1, …) into this directory", Required = true };
        var command = new Command("generate", "Write man pages from the command definitions (install: copy them to /usr/local/share/man/man1)") { man };
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            string version = typeof(GenerateCommand).Assembly.GetName().Version?.ToString(3) ?? "0";
            var pages = ManPage.WriteAll(root, parse.GetValue(man)!, version);
            context.Info($"wrote {pages.Count} man pages to {Path.GetFullPath(parse.GetValue(man)!)}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
