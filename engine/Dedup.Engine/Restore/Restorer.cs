using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Dedup.Core;
using Dedup.Native;
using Microsoft.Win32.SafeHandles;
using Dedup.Snapshots;

namespace Dedup.Restore;

/// <summary>
/// Writes a snapshot, or chosen paths of it, under a target directory: stored "/a/b" lands at "TARGET/a/b".
/// Only the blocks of the chosen files are read. Every entry is created relative to its parent's directory
/// handle, reached from the target without following links, by the bytes of its name (any name, any depth).
/// Each file is written to a short temp name and renamed into place once complete and verified, so a damaged
/// block leaves no file with wrong content behind; holes of sparse files stay holes. Hard links are linked
/// again among the members of a set that are restored together (the first is written, the others link to it).
/// </summary>
public sealed partial class Restorer(IBlockLoader loader, TreeReader trees, IRestoreObserver observer)
{
    private enum Kind { Directory, File, Symlink, Special }

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
    /// <see cref="OperationCanceledException"/> is thrown; every file in place is whole. Files are written by
    /// <see cref="RestoreOptions.Workers"/> workers; a worker waiting for the network (a remote loader) holds no thread.</summary>
    public async Task<RestoreResult> RestoreAsync(Snapshot snapshot, IReadOnlyList<string> include, string target, RestoreOptions options, CancellationToken cancellationToken = default)
    {
        string root = RootOf(target);
        var items = Plan(snapshot, include, root, options.Workers);
        var files = items.Where(i => i.Kind == Kind.File).ToList();
        using var directories = OpenTarget(root, files.Count);
        try
        {
            if (!options.Overwrite) RefuseExisting(directories, items);
            EachDirectoryLevel(items.Where(i => i.Kind == Kind.Directory), deepestFirst: false, options.Workers, dir => EnsureDirectory(directories, dir));
        }
        catch (Exception e) when (StorageErrors.IsOutOfSpace(e)) { Stop(ExceptionDispatchInfo.Capture(e), root, 0, files.Count); throw; }

        var failed = new List<string>();
        var warnings = new List<string>();
        long bytes = 0, verified = 0, restored = 0;
        ExceptionDispatchInfo? stop = null;
        // Later members of a hard-link set are linked to the first one restored, once it is in place.
        var (written, linked, firsts) = SplitHardLinks(files);
        if (loader is IBlockSequenceLoader sequence) sequence.Prepare(written.SelectMany(f => f.Node!.Content).Distinct().ToList());
        // Cancelled by the caller, or by the first error that stops the whole restore.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(Batches(written), new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = stopping.Token }, async (batch, _) =>
            {
                using var lease = OpenParent(directories, batch, failed);
                if (lease is null) return;
                var parent = lease.Handle;
                foreach (var file in batch)
                {
                    if (stopping.IsCancellationRequested) return;
                    try
                    {
                        long size = await RestoreFileAsync(parent, file, options, warnings, cancellationToken);
                        observer.FileDone(file.StoredPath);
                        Interlocked.Add(ref bytes, size);
                        Interlocked.Increment(ref restored);
                        if (options.Verify) Interlocked.Increment(ref verified);
                    }
                    catch (Exception e) when (StopsTheRestore(e))
                    {
                        Interlocked.CompareExchange(ref stop, ExceptionDispatchInfo.Capture(e), null);
                        stopping.Cancel();
                        return;
                    }
                    catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException)
                    {
                        lock (failed) failed.Add(file.StoredPath);
                        observer.Error(file.StoredPath, e);
                    }
                }
            });
        }
        catch (OperationCanceledException) when (stop is not null && !cancellationToken.IsCancellationRequested) { }
        cancellationToken.ThrowIfCancellationRequested();
        if (stop is not null) Stop(stop, root, Interlocked.Read(ref restored), files.Count);

        var done = written.Select(f => f.StoredPath).Except(failed).ToHashSet(StringComparer.Ordinal);
        var others = linked.Concat(items.Where(i => i.Kind is Kind.Symlink or Kind.Special)).ToList();
        foreach (var item in others)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var lease = directories.Open(AbsolutePath.Parent(item.TargetPath));
                var parent = lease.Handle;
                if (item.Kind == Kind.File) RestoreHardLink(directories, parent, item, firsts, done);
                else if (item.Kind == Kind.Symlink) RestoreSymlink(parent, item, options, warnings);
                else RestoreSpecial(parent, item, options, warnings);
                restored++;
                observer.FileDone(item.StoredPath);
            }
            catch (Exception e) when (StorageErrors.IsOutOfSpace(e)) { Stop(ExceptionDispatchInfo.Capture(e), root, restored, files.Count); }
            catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException)
            {
                failed.Add(item.StoredPath);
                observer.Error(item.StoredPath, e);
            }
        }

        // Deepest first: setting a directory's mtime must come after everything inside it was written, and a mode
        // that closes a directory after what is below it was reached through it.
        EachDirectoryLevel(items.Where(i => i.Kind == Kind.Directory && i.Node is not null), deepestFirst: true, options.Workers, dir =>
        {
            using var lease = directories.Open(AbsolutePath.Parent(dir.TargetPath));
            ApplyMetadata(lease.Handle, AbsolutePath.Name(dir.TargetPath), dir, options, warnings);
        });

        failed.Sort(StringComparer.Ordinal);
        foreach (var warning in warnings) observer.Warning(warning);
        return new RestoreResult(restored, items.Count(i => i.Kind == Kind.Directory), bytes, failed, verified) { Warnings = warnings };
    }

    /// <summary>Runs <paramref name="action"/> on directories a depth at a time (shallowest first, or deepest first),
    /// those of one depth side by side: a parent is made before its children and given its metadata after them, and
    /// thousands of directories do not wait on one core. The first failure stops it, rethrown as it was thrown.</summary>
    private static void EachDirectoryLevel(IEnumerable<Item> directories, bool deepestFirst, int workers, Action<Item> action)
    {
        var levels = directories.GroupBy(d => d.TargetPath.Count(c => c == '/'));
        foreach (var level in deepestFirst ? levels.OrderByDescending(l => l.Key) : levels.OrderBy(l => l.Key))
        {
            try { Parallel.ForEach(level, new ParallelOptions { MaxDegreeOfParallelism = workers }, action); }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0) { ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); }
        }
    }

    private static TargetDirectories OpenTarget(string root, int files)
    {
        try { return new TargetDirectories(root); }
        catch (Exception e) when (StorageErrors.IsOutOfSpace(e)) { Stop(ExceptionDispatchInfo.Capture(e), root, 0, files); throw; }
    }

    /// <summary>Files in plan order, cut where the parent changes or a batch has enough work: each batch opens its
    /// directory once, and many batches keep every worker busy.</summary>
    private static IEnumerable<List<Item>> Batches(List<Item> files)
    {
        const int MaxFiles = 64;
        const long MaxBytes = 32L * 1024 * 1024;
        var batch = new List<Item>();
        long size = 0;
        foreach (var file in files)
        {
            if (batch.Count > 0 && (batch.Count >= MaxFiles || size >= MaxBytes || AbsolutePath.Parent(batch[0].TargetPath) != AbsolutePath.Parent(file.TargetPath)))
            {
                yield return batch;
                (batch, size) = ([], 0);
            }
            batch.Add(file);
            size += file.Node!.Size;
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>The batch's directory, or null when it cannot be opened: then every file of the batch is reported.</summary>
    private TargetDirectories.Lease? OpenParent(TargetDirectories directories, List<Item> batch, List<string> failed)
    {
        try { return directories.Open(AbsolutePath.Parent(batch[0].TargetPath)); }
        catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException)
        {
            foreach (var file in batch)
            {
                lock (failed) failed.Add(file.StoredPath);
                observer.Error(file.StoredPath, e);
            }
            return null;
        }
    }

    private static (List<Item> Written, List<Item> Linked, Dictionary<HardLinkKey, Item> Firsts) SplitHardLinks(List<Item> files)
    {
        var firsts = new Dictionary<HardLinkKey, Item>();
        var written = new List<Item>();
        var linked = new List<Item>();
        foreach (var file in files)
        {
            if (file.Node!.HardLink is { } key && !firsts.TryAdd(key, file)) linked.Add(file);
            else written.Add(file);
        }
        return (written, linked, firsts);
    }

    private static void RefuseExisting(TargetDirectories directories, List<Item> items)
    {
        foreach (var group in items.Where(i => i.Kind != Kind.Directory).GroupBy(i => AbsolutePath.Parent(i.TargetPath)))
        {
            TargetDirectories.Lease parent;
            try { parent = directories.Open(group.Key); }
            catch (FileNotFoundException) { continue; } // not there yet: nothing under it exists
            using (parent)
            {
                var existing = group.FirstOrDefault(i => parent.Handle.TryStat(AbsolutePath.Name(i.TargetPath)) is not null);
                if (existing is not null)
                    throw new DedupException($"refusing to overwrite {FileName.Display(existing.TargetPath)} (pass --overwrite to replace existing files)");
            }
        }
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

    private List<Item> Plan(Snapshot snapshot, IReadOnlyList<string> include, string root, int workers = 1)
    {
        var items = new List<Item>();
        var selections = include.Count == 0 ? ["/"] : include.Select(TreeReader.Normalize).Distinct().ToList();
        foreach (var selection in selections)
        {
            if (selection == "/")
            {
                if (workers > 1) trees.Prefetch(snapshot.Root, workers);
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
            if (workers > 1 && node.Type == NodeType.Directory) trees.Prefetch(node.Subtree, workers);
            AddNode(items, node, selection, root);
        }
        return items;
    }

    /// <summary>Adds what is under <paramref name="storedPath"/>, already checked: each name a walk adds was checked as
    /// one valid component when its tree was decoded, so the paths need no second look (a tenth of a large restore's
    /// planning went to checking every component of every path again).</summary>
    private void AddTree(List<Item> items, BlockId tree, string storedPath, string root)
    {
        foreach (var (path, node) in trees.Walk(tree, storedPath)) items.Add(ItemOf(node, path, root == "/" ? path : root + path));
    }

    private void AddNode(List<Item> items, TreeNode node, string storedPath, string root)
    {
        items.Add(ItemOf(node, storedPath, TargetOf(root, storedPath)));
        if (node.Type == NodeType.Directory) AddTree(items, node.Subtree, storedPath, root);
    }

    private static Item ItemOf(TreeNode node, string storedPath, string targetPath) => new(storedPath, targetPath, node, node.Type switch
    {
        NodeType.Directory => Kind.Directory,
        NodeType.File => Kind.File,
        NodeType.Symlink => Kind.Symlink,
        _ => Kind.Special,
    });

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
        if (Posix.TryLStat(path) is { } st && st.Type != FileStatus.Directory) throw NotADirectory(path, st);
    }

    /// <summary>The one refusal for something other than a directory where the snapshot has one.</summary>
    internal static DedupException NotADirectory(string path, FileStatus? found) => new(found?.Type == FileStatus.Symlink
        ? $"{FileName.Display(path)} is a symlink where the snapshot has a directory; refusing to restore through it"
        : $"{FileName.Display(path)} is a file where the snapshot has a directory");
}
