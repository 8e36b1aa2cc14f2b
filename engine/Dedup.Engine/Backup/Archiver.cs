using System.Buffers;
using System.Collections.Concurrent;
using Dedup.Backup.Selection;
using Dedup.Chunking;
using Dedup.Core;
using Dedup.Native;
using Dedup.Snapshots;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Backup;

/// <summary>
/// Walks the sources and turns them into trees and blocks. Every entry is reached relative to its parent's open
/// directory handle, by the bytes of its name: no path length limit, no name the OS cannot give back, no symlink
/// followed. The walk and chunking run on the calling thread, and subdirectories on other lanes while one is free
/// (each directory's entries stay in name order whichever lane walks them); compression and packing run behind
/// <see cref="IBlockSaver"/>. Each directory's tree goes to the saver as a blob as soon as its children are done,
/// like any block (nothing of the walk is held until the end); the caller flushes the saver before it commits the
/// snapshot that names them.
/// </summary>
public sealed class Archiver
{
    private readonly IBlockSaver _saver;
    private readonly ChunkerSelector _chunkers;
    private readonly TreeReader _trees;
    private readonly Crypto.ContentHasher _hasher;
    private readonly IBackupObserver _observer;
    private readonly Exclusions _exclusions;
    private readonly bool _oneFileSystem;
    private readonly int _chunkBufferSize;
    // One per lane chunking a file at the time; a lane that finds none makes one (untouched pages cost nothing).
    private readonly ConcurrentBag<byte[]> _chunkBuffers = [];
    private readonly SemaphoreSlim _lanes = new(ExtraLanes);
    private readonly List<string> _warnings = [];
    // Counted from every lane: changed with Interlocked only.
    private long _files, _dirs, _bytes, _filesNew, _filesChanged, _filesUnmodified, _bytesRead, _errors;

    /// <summary>Lanes besides the caller's that may walk subdirectories at once. Walking many small files waits on
    /// one system call after another (stat, the extended attribute list, open and read); with more lanes those
    /// waits, and the hashing of what is read, overlap, while the pack assembler's workers compress.</summary>
    private static readonly int ExtraLanes = Math.Clamp(Environment.ProcessorCount, 1, 8);

    public Archiver(IBlockSaver saver, ChunkerSelector chunkers, Crypto.ContentHasher hasher, TreeReader trees, IBackupObserver observer,
        Exclusions exclusions, bool oneFileSystem = false)
    {
        (_saver, _chunkers, _hasher, _trees, _observer, _exclusions, _oneFileSystem) = (saver, chunkers, hasher, trees, observer, exclusions, oneFileSystem);
        _chunkBufferSize = chunkers.ContentDefined.MaxSize * 2;
    }

    public IReadOnlyList<string> Warnings { get { lock (_warnings) return _warnings.ToList(); } }

    /// <summary>Read once the walk is done (every lane joined).</summary>
    public SnapshotTotals Totals => new()
    {
        Files = _files, Directories = _dirs, Bytes = _bytes, FilesNew = _filesNew, FilesChanged = _filesChanged,
        FilesUnmodified = _filesUnmodified, BytesRead = _bytesRead, Errors = _errors,
    };

    /// <summary>Archives absolute <paramref name="paths"/> under one root tree that mirrors the file system from "/".
    /// Returns the root tree id. <paramref name="reference"/> is the root of the snapshot whose unchanged files are reused.</summary>
    public async Task<BlockId> ArchivePathsAsync(IReadOnlyList<string> paths, BlockId? reference, CancellationToken ct)
    {
        var root = new VirtualDirectory("/");
        foreach (var path in RemoveNested(paths))
        {
            var dir = root;
            var parts = TreeReader.SplitPath(path);
            if (parts.Length == 0) { root.IsSource = true; continue; }
            for (int i = 0; i < parts.Length - 1; i++)
                dir = dir.Child(parts[i], "/" + string.Join('/', parts[..(i + 1)]));
            dir.Child(parts[^1], path).IsSource = true;
        }
        var referenceTree = reference is { } r ? _trees.Load(r) : null;
        List<TreeNode> nodes;
        if (root.IsSource)
        {
            using var slash = DirectoryHandle.Open("/");
            nodes = await ArchiveChildrenAsync(slash, "/", referenceTree, new Walk(_oneFileSystem ? slash.StatSelf().Device : null, Explicit: false), ct);
        }
        else nodes = await ArchiveVirtualAsync(root, referenceTree, ct);
        return await StoreTreeAsync(nodes, ct);
    }

