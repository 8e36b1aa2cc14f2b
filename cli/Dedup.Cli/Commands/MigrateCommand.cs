using System.CommandLine;
using Dedup.Repository;

namespace Dedup.Cli.Commands;

/// <summary>dedup migrate: upgrade a repository to the current format in place (docs/format.md, ADR 0005).</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", $"Upgrade the repository to format version {RepositoryConfig.CurrentVersion} in place (safe to interrupt and run again)");
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            using var repository = context.Open("migrate", forWriting: true);
            var report = await Migration.RunAsync(repository, Environment.ProcessorCount, ct);
            if (context.Json)
                Console.Out.WriteLine(Format.ToJson(new { from = report.FromVersion, to = report.ToVersion, trees_stored = report.TreesStored, snapshot_files = report.SnapshotFiles }));
            else if (report.FromVersion == report.ToVersion)
                context.Info($"the repository is already format version {report.ToVersion}");
            else
                context.Info($"migrated from format version {report.FromVersion} to {report.ToVersion}: {report.TreesStored} trees stored as blobs, {report.SnapshotFiles} snapshot files written");
            return ExitCodes.Success;
        }));
        return command;
    }
}
