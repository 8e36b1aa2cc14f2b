using System.CommandLine;
using System.Diagnostics;
using Dedup.Core;
using Dedup.Mirror;
using Dedup.Restore;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

public static class RestoreCommand
{
    public static Command Create()
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "snapshot id, prefix, or 'latest'" };
        var paths = new Argument<string[]>("PATH") { Description = "restore only these paths (files or directories); default: everything", Arity = ArgumentArity.ZeroOrMore }.RejectUnknownOptions();
        var target = new Option<string>("--target", "-t") { Description = "directory to restore into; stored /a/b lands at DIR/a/b", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace files that already exist in the target" };
        var verify = new Option<bool>("--verify") { Description = "re-read and re-hash every restored file" };
        var remote = new Option<string?>("--remote") { Description = "read blocks missing (or damaged) locally from this remote, fetching only their byte ranges" };
        var noSafety = new Option<bool>("--no-safety-snapshot") { Description = "with --overwrite: do not first back up what will be overwritten" };
        var numericOwner = new Option<bool>("--numeric-owner") { Description = "as root: restore owners by stored uid/gid, not by user and group name" };
        var command = new Command("restore", "Restore a snapshot, or some paths of it, into a directory (sparse files stay sparse; hard links restored together are linked again)")
            { snapshot, paths, target, overwrite, verify, remote, noSafety, numericOwner };
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            bool safety = parse.GetValue(overwrite) && !parse.GetValue(noSafety);
            using var repository = context.Open("restore", forWriting: safety);
            var snap = SnapshotResolver.Resolve(repository.Catalog.Snapshots(), parse.GetValue(snapshot)!, filter.Read(parse));
            var include = (parse.GetValue(paths) ?? []).Select(Native.FileName.ParseDisplay).ToArray();
            // The plan's "back up the current state, just in case": what the restore may overwrite is saved first.
            Snapshot? safetySnapshot = safety ? await SafetySnapshotAsync(repository, snap, parse.GetValue(target)!, include, ct) : null;
            if (safetySnapshot is not null) context.Info($"saved what the restore may overwrite as snapshot {safetySnapshot.ShortId} (tag pre-restore)");
            var options = new RestoreOptions { Overwrite = parse.GetValue(overwrite), Verify = parse.GetValue(verify), NumericOwner = parse.GetValue(numericOwner) };
            var clock = Stopwatch.StartNew();
            using var connection = Remotes.ForReading(context, repository, parse.GetValue(remote));
            IBlockLoader loader = repository;
            RemoteBlockLoader? remoteLoader = null;
            if (connection is not null)
            {
                loader = remoteLoader = new RemoteBlockLoader(repository, connection.Store, ct);
                // Remote reads are latency-bound: more files in flight (each waits for the network without a thread).
                options = options with { Workers = 16 };
            }
            var result = await ProgressDisplay.RunAsync(context, "restore", "files", counter =>
            {
                var trees = repository.CreateTreeReader();
                counter.SetTotal(include.Length == 0 ? snap.Totals.Bytes : -1);
                if (include.Length == 0) counter.SetItemsFound(snap.Totals.Files);
                var observer = new RestoreProgress(counter, context);
                return new Restorer(loader, trees, observer).RestoreAsync(snap, include, parse.GetValue(target)!, options, ct);
            });
            long remoteBytes = connection?.Counter.BytesDownloaded ?? 0;
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    message_type = "summary",
                    snapshot = snap.Id,
                    files_restored = result.Files,
                    dirs_restored = result.Directories,
                    bytes_restored = result.Bytes,
                    files_verified = result.Verified,
                    safety_snapshot = safetySnapshot?.Id,
                    remote = connection?.Definition.Name,
                    remote_bytes_downloaded = remoteBytes,
                    remote_requests = connection?.Counter.Requests ?? 0,
                    remote_packs_fetched = remoteLoader?.PacksFetched ?? 0,
                    errors = result.Failed.Count,
                    failed = result.Failed,
                    duration_seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                }));
            }
            else
            {
                context.Info($"restored {result.Files} files, {result.Directories} directories, {Format.Bytes(result.Bytes)} from snapshot {snap.ShortId} in {Format.Duration(clock.Elapsed)}{(options.Verify ? $"; verified {result.Verified} files" : "")}");
                if (connection is not null) context.Info($"fetched {Format.Bytes(remoteBytes)} from {connection.Definition.Name} in {connection.Counter.Requests} requests ({remoteLoader!.PacksFetched} whole packs, now kept locally)");
            }
            if (result.Failed.Count > 0)
            {
                context.Error($"{result.Failed.Count} files could not be restored intact (not written): {string.Join(", ", result.Failed.Take(10))}{(result.Failed.Count > 10 ? ", …" : "")}");
                return ExitCodes.Error;
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// Backs up exactly what the restore is about to replace (the files and symlinks it writes where something
    /// already is) and nothing else, so with --target / it reads a handful of paths, not the machine. Everything
    /// must be saved: a path the snapshot could not read stops the restore before anything is written.
    /// </summary>
    private static async Task<Snapshot?> SafetySnapshotAsync(Repository.LocalRepository repository, Snapshot snapshot, string target, string[] include, CancellationToken ct)
    {
        var restorer = new Restorer(repository, repository.CreateTreeReader(), NullRestoreObserver.Instance);
        var replaced = restorer.ExistingTargets(snapshot, include, target);
        if (replaced.Count == 0) return null;
        var recorded = (include.Length == 0 ? snapshot.Paths : include)
            .Select(p => Restorer.TargetPath(target, p))
            .Where(Path.Exists).Distinct().ToList();
        var request = new Backup.BackupRequest
        {
            Paths = replaced, RecordedPaths = recorded, Kind = SnapshotKind.Full, RequireComplete = true,
            Tags = [SnapshotResolver.PreRestoreTag], Host = Environment.MachineName,
        };
        try
        {
            var result = await Backup.BackupRunner.RunAsync(repository, request, Backup.NullBackupObserver.Instance, TimeProvider.System, ct);
            return result.Snapshot;
        }
        catch (Backup.IncompleteBackupException e)
        {
            throw new DedupException($"nothing was restored: the restore would overwrite {e.Unreadable.Count} paths that could not be saved first " +
                $"({string.Join(", ", e.Unreadable.Take(5))}{(e.Unreadable.Count > 5 ? ", …" : "")}); make them readable, or pass --no-safety-snapshot to overwrite them without a copy");
        }
    }

    private sealed class RestoreProgress(ProgressCounter counter, CliContext context) : IRestoreObserver
    {
        public void BytesWritten(long bytes) => counter.AddBytes(bytes);

        public void FileDone(string path)
        {
            counter.AddItem();
            counter.Current = Native.FileName.Display(path);
        }

        public void Error(string path, Exception error)
        {
            counter.AddError();
            context.Error($"error: {Native.FileName.Display(path)}: {error.Message}");
            if (context.Verbose) Console.Error.WriteLine(error);
        }

        public void Warning(string message) => context.Error($"warning: {message}");
    }
}
