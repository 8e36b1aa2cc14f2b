using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Dedup.Core;
using Dedup.Native;
using Dedup.Snapshots;

namespace Dedup.Restore;

/// <summary>
/// Writes a snapshot, or chosen paths of it, under a target directory: stored "/a/b" lands at "TARGET/a/b".
/// Only the blocks of the chosen files are read. Each file is written to a temp name and renamed into place
/// once complete and verified, so a damaged block leaves no file with wrong content behind.
/// </summary>
public sealed class Restorer(IBlockLoader loader, TreeReader trees, IRestoreObserver observer)
{
    private enum Kind { Directory, File, Symlink }

    // One block buffer per restoring thread: allocating one per block would fill the large object heap.
    [ThreadStatic] private static byte[]? t_buffer;

    private sealed record Item(string StoredPath, string TargetPath, TreeNode? Node, Kind Kind);

    /// <summary>What a restore with --overwrite would replace: the target paths of the files and symlinks it writes
    /// where something other than a directory already is. Nothing else is touched by the restore, so nothing
    /// else needs saving first.</summary>
    /// <remarks>Refuses first what the restore itself would refuse: a symlink (or file) where the snapshot has a
    /// directory would otherwise have the safety snapshot read through it, outside the target.</remarks>
    public IReadOnlyList<string> ExistingTargets(Snapshot snapshot, IReadOnlyList<string> include, string target)
    {
        var items = Plan(snapshot, include, RootOf(target));
        foreach (var dir in items.Where(i => i.Kind == Kind.Directory)) RefuseNonDirectory(dir.TargetPath);
        return items
            .Where(i => i.Kind != Kind.Directory && Posix.TryLStat(i.TargetPath) is { } st && st.Type != FileStatus.Directory)
            .Select(i => i.TargetPath)
            .ToList();
    }

    private static string RootOf(string target)
    {
        string root = Path.GetFullPath(target).TrimEnd('/');
        return root.Length == 0 ? "/" : root;
    }

