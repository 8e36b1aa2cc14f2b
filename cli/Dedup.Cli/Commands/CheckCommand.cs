using System.CommandLine;
using Dedup.Check;

namespace Dedup.Cli.Commands;

public static class CheckCommand
{
    public static Command Create()
    {
        var readData = new Option<bool>("--read-data") { Description = "also read every pack and re-hash every block" };
        var command = new Command("check", "Check the repository for damage and list what it affects") { readData };
        command.SetAction(parse => CliContext.RunAsync(parse, async context =>
        {
            using var repository = context.Open("check");
            bool read = parse.GetValue(readData);
            var report = await ProgressDisplay.RunAsync(context, read ? "reading packs" : "checking packs", "packs", counter =>
                Task.FromResult(Checker.Run(repository, read, (done, total) => { counter.SetTotal(total); counter.AddBytes(1); counter.AddItem(); })));
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    ok = report.Ok,
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
                if (report.AffectedFiles.Count > 0)
                {
                    Console.Error.WriteLine($"affected snapshots: {string.Join(' ', report.AffectedSnapshots)}");
                    Console.Error.WriteLine("affected files (snapshot path):");
                    foreach (var file in report.AffectedFiles) Console.Error.WriteLine($"  {file}");
                }
                context.Info(report.Ok
                    ? $"no errors were found ({report.PacksChecked} packs{(read ? $", {report.BlocksRead} blocks read" : "")})"
                    : "");
            }
            if (!report.Ok) context.Error($"repository has errors: {report.DamagedPacks.Count} damaged packs, {report.AffectedSnapshots.Count} affected snapshots");
            return report.Ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }
}
