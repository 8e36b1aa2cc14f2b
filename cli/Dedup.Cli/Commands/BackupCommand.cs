using System.CommandLine;
using System.Diagnostics;
using System.IO.Enumeration;
using Dedup.Backup;
using Dedup.Backup.Selection;
using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

public static class BackupCommand
{
    public static Command Create()
    {
        var stdinCommand = new Option<bool>("--stdin-from-command") { Description = "back up the standard output of the command given after '--' (no shell); the backup fails, saving nothing, when the command exits non-zero" };
        var paths = new Argument<string[]>("PATH") { Description = "files or directories to back up (stored as absolute paths); with --stdin-from-command, the command and its arguments", Arity = ArgumentArity.ZeroOrMore }.RejectUnknownOptions(unless: stdinCommand);
        var kind = new Option<string?>("--kind") { Description = "full | incremental | differential (default: incremental when an earlier snapshot of the same paths exists, else full)" };
        kind.AcceptOnlyFromAmong("full", "incremental", "differential");
        var tags = new Option<string[]>("--tag") { Description = "add a tag to the snapshot (repeatable)", AllowMultipleArgumentsPerToken = false };
        var selection = new SelectionOptions();
        var stdin = new Option<bool>("--stdin") { Description = "back up what is read from standard input" };
        var stdinName = new Option<string>("--stdin-filename", "--stdin-name") { Description = "file name for --stdin and --stdin-from-command", DefaultValueFactory = _ => "stdin" };
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "with --stdin or --stdin-from-command: save an empty stream (refused by default: an empty dump usually means its producer failed)" };
        var host = new Option<string?>("--host") { Description = "host name to record (default: this machine's)" };
        var mirror = new Option<string?>("--mirror") { Description = "push to this remote after the backup (as 'dedup mirror push NAME')" };
        var oneFileSystem = new Option<bool>("--one-file-system", "-x") { Description = "do not cross file-system boundaries: a mount point below a source is saved as an empty directory" };

        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "read and chunk everything and say what would be added; write nothing, save no snapshot" };

        var command = new Command("backup", "Create a new snapshot of files and directories") { paths, kind, tags, oneFileSystem, stdin, stdinName, stdinCommand, allowEmpty, host, mirror, dryRun };
        selection.AddTo(command);
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            var sources = parse.GetValue(paths) ?? [];
            bool fromCommand = parse.GetValue(stdinCommand);
            bool fromStdin = parse.GetValue(stdin) || fromCommand;
            if (parse.GetValue(stdin) && fromCommand) throw new DedupException("give --stdin or --stdin-from-command, not both");
            if (fromCommand && sources.Length == 0) throw new DedupException("--stdin-from-command needs the command after '--', e.g. -- sqlite3 contacts.db .dump");
            var listed = fromCommand ? [] : selection.ListedSources(parse);
            if (parse.GetValue(stdin) == (sources.Length + listed.Count > 0))
                throw new DedupException(parse.GetValue(stdin) ? "--stdin takes no PATH arguments" : "nothing to back up: give at least one PATH (or --stdin, --files-from)");
            var request = new BackupRequest
            {
                // A name that is not UTF-8 is typed in its escaped form (\xNN), as ls and find show it.
                Paths = fromCommand ? [] : [.. sources.Select(Native.FileName.ParseDisplay), .. listed],
                OneFileSystem = parse.GetValue(oneFileSystem),
                Kind = parse.GetValue(kind) is { } k ? Enum.Parse<SnapshotKind>(k, ignoreCase: true) : null,
                Tags = parse.GetValue(tags) ?? [],
                Exclusions = selection.Exclusions(parse),
                DryRun = parse.GetValue(dryRun),
                Host = parse.GetValue(host) ?? Environment.MachineName,
                Stdin = !fromStdin ? null : fromCommand ? StdinSource.FromCommand(sources, parse.GetValue(allowEmpty)) : StdinSource.FromStandardInput(parse.GetValue(allowEmpty)),
                StdinName = parse.GetValue(stdinName) ?? "stdin",
            };

            using var repository = context.Open("backup", forWriting: !request.DryRun);
            var clock = Stopwatch.StartNew();
            BackupProgress? observer = null;
            var result = await ProgressDisplay.RunAsync(context, "backup", "files", counter =>
            {
                observer = new BackupProgress(counter, context);
                if (context.Interactive && !fromStdin) _ = Task.Run(() => SourceSize.Scan(sources, counter));
                return BackupRunner.RunAsync(repository, request, observer, TimeProvider.System, ct);
            });
            Report(context, result, clock.Elapsed);
            // The snapshot is durable before the push starts: a failed push leaves it local-only, never lost.
            if (parse.GetValue(mirror) is { } remoteName && !request.DryRun)
            {
                int pushed = await MirrorCommand.PushAsync(context, repository, remoteName, 4, ct);
                if (pushed != ExitCodes.Success) return pushed;
            }
            // As restic: exit 3 when the snapshot is not what is on disk (unreadable, changed while read, left out).
            return result.Snapshot.Totals.Errors > 0 || result.Warnings.Count > 0 ? ExitCodes.PartialBackup : ExitCodes.Success;
        }));
        return command;
    }

    private static void Report(CliContext context, BackupResult result, TimeSpan elapsed)
    {
        var s = result.Snapshot;
        var t = s.Totals;
        if (context.Json)
        {
            Console.Out.WriteLine(Format.ToJson(new
            {
                message_type = "summary",
                dry_run = result.DryRun,
                snapshot = result.DryRun ? null : s.Id,
                kind = s.Kind.ToString().ToLowerInvariant(),
                reference = s.Reference,
                files_new = t.FilesNew,
                files_changed = t.FilesChanged,
                files_unmodified = t.FilesUnmodified,
                dirs = t.Directories,
                total_files = t.Files,
                total_bytes = t.Bytes,
                bytes_read = t.BytesRead,
                bytes_added = t.BytesAdded,
                errors = t.Errors,
                warnings = result.Warnings.Count,
                duration_seconds = Math.Round(elapsed.TotalSeconds, 3),
            }));
            return;
        }
        if (context.Quiet) return;
        Console.Out.WriteLine($"Files:       {t.FilesNew} new, {t.FilesChanged} changed, {t.FilesUnmodified} unmodified");
        Console.Out.WriteLine($"Dirs:        {t.Directories}");
        Console.Out.WriteLine(result.DryRun
            ? $"Would add to the repository: {Format.Bytes(t.BytesAdded)} (before compression)"
            : $"Added to the repository: {Format.Bytes(t.BytesAdded)} in {result.PacksWritten} packs");
        Console.Out.WriteLine($"processed {t.Files} files, {Format.Bytes(t.Bytes)} (read {Format.Bytes(t.BytesRead)}) in {Format.Duration(elapsed)}");
        if (t.Errors > 0) Console.Out.WriteLine($"{t.Errors} files or directories could not be read and are not in the snapshot");
        if (result.Warnings.Count > 0) Console.Out.WriteLine($"{result.Warnings.Count} warnings (see above): the snapshot differs from the files there");
        if (result.DryRun) { Console.Out.WriteLine("dry run: nothing was written, no snapshot saved"); return; }
        string reference = s.Reference is null ? "" : $", reference {s.Reference[..8]}";
        Console.Out.WriteLine($"snapshot {s.ShortId} saved ({s.Kind.ToString().ToLowerInvariant()}{reference})");
    }
}

/// <summary>A quick pre-scan of the sources, so the progress display can show files done of files found and an
/// ETA: it counts into the display's counter as it walks, so the total grows while the backup runs.</summary>
public static class SourceSize
{
    public static void Scan(IEnumerable<string> paths, ProgressCounter counter)
    {
        counter.StartScan();
        foreach (var path in paths)
        {
            try
            {
                if (File.Exists(path) && new FileInfo(path).LinkTarget is null) counter.Found(new FileInfo(path).Length);
                // Links are stored as links: what they point to is not part of the backup.
                else if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
                    foreach (long size in TreeWalk.Entries(path, (ref FileSystemEntry e) => e.Length,
                        (ref FileSystemEntry e) => !e.IsDirectory && !TreeWalk.IsSymlink(e), ignoreInaccessible: true))
                        counter.Found(size);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        counter.EndScan();
    }
}