    /// <summary>Cancelled, it stops starting files: those in flight complete (or leave no temp file), and
    /// <see cref="OperationCanceledException"/> is thrown; every file in place is whole.</summary>
    public RestoreResult Restore(Snapshot snapshot, IReadOnlyList<string> include, string target, RestoreOptions options, CancellationToken cancellationToken = default)
    {
        string root = RootOf(target);
        var items = Plan(snapshot, include, root);
        if (!options.Overwrite)
        {
            var existing = items.FirstOrDefault(i => i.Kind != Kind.Directory && (Path.Exists(i.TargetPath) || new FileInfo(i.TargetPath).LinkTarget is not null));
            if (existing is not null)
                throw new DedupException($"refusing to overwrite {existing.TargetPath} (pass --overwrite to replace existing files)");
        }

        var files = items.Where(i => i.Kind == Kind.File).ToList();
        try
        {
            Directory.CreateDirectory(root);
            foreach (var dir in items.Where(i => i.Kind == Kind.Directory)) EnsureDirectory(dir.TargetPath, modeAppliedAfter: dir.Node is not null);
        }
        catch (Exception e) when (StorageErrors.IsOutOfSpace(e)) { Stop(ExceptionDispatchInfo.Capture(e), root, 0, files.Count); }

        var failed = new List<string>();
        long bytes = 0, verified = 0, restored = 0;
        ExceptionDispatchInfo? stop = null;
        if (loader is IBlockSequenceLoader sequence) sequence.Prepare(files.SelectMany(f => f.Node!.Content).Distinct().ToList());
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = cancellationToken }, (file, loop) =>
        {
            try
            {
                long written = RestoreFile(file, options);
                observer.FileDone(file.StoredPath);
                Interlocked.Add(ref bytes, written);
                Interlocked.Increment(ref restored);
                if (options.Verify) Interlocked.Increment(ref verified);
            }
            catch (Exception e) when (StopsTheRestore(e))
            {
                Interlocked.CompareExchange(ref stop, ExceptionDispatchInfo.Capture(e), null);
                loop.Stop();
            }
            catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException)
            {
                lock (failed) failed.Add(file.StoredPath);
                observer.Error(file.StoredPath, e);
            }
        });
        if (stop is not null) Stop(stop, root, Interlocked.Read(ref restored), files.Count);

        int filesFailed = failed.Count;
        var links = items.Where(i => i.Kind == Kind.Symlink).ToList();
        foreach (var link in links)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try { RestoreSymlink(link); }
            catch (Exception e) when (StorageErrors.IsOutOfSpace(e)) { Stop(ExceptionDispatchInfo.Capture(e), root, restored, files.Count); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add(link.StoredPath);
                observer.Error(link.StoredPath, e);
            }
        }
        int linksFailed = failed.Count - filesFailed;

        // Deepest first: setting a directory's mtime must come after everything inside it was written.
        foreach (var dir in items.Where(i => i.Kind == Kind.Directory && i.Node is not null).Reverse())
            ApplyMetadata(dir.TargetPath, dir.Node!, isLink: false);

        failed.Sort(StringComparer.Ordinal);
        return new RestoreResult(files.Count - filesFailed + links.Count - linksFailed, items.Count(i => i.Kind == Kind.Directory), bytes, failed, verified);
    }

    /// <summary>A full target, or a repository that cannot keep the packs a remote restore fetches, fails every
    /// later file the same way: the restore stops with one error instead of one per file.</summary>
    private static bool StopsTheRestore(Exception e) => e is RepositoryWriteException || StorageErrors.IsOutOfSpace(e);

    [DoesNotReturn]
    private static void Stop(ExceptionDispatchInfo stop, string root, long restored, int files)
    {
        if (stop.SourceException is RepositoryWriteException) stop.Throw();
        throw new DedupException($"no space left in the restore target {root} ({stop.SourceException.Message}): {restored} of {files} files " +
            "were restored, each whole; free space there and restore again (with --overwrite, over what was restored)", stop.SourceException);
    }

    private List<Item> Plan(Snapshot snapshot, IReadOnlyList<string> include, string root)
    {
        var items = new List<Item>();
        var selections = include.Count == 0 ? ["/"] : include.Select(TreeReader.Normalize).Distinct().ToList();
        foreach (var selection in selections)
        {
            if (selection == "/")
            {
                AddTree(items, snapshot.Root, "/", root);
                continue;
            }
            var node = trees.Find(snapshot.Root, selection)
                ?? throw new DedupException($"{selection}: no such path in snapshot {snapshot.ShortId}");
            var parts = TreeReader.SplitPath(selection);
            for (int i = 1; i < parts.Length; i++)
            {
                string parent = "/" + string.Join('/', parts[..i]);
                items.Add(new Item(parent, TargetOf(root, parent), null, Kind.Directory));
            }
            AddNode(items, node, selection, root);
        }
        return items;
    }

    private void AddTree(List<Item> items, BlockId tree, string storedPath, string root)
    {
        foreach (var node in trees.Load(tree).Nodes)
            AddNode(items, node, storedPath == "/" ? "/" + node.Name : storedPath + "/" + node.Name, root);
    }

    private void AddNode(List<Item> items, TreeNode node, string storedPath, string root)
    {
        var kind = node.Type switch { NodeType.Directory => Kind.Directory, NodeType.File => Kind.File, _ => Kind.Symlink };
        items.Add(new Item(storedPath, TargetOf(root, storedPath), node, kind));
        if (node.Type == NodeType.Directory) AddTree(items, node.Subtree, storedPath, root);
    }

    /// <summary>Where a stored path lands under <paramref name="target"/>, refusing anything that would land outside it.</summary>
    public static string TargetPath(string target, string storedPath) => TargetOf(RootOf(target), TreeReader.Normalize(storedPath));

    private static string TargetOf(string root, string storedPath)
    {
        foreach (var part in TreeReader.SplitPath(storedPath)) TreeCodec.ValidateName(part);
        string full = Path.GetFullPath(Path.Join(root, storedPath));
        if (!full.StartsWith(root == "/" ? "/" : root + "/", StringComparison.Ordinal))
            throw new CorruptDataException($"stored path {storedPath} would escape the restore target");
        return full;
    }

    /// <summary>A symlink planted where a directory belongs could send the files under it outside the target.</summary>
    private static void RefuseNonDirectory(string path)
    {
        if (Posix.TryLStat(path) is not { } st || st.Type == FileStatus.Directory) return;
        throw new DedupException(st.Type == FileStatus.Symlink
            ? $"{path} is a symlink where the snapshot has a directory; refusing to restore through it"
            : $"{path} is a file where the snapshot has a directory");
    }

    private static void EnsureDirectory(string path, bool modeAppliedAfter)
    {
        RefuseNonDirectory(path);
        Directory.CreateDirectory(path);
        // A read-only directory (an earlier restore reproduced its mode) refuses the files a non-root user writes
        // into it with --overwrite. Opened up for the restore; the snapshot's mode is applied once it is filled.
        if (!modeAppliedAfter) return;
        try { RestoredCopy.OpenForOwner(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // not ours: its files fail one by one, reported
    }

    private long RestoreFile(Item file, RestoreOptions options)
    {
        var node = file.Node!;
        string dir = Path.GetDirectoryName(file.TargetPath)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(file.TargetPath)}.dedup-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                if (node.Size > 0) stream.SetLength(node.Size);
                if (loader is IBlockSequenceLoader sequence)
                {
                    sequence.LoadSequence(node.Content, block =>
                    {
                        stream.Write(block);
                        observer.BytesWritten(block.Length);
                    });
                }
                else
                {
                    var buffer = t_buffer ?? [];
                    foreach (var id in node.Content)
                    {
                        int length = loader.LoadBlock(id, ref buffer);
                        stream.Write(buffer, 0, length);
                        observer.BytesWritten(length);
                    }
                    t_buffer = buffer;
                }
                if (stream.Position != node.Size) throw new CorruptDataException($"{file.StoredPath}: blocks add up to {stream.Position} bytes, the catalog says {node.Size}");
            }
            if (options.Verify) VerifyFile(temp, node, file.StoredPath);
            // A real directory is refused; a symlink (even to a directory) is replaced by the rename, not followed.
            if (Posix.TryLStat(file.TargetPath) is { Type: FileStatus.Directory })
                throw new DedupException($"{file.TargetPath} is a directory where the snapshot has a file");
            File.Move(temp, file.TargetPath, overwrite: true);
        }
        catch
        {
            // Best effort, and never in place of the error that says why the file failed.
            try { File.Delete(temp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
        ApplyMetadata(file.TargetPath, node, isLink: false);
        return node.Size;
    }

    private void VerifyFile(string path, TreeNode node, string storedPath)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        foreach (var id in node.Content)
        {
            if (!loader.TryLocate(id, out var location)) throw new CorruptDataException($"block {id.ToShortString()} is not in the index");
            var buffer = t_buffer is { } b && b.Length >= location.RawLength ? b : (t_buffer = new byte[location.RawLength]);
            stream.ReadExactly(buffer, 0, location.RawLength);
            if (loader.Hasher.Hash(buffer.AsSpan(0, location.RawLength)) != id) throw new CorruptDataException($"{storedPath}: restored content does not match the snapshot");
        }
        if (stream.Position != stream.Length) throw new CorruptDataException($"{storedPath}: restored file is longer than the snapshot's");
    }

    private static void RestoreSymlink(Item link)
    {
        if (Path.Exists(link.TargetPath) || new FileInfo(link.TargetPath).LinkTarget is not null)
        {
            if (Directory.Exists(link.TargetPath) && new FileInfo(link.TargetPath).LinkTarget is null)
                throw new IOException($"{link.TargetPath} is a directory where the snapshot has a symlink");
            File.Delete(link.TargetPath);
        }
        File.CreateSymbolicLink(link.TargetPath, link.Node!.LinkTarget!);
        ApplyMetadata(link.TargetPath, link.Node, isLink: true);
    }

    private static void ApplyMetadata(string path, TreeNode node, bool isLink)
    {
        if (Posix.IsRoot) Posix.LChown(path, node.Uid, node.Gid);
        if (!isLink) File.SetUnixFileMode(path, (UnixFileMode)node.Mode);
        Posix.SetTimes(path, node.MtimeNs);
    }
}