    /// <summary>Archives one stream as the single file /<paramref name="name"/>.</summary>
    public async Task<BlockId> ArchiveStreamAsync(Stream stream, string name, long nowNs, CancellationToken ct)
    {
        TreeCodec.ValidateName(name);
        var (blocks, size) = await ChunkAsync(stream, ct);
        _files++;
        _filesNew++;
        _bytes += size;
        var node = new TreeNode(name, NodeType.File, 0b110_100_100, nowNs, 0, 0, size, 0, nowNs, blocks);
        return await StoreTreeAsync([node], ct);
    }

    /// <summary>The paths without those under another one. Linear in the paths times their depth: a safety snapshot
    /// before a restore lists every file it will replace, possibly hundreds of thousands.</summary>
    private static IEnumerable<string> RemoveNested(IReadOnlyList<string> paths)
    {
        var all = paths.Select(p => p.Length > 1 ? p.TrimEnd('/') : p).ToHashSet(StringComparer.Ordinal);
        if (all.Contains("/")) return ["/"];
        return all.Where(p => !Ancestors(p).Any(all.Contains)).Order(StringComparer.Ordinal);
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            yield return path[..slash];
    }

    private async Task<List<TreeNode>> ArchiveVirtualAsync(VirtualDirectory dir, Tree? reference, CancellationToken ct)
    {
        var nodes = new List<TreeNode>();
        foreach (var (name, child) in dir.Children)
        {
            var refNode = reference?.Find(name);
            var node = child.IsSource
                ? await ArchiveSourceAsync(child.RealPath, name, refNode, ct)
                : await ArchiveIntermediateAsync(child, name, refNode, ct);
            if (node is not null) nodes.Add(node);
        }
        return nodes;
    }

    /// <summary>A directory on the way to a source: its own metadata, but only the children that lead to sources.</summary>
    private async Task<TreeNode?> ArchiveIntermediateAsync(VirtualDirectory dir, string name, TreeNode? refNode, CancellationToken ct)
    {
        FileStatus st;
        try { st = Posix.LStat(dir.RealPath); }
        catch (IOException e) { ReportError(dir.RealPath, e); return null; }
        var refTree = refNode?.Type == NodeType.Directory ? _trees.Load(refNode.Subtree) : null;
        var subtree = await StoreTreeAsync(await ArchiveVirtualAsync(dir, refTree, ct), ct);
        return new TreeNode(name, NodeType.Directory, st.Permissions, st.MtimeNs, st.Uid, st.Gid, Subtree: subtree)
        {
            UserName = Accounts.UserName(st.Uid),
            GroupName = Accounts.GroupName(st.Gid),
        };
    }

    /// <summary>A path the user named: reached through its parent directory, like every entry below it.</summary>
    private async Task<TreeNode?> ArchiveSourceAsync(string path, string name, TreeNode? refNode, CancellationToken ct)
    {
        DirectoryHandle parent;
        try { parent = DirectoryHandle.Open(AbsolutePath.Parent(path)); }
        catch (IOException e) { ReportError(path, e); return null; }
        using (parent)
        {
            ulong? device = _oneFileSystem && parent.TryStat(name) is { } st ? st.Device : null;
            return await ArchiveEntryAsync(parent, name, path, refNode, new Walk(device, Explicit: true), ct);
        }
    }

    /// <summary>What the walk below a source carries: the device it must stay on (--one-file-system), and whether
    /// this entry was named by the user (pseudo file systems are walked into only then).</summary>
    private readonly record struct Walk(ulong? Device, bool Explicit, bool ReferenceRecordsXattrs = false);

