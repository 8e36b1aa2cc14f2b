using System.CommandLine;
using Dedup.Check;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

public static class CheckCommand
{
    public static Command Create()
    {
        var readData = new Option<bool>("--read-data") { Description = "also read every pack and re-hash every block" };
        var remote = new Option<string?>("--remote") { Description = "also check this remote's copy (with --read-data: download and verify every pack)" };
        var command = new Command("check", "Check the repository for damage and list what it affects") { readData, remote };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            using var repository = context.Open("check");
            bool read = parse.GetValue(readData);
            var report = await ProgressDisplay.RunAsync(context, read ? "reading packs" : "checking packs", "packs", counter =>
                Task.FromResult(Checker.Run(repository, read, counter.ItemsDone)));
            RemoteCheckReport? remoteReport = null;
            string? remoteName = null;
            if (parse.GetValue(remote) is { } given)
            {
                using var connection = Remotes.Connect(Remotes.Resolve(context, given));
                remoteName = connection.Definition.Name;
                remoteReport = await ProgressDisplay.RunAsync(context, $"checking {remoteName}", "packs", counter =>
                    RemoteChecker.RunAsync(repository, connection.Store, read, 4, counter.ItemsDone, ct));
            }
            bool ok = report.Ok && (remoteReport?.Ok ?? true);
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
                        bytes_read = remoteReport.BytesRead,
                        damaged_packs = remoteReport.DamagedPacks,
                        damaged_segments = remoteReport.DamagedSegments,
                        affected_snapshots = remoteReport.Affected.AffectedSnapshots,
                        affected_files = remoteReport.Affected.AffectedFiles,
                    },
                    packs_checked = report.PacksChecked,
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
                if (report.Ok) context.Info($"no errors were found ({report.PacksChecked} packs{(read ? $", {report.BlocksRead} blocks read" : "")})");
                if (remoteReport is not null)
                {
                    foreach (var (pack, problem) in remoteReport.DamagedPacks) Console.Error.WriteLine($"error: {remoteName}: pack {pack}: {problem}");
                    foreach (var segment in remoteReport.DamagedSegments) Console.Error.WriteLine($"error: {remoteName}: {segment}");
                    AffectedOutput.Write(remoteReport.Affected, remoteName);
                    if (remoteReport.Ok) context.Info($"no errors were found on {remoteName} ({remoteReport.PacksChecked} packs{(read ? $", {Format.Bytes(remoteReport.BytesRead)} read" : "")}; {remoteReport.PacksPending} packs not pushed yet)");
                }
            }
            if (!report.Ok) context.Error($"repository has errors: {report.DamagedPacks.Count} damaged packs, {report.AffectedSnapshots.Count} affected snapshots");
            if (remoteReport is { Ok: false }) context.Error($"remote {remoteName} has errors: {remoteReport.DamagedPacks.Count} damaged packs, {remoteReport.DamagedSegments.Count} damaged catalog segments (run 'dedup repair')");
            return ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }
}
