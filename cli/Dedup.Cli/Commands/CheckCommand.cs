using System.CommandLine;
using Dedup.Check;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

public static class CheckCommand
{
    public static Command Create()
    {
        var readData = new Option<bool>("--read-data") { Description = "also read every pack and re-hash every block (packs only on the remote are read from there)" };
        var remote = new Option<string?>("--remote") { Description = "also check this remote's copy (with --read-data: download and verify every pack)" };
        var command = new Command("check", "Check the repository for damage and list what it affects; say where each pack is (here, or only on the remote)") { readData, remote };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            using var repository = context.Open("check");
            bool read = parse.GetValue(readData);
            string? given = parse.GetValue(remote);
            using var connection = Connect(context, repository, given);
            RemoteState? state = null;
            if (connection is not null)
            {
                try { state = await RemoteState.LoadAsync(connection.Store, repository.Protection.CatalogSealer, 4, ct); }
                catch (Core.DedupException e) when (given is null)
                {
                    Console.Error.WriteLine($"warning: packs are missing here and {connection.Definition.Name} could not be asked: {e.Message}");
                }
            }
            var copies = state is null ? null : new MirroredPacks(connection!.Definition.Name, connection.Store, state);
            var report = await ProgressDisplay.RunAsync(context, read ? "reading packs" : "checking packs", "packs", counter =>
                Task.FromResult(Checker.Run(repository, read, counter.ItemsDone, copies: copies, cancellationToken: ct)));
            RemoteCheckReport? remoteReport = null;
            string? remoteName = connection?.Definition.Name;
            if (given is not null)
            {
                // Packs the check above read from this bucket (the repository lacks them) and found intact are not read twice.
                var verified = report.PacksReadElsewhere.Where(p => !report.DamagedPacks.ContainsKey(p)).ToHashSet(StringComparer.Ordinal);
                remoteReport = await ProgressDisplay.RunAsync(context, $"checking {remoteName}", "packs", counter =>
                    RemoteChecker.RunAsync(repository, connection!.Store, state!, read, 4, verified, counter.ItemsDone, ct));
            }
            bool ok = report.Ok && (remoteReport?.Ok ?? true);
            var elsewhere = report.PacksElsewhere.Values.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    ok,
                    remote = remoteReport is null ? null : new
                    {
                        name = remoteName,
                        ok = remoteReport.Ok,
                        packs_checked = remoteReport.PacksChecked,
                        packs_pending = remoteReport.PacksPending,
                        bytes_read = remoteReport.BytesRead + report.BytesReadElsewhere,
                        damaged_packs = remoteReport.DamagedPacks,
                        damaged_segments = remoteReport.DamagedSegments,
                        affected_snapshots = remoteReport.Affected.AffectedSnapshots,
                        affected_files = remoteReport.Affected.AffectedFiles,
                    },
                    packs_checked = report.PacksChecked,
                    packs_here = report.PacksHere,
                    packs_elsewhere = elsewhere,
                    bytes_read_elsewhere = report.BytesReadElsewhere,
                    blocks_read = report.BlocksRead,
                    errors = report.Errors,
                    notes = report.Notes,
                    damaged_packs = report.DamagedPacks.Keys,
                    affected_snapshots = report.AffectedSnapshots,
                    affected_files = report.AffectedFiles,
                }));
            }
            else
            {
                foreach (var note in report.Notes) context.Info($"note: {note}");
                foreach (var error in report.Errors) Console.Error.WriteLine($"error: {error}");
                AffectedOutput.Write(report);
                if (report.Ok) context.Info($"no errors were found ({Where(report, elsewhere, read)}{(read ? $"; {report.BlocksRead} blocks read" : "")})");
                if (remoteReport is not null)
                {
                    foreach (var (pack, problem) in remoteReport.DamagedPacks) Console.Error.WriteLine($"error: {remoteName}: pack {pack}: {problem}");
                    foreach (var segment in remoteReport.DamagedSegments) Console.Error.WriteLine($"error: {remoteName}: {segment}");
                    AffectedOutput.Write(remoteReport.Affected, remoteName);
                    // Said so that the line agrees with the exit code even when the repository here has errors.
                    if (remoteReport.Ok) context.Info($"no errors were found on {remoteName} ({remoteReport.PacksChecked} packs{(read ? $", {Format.Bytes(remoteReport.BytesRead + report.BytesReadElsewhere)} read" : "")}; {remoteReport.PacksPending} packs not pushed yet)" +
                        (report.Ok ? "" : "; the errors above are in the repository here"));
                }
            }
            if (!report.Ok) context.Error($"repository has errors: {report.DamagedPacks.Count} damaged packs, {report.AffectedSnapshots.Count} affected snapshots");
            if (remoteReport is { Ok: false }) context.Error($"remote {remoteName} has errors: {remoteReport.DamagedPacks.Count} damaged packs, {remoteReport.DamagedSegments.Count} damaged catalog segments (run 'dedup repair')");
            return ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }

    /// <summary>The remote named, else (only when packs the catalog lists are not here) the repository's remote, to
    /// say whether it holds them. A remote that cannot be used then is a warning: the packs count as missing.</summary>
    private static RemoteConnection? Connect(CliContext context, Repository.LocalRepository repository, string? given)
    {
        // check judges the bucket itself: no segment cache.
        if (given is not null) return Remotes.Connect(Remotes.Resolve(context, given));
        if (!MirroredPacks.Needed(repository) || Remotes.Default(context) is not { } remote) return null;
        try { return Remotes.Connect(remote); }
        catch (Core.DedupException e)
        {
            Console.Error.WriteLine($"warning: packs are missing here and {remote.Name} could not be asked: {e.Message}");
            return null;
        }
    }

    /// <summary>"12 packs", or where they are when not all are here: "12 packs: 2 here, 10 only on offsite, 40 MiB read from there".</summary>
    private static string Where(CheckReport report, Dictionary<string, int> elsewhere, bool read) =>
        elsewhere.Count == 0 ? $"{report.PacksChecked} packs"
            : $"{report.PacksChecked} packs: {report.PacksHere} here, {string.Join(", ", elsewhere.Select(e => $"{e.Value} only on {e.Key}"))}" +
              (read ? $", {Format.Bytes(report.BytesReadElsewhere)} read from there" : "");
}