    private async Task<TreeNode?> ArchiveEntryAsync(DirectoryHandle parent, string name, string path, TreeNode? refNode, Walk walk, CancellationToken ct) =>
        StatEntry(parent, name, path, walk, ct) is { } st ? await ArchiveStatedAsync(parent, name, path, st, refNode, walk, ct) : null;

    /// <summary>The entry's status; null when it cannot be read (reported) or is excluded.</summary>
    private FileStatus? StatEntry(DirectoryHandle parent, string name, string path, Walk walk, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        FileStatus st;
        try { st = parent.Stat(name); }
        catch (IOException e) { ReportError(path, e); return null; }
        return !walk.Explicit && Excluded(path, st) ? null : st;
    }

    /// <param name="group">The directory's group of small blocks, when the caller walks a directory (null: the file gets its own).</param>
    private async Task<TreeNode?> ArchiveStatedAsync(DirectoryHandle parent, string name, string path, FileStatus st, TreeNode? refNode, Walk walk, CancellationToken ct,
        BlockGrouper? group = null)
    {
        TreeNode? node;
        IReadOnlyList<ExtendedAttribute>? xattrs = null;
        switch (st.Type)
        {
            case FileStatus.Directory:
                node = await ArchiveDirectoryAsync(parent, name, path, st, refNode, walk, ct);
                break;
            case FileStatus.Symlink:
                string target;
                try { target = parent.ReadLink(name); }
                catch (IOException e) { ReportError(path, e); return null; }
                Interlocked.Increment(ref _files);
                node = new TreeNode(name, NodeType.Symlink, st.Permissions, st.MtimeNs, st.Uid, st.Gid, LinkTarget: target);
                break;
            case FileStatus.Regular:
                (node, xattrs) = await ArchiveFileAsync(parent, name, path, st, refNode, ct, group);
                break;
            case FileStatus.Fifo or FileStatus.Socket or FileStatus.CharDevice or FileStatus.BlockDevice:
                Interlocked.Increment(ref _files);
                node = new TreeNode(name, SpecialType(st.Type), st.Permissions, st.MtimeNs, st.Uid, st.Gid) { DeviceNumber = IsDevice(st.Type) ? st.Rdev : 0 };
                break;
            default:
                Warn(path, $"skipped: unknown file type 0x{st.Type:x}");
                return null;
        }
        // An unchanged file (same ctime: setting an attribute changes it) keeps the attributes its reference read.
        bool unchanged = node is not null && refNode is not null && walk.ReferenceRecordsXattrs && node.Type == NodeType.File
            && ReferenceEquals(node.Blocks, refNode.Blocks);
        return node is null ? null : Described(node, parent, name, path, st, xattrs ?? (unchanged ? refNode!.Xattrs : null));
    }

    private bool Excluded(string path, FileStatus st) => _exclusions.ExcludesPath(path, st.Type == FileStatus.Directory)
        || (st.Type == FileStatus.Regular && _exclusions.ExcludesSize(st.Size));

    private static NodeType SpecialType(uint type) => type switch
    {
        FileStatus.Fifo => NodeType.Fifo,
        FileStatus.Socket => NodeType.Socket,
        FileStatus.CharDevice => NodeType.CharDevice,
        _ => NodeType.BlockDevice,
    };

    private static bool IsDevice(uint type) => type is FileStatus.CharDevice or FileStatus.BlockDevice;

    /// <summary>What every entry carries beyond its type: owner names, extended attributes (every namespace), and the
    /// hard-link key of a non-directory with more than one link.</summary>
    private TreeNode Described(TreeNode node, DirectoryHandle parent, string name, string path, FileStatus st, IReadOnlyList<ExtendedAttribute>? known)
    {
        IReadOnlyList<ExtendedAttribute> xattrs = known ?? [];
        if (known is null)
        {
            try { xattrs = parent.ReadXattrs(name).Select(x => new ExtendedAttribute(x.Name, x.Value)).ToList(); }
            catch (IOException e) { Warn(path, $"extended attributes not saved: {e.Message}"); }
        }
        return node with
        {
            UserName = Accounts.UserName(node.Uid),
            GroupName = Accounts.GroupName(node.Gid),
            Xattrs = xattrs,
            HardLink = st.Nlink > 1 && st.Type != FileStatus.Directory ? new HardLinkKey(st.Device, st.Inode, st.Nlink) : null,
        };
    }

