using System.Security.Cryptography;
using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Backup;

/// <summary>One backup, start to finish, in the order that keeps the repository consistent at every instant:
/// blocks and tree blobs into durable packs (indexed pack by pack), then the snapshot file, then the snapshot's
/// catalog record.</summary>
public static class BackupRunner
{
    public static async Task<BackupResult> RunAsync(Repository.IBackupRepository repository, BackupRequest request, IBackupObserver observer, TimeProvider clock, CancellationToken ct)
    {
        var start = clock.GetUtcNow();
        var paths = request.Stdin is not null ? ["/" + request.StdinName] : request.Paths.Select(NormalizeSource).ToList();
        var snapshots = repository.Snapshots();

        var kind = request.Kind ?? SnapshotKind.Incremental;
        var reference = request.Stdin is null ? SnapshotResolver.FindReference(snapshots, request.Host, paths, kind) : null;
        if (reference is null) kind = SnapshotKind.Full;

        var trees = repository.CreateTreeReader();
        var unreadable = new UnreadablePaths(observer);
        if (request.RequireComplete) observer = unreadable;
        BlockId root;
        Archiver archiver;
        long bytesAdded, packs = 0;
        var dryRun = request.DryRun ? new DryRunSaver(id => repository.TryLocate(id, out _)) : null;
        await using (var assembler = dryRun is null ? repository.CreatePackAssembler(request.Workers) : null)
        {
            IBlockSaver saver = (IBlockSaver?)assembler ?? dryRun!;
            archiver = new Archiver(saver, repository.CreateChunkerSelector(), repository.Hasher, trees, observer, request.Exclusions, request.OneFileSystem);
            root = request.Stdin is not null
                ? await archiver.ArchiveStreamAsync(request.Stdin, request.StdinName, start.ToUnixTimeMilliseconds() * 1_000_000, ct)
                : await archiver.ArchivePathsAsync(paths, reference?.Root, ct);
            if (unreadable.Paths.Count > 0) throw new IncompleteBackupException(unreadable.Paths.Order(StringComparer.Ordinal).ToList());
            if (assembler is null) bytesAdded = dryRun!.BytesAdded;
            else
            {
                await assembler.FlushAsync();
                (bytesAdded, packs) = (assembler.BytesAdded, assembler.PacksWritten);
            }
        }

        var snapshot = new Snapshot(
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            start, request.Host, request.RecordedPaths?.Select(NormalizeSource).ToList() ?? paths, request.Tags, kind, reference?.Id, root,
            archiver.Totals with { BytesAdded = bytesAdded });
        if (request.DryRun) return new BackupResult(snapshot, archiver.Warnings, 0, DryRun: true);
        repository.CommitSnapshot(snapshot);
        return new BackupResult(snapshot, archiver.Warnings, packs);
    }

    /// <summary>The absolute form of a source (names may hold escaped bytes: the OS is asked by bytes).</summary>
    private static string NormalizeSource(string path)
    {
        string full = Path.GetFullPath(path);
        full = full.Length > 1 ? full.TrimEnd('/') : full;
        if (Native.Posix.TryLStat(full) is null) throw new DedupException($"{Native.FileName.Display(path)}: no such file or directory");
        return full;
    }

    /// <summary>Passes everything on, and remembers which paths could not be saved.</summary>
    private sealed class UnreadablePaths(IBackupObserver inner) : IBackupObserver
    {
        public List<string> Paths { get; } = [];
        public void BytesProcessed(long bytes) => inner.BytesProcessed(bytes);
        public void FileStarted(string path) => inner.FileStarted(path);
        public void FileDone(string path, long size) => inner.FileDone(path, size);
        public void Warning(string path, string message) => inner.Warning(path, message);

        public void Error(string path, Exception error)
        {
            lock (Paths) Paths.Add(path);
            inner.Error(path, error);
        }
    }
}
