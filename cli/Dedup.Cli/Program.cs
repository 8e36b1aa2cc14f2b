using System.CommandLine;
using Dedup.Cli;
using Dedup.Cli.Commands;

var root = new RootCommand("""
    dedup: content-addressed, deduplicating backups.

    Every snapshot is a complete tree that restores on its own; full, incremental and
    differential are only which earlier snapshot a backup compares with to skip unchanged files.

    The repository is --repo, else $DEDUP_REPO, else $XDG_DATA_HOME/dedup/repo (~/.local/share/dedup/repo).
    A snapshot is named by its id, a unique prefix of at least 4 characters, or "latest".

    Exit codes: 0 success, 1 error, 2 usage error, 3 backup saved but some files could not be read,
    11 repository locked by another dedup process, 130 interrupted (SIGINT or SIGTERM).
    """);
foreach (var option in GlobalOptions.All) root.Options.Add(option);
root.Subcommands.Add(InitCommand.Create());
root.Subcommands.Add(BackupCommand.Create());
root.Subcommands.Add(SnapshotsCommand.Create());
root.Subcommands.Add(LsCommand.Create());
root.Subcommands.Add(CatCommand.Create());
root.Subcommands.Add(DiffCommand.Create());
root.Subcommands.Add(FindCommand.Create());
root.Subcommands.Add(StatsCommand.Create());
root.Subcommands.Add(RestoreCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(KeyCommand.Create());
root.Subcommands.Add(RemoteCommand.Create());
root.Subcommands.Add(MirrorCommand.Create());
root.Subcommands.Add(RecoverCommand.Create());
root.Subcommands.Add(RepairCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(ForgetCommand.Create());
root.Subcommands.Add(PruneCommand.Create());
root.Subcommands.Add(PlanCommands.Verify());
root.Subcommands.Add(PlanCommands.Run());
root.Subcommands.Add(PlanCommands.Status());
root.Subcommands.Add(PlanCommands.Audit());
root.Subcommands.Add(CompletionCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(GenerateCommand.Create(root));

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    if (Dedup.Cli.Help.DidYouMean.Suggest(parse) is { } suggestion)
    {
        Console.Error.WriteLine($"dedup: unknown command '{parse.UnmatchedTokens.First(t => !t.StartsWith('-'))}'; did you mean '{suggestion}'?");
        return ExitCodes.Usage;
    }
    foreach (var error in parse.Errors) Console.Error.WriteLine($"dedup: {error.Message}");
    Console.Error.WriteLine("Run 'dedup --help' for usage.");
    return ExitCodes.Usage;
}
// Signals are handled here, not by System.CommandLine (which returns after 2 s while work still runs).
using var interruption = new Interruption();
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interruption.Token);
