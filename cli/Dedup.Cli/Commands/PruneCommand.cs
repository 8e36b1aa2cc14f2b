using System.CommandLine;
using Dedup.Maintenance;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

/// <summary>dedup prune: delete what no snapshot references, here and (with --remote) in the mirror.</summary>
public static class PruneCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "show what would be deleted and repacked; change nothing" };
        var repackBelow = new Option<double>("--repack-below")
        {
            Description = "repack packs whose live data is below this fraction (default 0.5)",
            DefaultValueFactory = _ => 0.5,
            Validators = { r => { if (r.GetValueOrDefault<double>() is < 0 or > 1) r.AddError("--repack-below must be between 0 and 1"); } },
        };
        var remote = new Option<string?>("--remote") { Description = "then bring this remote down to what the repository holds" };
        var command = new Command("prune", "Delete data no snapshot references and repack mostly empty packs") { dryRun, repackBelow, remote };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            bool dry = parse.GetValue(dryRun);
            using var repository = context.Open("prune", forWriting: !dry);
            return await RunAsync(context, repository, new PruneOptions { DryRun = dry, RepackBelow = parse.GetValue(repackBelow) }, parse.GetValue(remote), ct);
        }));
        return command;
    }

    /// <summary>Shared with forget --prune.</summary>
    public static async Task<int> RunAsync(CliContext context, Repository.LocalRepository repository, PruneOptions options, string? remoteName, CancellationToken ct)
    {
        var report = await ProgressDisplay.RunAsync(context, "prune", "packs", _ => Pruner.RunAsync(repository, options, ct));
        MirrorPruneReport? mirror = null;
        string? mirrorName = null;
        if (remoteName is not null && !options.DryRun)
        {
            using var connection = Remotes.ConnectCached(context, Remotes.Resolve(context, remoteName));
            mirrorName = connection.Definition.Name;
            mirror = await ProgressDisplay.RunAsync(context, $"prune {mirrorName}", "packs", _ => MirrorPruner.RunAsync(repository, connection.Store, new PushOptions(), ct));
        }
        if (context.Json)
        {
            Console.Out.WriteLine(Format.ToJson(new
            {
                dry_run = report.DryRun,
                snapshots = report.Snapshots,
                trees_removed = report.TreesRemoved,
                packs_deleted = report.PacksDeleted,
                packs_repacked = report.PacksRepacked,
                blocks_repacked = report.BlocksRepacked,
                bytes_repacked = report.BytesRepacked,
                bytes_freed = report.BytesFreed,
                live_bytes = report.LiveBytes,
                remote = mirror is null ? null : new { name = mirrorName, segments_replaced = mirror.SegmentsReplaced, packs_deleted = mirror.PacksDeleted, bytes_freed = mirror.BytesFreed, snapshots_forgotten = mirror.SnapshotsForgotten },
            }));
        }
        else
        {
            string verb = report.DryRun ? "would " : "";
            context.Info($"{verb}delete {report.PacksDeleted} packs and {report.TreesRemoved} trees, {verb}repack {report.PacksRepacked} packs ({report.BlocksRepacked} blocks, {Format.Bytes(report.BytesRepacked)}): " +
                $"{Format.Bytes(report.BytesFreed)} {(report.DryRun ? "would be " : "")}freed, {Format.Bytes(report.LiveBytes)} in use by {report.Snapshots} snapshots");
            if (mirror is not null)
                context.Info($"{mirrorName}: {mirror.PacksDeleted} packs deleted ({Format.Bytes(mirror.BytesFreed)}), {mirror.SnapshotsForgotten} snapshots forgotten, catalog rewritten as one segment");
        }
        return ExitCodes.Success;
    }
}
