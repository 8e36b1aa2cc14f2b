using System.CommandLine;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

/// <summary>dedup repair: heal the local repository and its remote from each other, or rebuild the catalog.</summary>
public static class RepairCommand
{
    public static Command Create()
    {
        var remote = new Option<string?>("--remote") { Description = "remote to heal with (default: the only remote)" };
        var parallel = Remotes.ParallelOption();
        var catalog = new Option<bool>("--catalog")
        {
            Description = "rebuild catalog.db from the snapshot files and packs (the old one is kept as catalog.db.damaged-TIME)",
        };
        var command = new Command("repair", "Read every pack here and on the remote; replace each damaged copy with the other's verified one") { remote, parallel, catalog };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            if (parse.GetValue(catalog)) return RebuildCatalog(context, ct);
            using var repository = context.Open("repair", forWriting: true);
            using var connection = Remotes.Connect(Remotes.Resolve(context, parse.GetValue(remote)));
            var report = await ProgressDisplay.RunAsync(context, "repair", "packs", _ =>
                Repairer.RunAsync(repository, connection.Store, parse.GetValue(parallel), ct));
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    ok = report.Ok,
                    repaired_local = report.RepairedLocal,
                    repaired_remote = report.RepairedRemote,
                    unhealed = report.Unhealed,
                    affected_snapshots = report.Affected.AffectedSnapshots,
                    affected_files = report.Affected.AffectedFiles,
                }));
            }
            else
            {
                foreach (var pack in report.RepairedLocal) context.Info($"repaired local pack {pack} from {connection.Definition.Name}");
                foreach (var pack in report.RepairedRemote) context.Info($"repaired pack {pack} on {connection.Definition.Name} from the local copy");
                foreach (var (pack, why) in report.Unhealed) Console.Error.WriteLine($"error: pack {pack}: {why}");
                AffectedOutput.Write(report.Affected);
                if (report.Ok) context.Info($"both copies are intact ({report.RepairedLocal.Count} local and {report.RepairedRemote.Count} remote packs repaired)");
            }
            if (!report.Ok) context.Error($"{report.Unhealed.Count} packs could not be healed from either copy");
            return report.Ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }

    private static int RebuildCatalog(CliContext context, CancellationToken ct)
    {
        using var repository = Repository.LocalRepository.OpenWithNewCatalog(context.RepositoryPath, CliContext.Catalogs, context.Password, context.LockWait, TimeProvider.System);
        var report = Repository.CatalogRebuilder.Run(repository, cancellationToken: ct);
        if (context.Json)
        {
            Console.Out.WriteLine(Format.ToJson(new { ok = report.Problems.Count == 0, packs = report.Packs, blocks = report.Blocks, snapshots = report.Snapshots, problems = report.Problems }));
        }
        else
        {
            foreach (var problem in report.Problems) Console.Error.WriteLine($"error: {problem}");
            context.Info($"catalog rebuilt: {report.Snapshots} snapshots, {report.Packs} packs, {report.Blocks} blobs; run 'dedup check' next");
        }
        return report.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Error;
    }
}