    private async Task<TreeNode?> ArchiveDirectoryAsync(DirectoryHandle parent, string name, string path, FileStatus st, TreeNode? refNode, Walk walk, CancellationToken ct)
    {
        var refTree = refNode?.Type == NodeType.Directory ? _trees.Load(refNode.Subtree) : null;
        List<TreeNode> children = [];
        // A mount point of another file system (with --one-file-system) or of /proc, /sys, /dev is kept as an empty
        // directory, so a restore recreates the mount point, unless the user named it.
        bool descend = walk.Explicit || (!IsPseudoFileSystem(path) && (walk.Device is null || walk.Device == st.Device));
        if (descend)
        {
            try
            {
                using var dir = parent.OpenDirectory(name);
                children = await ArchiveChildrenAsync(dir, path, refTree, walk with { Explicit = false }, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { ReportError(path, e); return null; }
        }
        Interlocked.Increment(ref _dirs);
        return new TreeNode(name, NodeType.Directory, st.Permissions, st.MtimeNs, st.Uid, st.Gid, Subtree: await StoreTreeAsync(children, ct));
    }

    /// <summary>Kernel views, not data: walking them reads gigabytes of nothing (/proc/kcore) or never ends.</summary>
    private static bool IsPseudoFileSystem(string path) => path is "/proc" or "/sys" or "/dev";

    private async Task<List<TreeNode>> ArchiveChildrenAsync(DirectoryHandle dir, string path, Tree? reference, Walk walk, CancellationToken ct)
    {
        var names = dir.List().ToList();
        if (_exclusions.TagFiles.Count > 0 && TagFilesIn(dir, names) is { Count: > 0 } tags) names = tags;
        names.Sort(Tree.NameOrder);
        var nodes = new TreeNode?[names.Count];
        var forked = new List<Task>();
        walk = walk with { ReferenceRecordsXattrs = reference?.Encoding >= 2 };
        // The small files of a directory (and the small blocks of its files) are grouped together: small files
        // alike (templates, scripts, configuration) compress far better side by side than one by one.
        using var group = new BlockGrouper(_saver);
        bool failed = false;
        try
        {
            for (int i = 0; i < names.Count; i++)
            {
                string name = names[i], childPath = AbsolutePath.Join(path, name);
                var refNode = reference?.Find(name);
                if (StatEntry(dir, name, childPath, walk, ct) is not { } st) continue;
                // A subdirectory goes to a free lane, never waiting for one: a lane's own subdirectories then run
                // on it, so no lane ever waits for another to free up.
                if (st.Type == FileStatus.Directory && _lanes.Wait(0))
                {
                    int slot = i;
                    forked.Add(Task.Run(async () =>
                    {
                        try { nodes[slot] = await ArchiveStatedAsync(dir, name, childPath, st, refNode, walk, ct); }
                        finally { _lanes.Release(); }
                    }, CancellationToken.None)); // started whatever happens, so its lane is given back
                    continue;
                }
                // A subdirectory walked on this lane gets its own group: the one open here goes first, so a deep tree
                // holds one partly filled group per lane, not one per level.
                if (st.Type == FileStatus.Directory) await group.FlushAsync(ct);
                nodes[i] = await ArchiveStatedAsync(dir, name, childPath, st, refNode, walk, ct, group);
            }
            await group.FlushAsync(ct);
        }
        catch { failed = true; throw; }
        finally
        {
            // Forked subtrees use this directory's handle: they finish before the caller closes it.
            try { await Task.WhenAll(forked); }
            catch when (failed) { } // this lane's failure is the one reported
        }
        return nodes.OfType<TreeNode>().ToList();
    }

    /// <summary>The tag files (--exclude-if-present, --exclude-caches) among a directory's names whose header is as
    /// required: when there is one, the directory is saved holding only them.</summary>
    private List<string> TagFilesIn(DirectoryHandle dir, List<string> names)
    {
        var tags = new List<string>();
        foreach (var tag in _exclusions.TagFiles)
            if (!tags.Contains(tag.Name) && names.Contains(tag.Name) && HasHeader(dir, tag)) tags.Add(tag.Name);
        return tags;
    }

    private static bool HasHeader(DirectoryHandle dir, TagFile tag)
    {
        if (tag.Header is null) return true;
        var expected = FileName.ToBytes(tag.Header);
        var actual = new byte[expected.Length];
        try
        {
            using var handle = dir.OpenFile(tag.Name);
            Packs.PackReader.ReadExactly(handle, actual, 0, tag.Name); // a tag shorter than the header does not match
            return actual.AsSpan().SequenceEqual(expected);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CorruptDataException) { return false; }
    }

    /// <summary>The file's node, and its extended attributes when it was read (they are read from the open file then).</summary>
    private async Task<(TreeNode? Node, IReadOnlyList<ExtendedAttribute>? Xattrs)> ArchiveFileAsync(DirectoryHandle parent, string name, string path,
        FileStatus st, TreeNode? refNode, CancellationToken ct, BlockGrouper? group)
    {
        Interlocked.Increment(ref _files);
        if (refNode is { Type: NodeType.File } && refNode.Size == st.Size && refNode.MtimeNs == st.MtimeNs
            && refNode.CtimeNs == st.CtimeNs && refNode.Inode == st.Inode && refNode.Content.All(_saver.Contains))
        {
            Interlocked.Increment(ref _filesUnmodified);
            Interlocked.Add(ref _bytes, st.Size);
            _observer.BytesProcessed(st.Size);
            _observer.FileDone(path, st.Size);
            return (refNode with { Mode = st.Permissions, Uid = st.Uid, Gid = st.Gid }, null);
        }

        var blocks = new List<BlockId>();
        var holes = new List<FileHole>();
        long size;
        IReadOnlyList<ExtendedAttribute> xattrs = [];
        _observer.FileStarted(path);
        try
        {
            using var handle = parent.OpenFile(name);
            size = await ReadContentAsync(handle, st, blocks, holes, ct, group);
            // Of the open file: what was read, without resolving its name again.
            var after = Posix.FStat(handle);
            if (after.Inode != st.Inode || after.Size != size || after.MtimeNs != st.MtimeNs || after.CtimeNs != st.CtimeNs)
                Warn(path, "file changed while it was read; the snapshot holds what was read");
            try { xattrs = DirectoryHandle.ReadXattrs(handle, path).Select(x => new ExtendedAttribute(x.Name, x.Value)).ToList(); }
            catch (IOException e) { Warn(path, $"extended attributes not saved: {e.Message}"); }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Decrement(ref _files);
            ReportError(path, e);
            return (null, null);
        }
        Interlocked.Increment(ref refNode is null ? ref _filesNew : ref _filesChanged);
        Interlocked.Add(ref _bytes, size);
        _observer.FileDone(path, size);
        return (new TreeNode(name, NodeType.File, st.Permissions, st.MtimeNs, st.Uid, st.Gid, size, st.Inode, st.CtimeNs, blocks.ToArray()) { Holes = holes },
            xattrs);
    }

    /// <summary>Chunks a file's data. A file with fewer blocks allocated than its size is read extent by extent
    /// (SEEK_DATA/SEEK_HOLE): its holes are recorded, never read. Returns the size (data read plus holes).</summary>
    private async Task<long> ReadContentAsync(SafeFileHandle handle, FileStatus st, List<BlockId> blocks, List<FileHole> holes, CancellationToken ct, BlockGrouper? group)
    {
        if (st.Blocks * 512 >= (ulong)st.Size)
        {
            // The size the walk saw, read with positional reads: no end-of-file probe, no position to query. A file
            // that grew or shrank meanwhile is caught by the status taken after the read. A file that says it is
            // empty is read to its end (kernel files report 0 and still have content).
            using var stream = new FileRangeStream(handle, 0, st.Size > 0 ? st.Size : long.MaxValue);
            var (content, size) = await ChunkAsync(stream, ct, group);
            blocks.AddRange(content);
            return size;
        }
        long end = 0;
        foreach (var (offset, length) in SparseFile.DataExtents(handle, st.Size))
        {
            if (offset > end) holes.Add(new FileHole(end, offset - end));
            using var range = new FileRangeStream(handle, offset, length);
            var (content, read) = await ChunkAsync(range, ct, group);
            blocks.AddRange(content);
            end = offset + read;
        }
        if (st.Size > end) holes.Add(new FileHole(end, st.Size - end));
        return Math.Max(end, st.Size);
    }

    /// <param name="shared">A group that outlives this file (its directory's), flushed by its owner; null: one for this file.</param>
    private async Task<(BlockId[] Blocks, long Size)> ChunkAsync(Stream stream, CancellationToken ct, BlockGrouper? shared = null)
    {
        if (!_chunkBuffers.TryTake(out var buffer)) buffer = GC.AllocateUninitializedArray<byte>(_chunkBufferSize);
        using var own = shared is null ? new BlockGrouper(_saver) : null;
        var group = shared ?? own!;
        try
        {
            var chunker = new StreamChunker(stream, _chunkers, buffer);
            var blocks = new List<BlockId>();
            long size = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var (id, copy, length) = NextChunk(chunker, group);
                if (length == 0) break;
                blocks.Add(id);
                size += length;
                if (copy is not null) await _saver.SaveAsync(id, copy, length, ct);
                else if (group.Full) await group.FlushAsync(ct);
                _observer.BytesProcessed(length);
            }
            if (own is not null) await own.FlushAsync(ct);
            Interlocked.Add(ref _bytesRead, size);
            return (blocks.ToArray(), size);
        }
        finally { _chunkBuffers.Add(buffer); }
    }

    // Spans cannot live across an await: hash and copy (only when new) here, hand over the copy outside. A new small
    // block goes into the file's group instead of a copy of its own.
    private (BlockId Id, byte[]? Copy, int Length) NextChunk(StreamChunker chunker, BlockGrouper group)
    {
        var chunk = chunker.Next();
        if (chunk.IsEmpty) return (default, null, 0);
        var id = _hasher.Hash(chunk);
        if (_saver.Contains(id) || group.Contains(id) || group.TryAdd(id, chunk)) return (id, null, chunk.Length);
        var copy = Repository.PackAssembler.BlockBuffers.Rent(chunk.Length);
        chunk.CopyTo(copy);
        return (id, copy, chunk.Length);
    }

    /// <summary>A tree is a blob like any block: saved unless the repository (or this run) already has it.</summary>
    private async ValueTask<BlockId> StoreTreeAsync(IEnumerable<TreeNode> nodes, CancellationToken ct)
    {
        var bytes = TreeCodec.Encode(new Tree(nodes));
        var id = _hasher.Hash(bytes);
        if (_saver.Contains(id)) return id;
        var copy = Repository.PackAssembler.BlockBuffers.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(copy, 0);
        await _saver.SaveAsync(id, copy, bytes.Length, ct, BlobKind.Tree);
        return id;
    }

    private void Warn(string path, string message)
    {
        lock (_warnings) _warnings.Add($"{path}: {message}");
        _observer.Warning(path, message);
    }

    private void ReportError(string path, Exception e)
    {
        Interlocked.Increment(ref _errors);
        _observer.Error(path, e);
    }

    private sealed class VirtualDirectory(string realPath)
    {
        public string RealPath { get; } = realPath;
        public bool IsSource { get; set; }
        public SortedDictionary<string, VirtualDirectory> Children { get; } = new(Tree.NameOrder);

        public VirtualDirectory Child(string name, string realPath)
        {
            if (!Children.TryGetValue(name, out var child)) Children[name] = child = new VirtualDirectory(realPath);
            return child;
        }
    }
}
