using System.Buffers;
using Dedup.Chunking;
using Dedup.Core;
using Dedup.Native;
using Dedup.Snapshots;

namespace Dedup.Backup;

/// <summary>
/// Walks the sources and turns them into trees and blocks. The walk and chunking run on the calling thread;
/// compression and packing run behind <see cref="IBlockSaver"/>. Trees are collected, not written: the caller
/// commits them with the snapshot, after every block is durable.
/// </summary>
public sealed class Archiver
{
    private static readonly EnumerationOptions ListOptions = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private readonly IBlockSaver _saver;
    private readonly ChunkerSelector _chunkers;
    private readonly TreeReader _trees;
    private readonly Func<BlockId, bool> _treeStored;
    private readonly Crypto.ContentHasher _hasher;
    private readonly IBackupObserver _observer;
    private readonly IReadOnlyList<Glob> _excludes;
    private readonly byte[] _buffer;
    private readonly Dictionary<BlockId, byte[]> _newTrees = [];
    private readonly List<string> _warnings = [];
    private long _files, _dirs, _bytes, _filesNew, _filesChanged, _filesUnmodified, _bytesRead, _errors;

    public Archiver(IBlockSaver saver, ChunkerSelector chunkers, Crypto.ContentHasher hasher, TreeReader trees, Func<BlockId, bool> treeStored, IBackupObserver observer, IReadOnlyList<string> excludes)
    {
        (_saver, _chunkers, _hasher, _trees, _treeStored, _observer) = (saver, chunkers, hasher, trees, treeStored, observer);
        _excludes = excludes.Select(p => new Glob(p)).ToList();
        _buffer = new byte[chunkers.ContentDefined.MaxSize * 2];
    }

    public IReadOnlyDictionary<BlockId, byte[]> NewTrees => _newTrees;
    public IReadOnlyList<string> Warnings => _warnings;

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
        var nodes = root.IsSource
            ? await ArchiveChildrenAsync("/", referenceTree, ct)
            : await ArchiveVirtualAsync(root, referenceTree, ct);
        return StoreTree(nodes);
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
        return StoreTree([node]);
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
                ? await ArchiveEntryAsync(child.RealPath, name, refNode, ct)
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
        var subtree = StoreTree(await ArchiveVirtualAsync(dir, refTree, ct));
        return new TreeNode(name, NodeType.Directory, st.Permissions, st.MtimeNs, st.Uid, st.Gid, Subtree: subtree);
    }

    private async Task<TreeNode?> ArchiveEntryAsync(string path, string name, TreeNode? refNode, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (_excludes.Any(g => g.IsMatch(path, name))) return null;
        FileStatus st;
        try { st = Posix.LStat(path); }
        catch (IOException e) { ReportError(path, e); return null; }

        switch (st.Type)
        {
            case FileStatus.Directory:
                var refTree = refNode?.Type == NodeType.Directory ? _trees.Load(refNode.Subtree) : null;
                List<TreeNode> children;
                try { children = await ArchiveChildrenAsync(path, refTree, ct); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { ReportError(path, e); return null; }
                _dirs++;
                return new TreeNode(name, NodeType.Directory, st.Permissions, st.MtimeNs, st.Uid, st.Gid, Subtree: StoreTree(children));
            case FileStatus.Symlink:
                string? target = new FileInfo(path).LinkTarget;
                if (target is null) { ReportError(path, new IOException("cannot read the link target")); return null; }
                _files++;
                return new TreeNode(name, NodeType.Symlink, st.Permissions, st.MtimeNs, st.Uid, st.Gid, LinkTarget: target);
            case FileStatus.Regular:
                return await ArchiveFileAsync(path, name, st, refNode, ct);
            default:
                Warn(path, "skipped: not a regular file, directory or symlink (fifo, socket or device)");
                return null;
        }
    }

    private async Task<List<TreeNode>> ArchiveChildrenAsync(string path, Tree? reference, CancellationToken ct)
    {
        var names = Directory.EnumerateFileSystemEntries(path, "*", ListOptions).Select(p => Path.GetFileName(p)).ToList();
        names.Sort(Tree.NameOrder);
        var nodes = new List<TreeNode>(names.Count);
        foreach (var name in names)
        {
            var node = await ArchiveEntryAsync(path == "/" ? "/" + name : path + "/" + name, name, reference?.Find(name), ct);
            if (node is not null) nodes.Add(node);
        }
        return nodes;
    }

    private async Task<TreeNode?> ArchiveFileAsync(string path, string name, FileStatus st, TreeNode? refNode, CancellationToken ct)
    {
        _files++;
        if (refNode is { Type: NodeType.File } && refNode.Size == st.Size && refNode.MtimeNs == st.MtimeNs
            && refNode.CtimeNs == st.CtimeNs && refNode.Inode == st.Inode && refNode.Content.All(_saver.Contains))
        {
            _filesUnmodified++;
            _bytes += st.Size;
            _observer.BytesProcessed(st.Size);
            _observer.FileDone(path, st.Size);
            return refNode with { Mode = st.Permissions, Uid = st.Uid, Gid = st.Gid };
        }

        BlockId[] blocks;
        long size;
        _observer.FileStarted(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            (blocks, size) = await ChunkAsync(stream, ct);
            var after = Posix.LStat(path);
            if (after.Size != size || after.MtimeNs != st.MtimeNs || after.CtimeNs != st.CtimeNs)
                Warn(path, "file changed while it was read; the snapshot holds what was read");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _files--;
            ReportError(path, e);
            return null;
        }
        if (refNode is null) _filesNew++; else _filesChanged++;
        _bytes += size;
        _observer.FileDone(path, size);
        return new TreeNode(name, NodeType.File, st.Permissions, st.MtimeNs, st.Uid, st.Gid, size, st.Inode, st.CtimeNs, blocks);
    }

    private async Task<(BlockId[] Blocks, long Size)> ChunkAsync(Stream stream, CancellationToken ct)
    {
        var chunker = new StreamChunker(stream, _chunkers, _buffer);
        var blocks = new List<BlockId>();
        long size = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var (id, copy, length) = NextChunk(chunker);
            if (length == 0) break;
            blocks.Add(id);
            size += length;
            if (copy is not null) await _saver.SaveAsync(id, copy, length, ct);
            _observer.BytesProcessed(length);
        }
        _bytesRead += size;
        return (blocks.ToArray(), size);
    }

    // Spans cannot live across an await: hash and copy (only when new) here, hand over the copy outside.
    private (BlockId Id, byte[]? Copy, int Length) NextChunk(StreamChunker chunker)
    {
        var chunk = chunker.Next();
        if (chunk.IsEmpty) return (default, null, 0);
        var id = _hasher.Hash(chunk);
        if (_saver.Contains(id)) return (id, null, chunk.Length);
        var copy = Repository.PackAssembler.BlockBuffers.Rent(chunk.Length);
        chunk.CopyTo(copy);
        return (id, copy, chunk.Length);
    }

    private BlockId StoreTree(IEnumerable<TreeNode> nodes)
    {
        var bytes = TreeCodec.Encode(new Tree(nodes));
        var id = _hasher.Hash(bytes);
        if (!_newTrees.ContainsKey(id) && !_treeStored(id)) _newTrees[id] = bytes;
        return id;
    }

    private void Warn(string path, string message)
    {
        _warnings.Add($"{path}: {message}");
        _observer.Warning(path, message);
    }

    private void ReportError(string path, Exception e)
    {
        _errors++;
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
