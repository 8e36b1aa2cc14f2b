using System.CommandLine;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

/// <summary>dedup mirror push | status: the offsite copy of the 3-2-1 rule.</summary>
public static class MirrorCommand
{
    public static Command Create()
    {
        var command = new Command("mirror", "Copy the repository to a remote bucket and report what each copy holds");
        command.Subcommands.Add(Push());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Argument<string?> RemoteArgument() => new("NAME") { Description = "remote name (default: the only remote)", Arity = ArgumentArity.ZeroOrOne };

    private static Command Push()
    {
        var name = RemoteArgument();
        var parallel = Remotes.ParallelOption();
        var command = new Command("push", "Upload everything the remote lacks (packs verified after upload, then the sealed catalog)") { name, parallel };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            using var repository = context.Open("mirror push", forWriting: true);
            return await PushAsync(context, repository, parse.GetValue(name), parse.GetValue(parallel), ct);
        }));
        return command;
    }

    /// <summary>Shared with backup --mirror.</summary>
    public static async Task<int> PushAsync(CliContext context, Repository.LocalRepository repository, string? remoteName, int parallel, CancellationToken ct)
    {
        using var connection = Remotes.ConnectCached(context, Remotes.Resolve(context, remoteName));
        var report = await ProgressDisplay.RunAsync(context, $"push to {connection.Definition.Name}", "packs", counter =>
            new MirrorPusher(repository, connection.Store, new PushOptions
            {
                Parallel = parallel,
                OnTotal = counter.SetTotal,
                OnProgress = counter.ItemDone,
            }).PushAsync(ct));
        double seconds = Math.Max(report.Duration.TotalSeconds, 1e-3);
        if (context.Json)
        {
            Console.Out.WriteLine(Format.ToJson(new
            {
                message_type = "push",
                remote = connection.Definition.Name,
                packs_uploaded = report.PacksUploaded,
                packs_verified_in_place = report.PacksVerifiedInPlace,
                packs_already_mirrored = report.PacksAlreadyMirrored,
                segments_uploaded = report.SegmentsUploaded,
                snapshots_exported = report.SnapshotsExported,
                snapshots_on_remote = report.SnapshotsOnRemote,
                audit_records_uploaded = report.AuditRecordsUploaded,
                bytes_uploaded = connection.Counter.BytesUploaded,
                bytes_downloaded = connection.Counter.BytesDownloaded,
                requests = connection.Counter.Requests,
                parallel = report.Parallel,
                duration_seconds = Math.Round(report.Duration.TotalSeconds, 3),
                upload_mb_per_second = Math.Round(connection.Counter.BytesUploaded / 1e6 / seconds, 1),
                problems = report.Problems,
            }));
        }
        else
        {
            foreach (var problem in report.Problems) Console.Error.WriteLine($"warning: {problem}");
            context.Info($"pushed to {connection.Definition.Name}: {report.PacksUploaded} packs uploaded, {report.PacksVerifiedInPlace} verified in place, " +
                $"{report.PacksAlreadyMirrored} already there; {report.SnapshotsExported} new snapshots ({report.SnapshotsOnRemote} on the remote); " +
                $"{Format.Bytes(connection.Counter.BytesUploaded)} up at {connection.Counter.BytesUploaded / 1e6 / seconds:0.0} MB/s with {report.Parallel} in flight, in {Format.Duration(report.Duration)}");
        }
        bool damaged = report.Problems.Any(p => p.Contains("not pushed", StringComparison.Ordinal));
        if (damaged) context.Error("some packs were not pushed because the local copy is damaged (run 'dedup repair')");
        return damaged ? ExitCodes.Error : ExitCodes.Success;
    }

    private static Command Status()
    {
        var name = RemoteArgument();
        var command = new Command("status", "For each snapshot: complete locally? complete on the remote? bytes still to push") { name };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            using var repository = context.Open("mirror status");
            using var connection = Remotes.ConnectCached(context, Remotes.Resolve(context, parse.GetValue(name)));
            var status = await MirrorStatus.ComputeAsync(repository, connection.Store, ct);
            var copies = status.Snapshots;
            bool ok = status.Ok;
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    remote = connection.Definition.Name,
                    location = connection.Definition.Location,
                    ok,
                    snapshots = copies.Select(c => new
                    {
                        id = c.Snapshot.Id,
                        time = c.Snapshot.Time,
                        kind = c.Snapshot.Kind.ToString().ToLowerInvariant(),
                        local = c.Local,
                        remote = c.Remote,
                        copies = 1 + (c.Local ? 1 : 0) + (c.Remote ? 1 : 0),
                        packs_pending = c.PacksPending,
                        bytes_pending = c.BytesPending,
                    }),
                    packs_pending = status.PacksPending,
                    bytes_pending = status.BytesPending,
                }));
            }
            else
            {
                Console.Out.WriteLine($"remote {connection.Definition.Name}: {connection.Definition.Location}");
                Console.Out.WriteLine($"{"ID",-8}  {"Time",-19}  {"Kind",-12}  {"Local",-5}  {"Remote",-6}  Pending");
                foreach (var c in copies)
                    Console.Out.WriteLine($"{c.Snapshot.ShortId,-8}  {Format.Time(c.Snapshot.Time),-19}  {c.Snapshot.Kind.ToString().ToLowerInvariant(),-12}  {(c.Local ? "yes" : "NO"),-5}  {(c.Remote ? "yes" : "NO"),-6}  {(c.PacksPending > 0 ? Format.Bytes(c.BytesPending) : "-")}");
                int both = copies.Count(c => c.Local && c.Remote);
                Console.Out.WriteLine($"{both} of {copies.Count} snapshots are complete both here and on {connection.Definition.Name} (with the original: 3 copies, 2 media, 1 offsite)");
                if (status.PacksPending > 0) Console.Out.WriteLine($"to push: {status.PacksPending} packs, {Format.Bytes(status.BytesPending)} (dedup mirror push {connection.Definition.Name})");
            }
            return ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }
}
