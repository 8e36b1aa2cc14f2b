using System.Buffers;
using System.Runtime.ExceptionServices;
using Dedup.Core;
using Dedup.Native;
using Dedup.Snapshots;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Restore;

/// <summary>Writing each kind of entry, relative to its parent's handle.</summary>
public sealed partial class Restorer
{
    private const uint OwnerAll = 0b111_000_000;

    private static void EnsureDirectory(TargetDirectories directories, Item dir)
    {
        using var lease = directories.Open(AbsolutePath.Parent(dir.TargetPath));
        var parent = lease.Handle;
        string name = AbsolutePath.Name(dir.TargetPath);
        switch (parent.TryStat(name))
        {
            case null:
                // Made for the owner alone while it fills; the snapshot's mode is applied once it is complete.
                try { parent.CreateDirectory(name, OwnerAll); }
                catch (IOException e) when (e.HResult == Errno.Exists) { } // made meanwhile: as good
                break;
            case { Type: FileStatus.Directory } st when dir.Node is not null && (st.Permissions & OwnerAll) != OwnerAll:
                // A read-only directory (an earlier restore reproduced its mode) refuses the files a non-root user
                // writes into it with --overwrite. Opened up; the snapshot's mode is applied once it is filled.
                try { parent.SetMode(name, st.Permissions | OwnerAll); }
                catch (IOException) { } // not ours: its files fail one by one, reported
                break;
            case { Type: FileStatus.Directory }:
                break;
            case var other:
                throw NotADirectory(dir.TargetPath, other);
        }
    }

    private async Task<long> RestoreFileAsync(DirectoryHandle parent, Item file, RestoreOptions options, List<string> warnings, CancellationToken cancellationToken)
    {
        var node = file.Node!;
        string name = AbsolutePath.Name(file.TargetPath);
        string temp = "";
        IOException? metadataFailure = null;
        try
        {
            using (var handle = parent.CreateTempFile(out temp))
            {
                // Holes stay holes: only data is written, so a file with holes (a trailing one too) is given its length.
                if (node.Holes.Count > 0) RandomAccess.SetLength(handle, node.Size);
                long end = await WriteContentAsync(handle, node, file.TargetPath, options.Workers, cancellationToken);
                if (end != node.Size) throw new CorruptDataException($"{file.StoredPath}: blocks and holes add up to {end} bytes, the snapshot says {node.Size}");
                if (options.Verify) VerifyFile(parent, temp, node, file.StoredPath);
                // On the open file, before it has its name. A failure here still gives the file its content and name.
                try { ApplyMetadata(handle, file, options, warnings); }
                catch (IOException e) { metadataFailure = e; }
            }
            // A real directory is refused (rename cannot replace one with a file); a symlink, even to a directory,
            // is replaced by the rename, not followed.
            try { parent.Rename(temp, name); }
            catch (IOException) when (parent.TryStat(name) is { Type: FileStatus.Directory })
            {
                throw new DedupException($"{FileName.Display(file.TargetPath)} is a directory where the snapshot has a file");
            }
        }
        catch
        {
            // Best effort, and never in place of the error that says why the file failed.
            if (temp.Length > 0)
                try { parent.Delete(temp); }
                catch (IOException) { }
            throw;
        }
        if (metadataFailure is not null) ExceptionDispatchInfo.Throw(metadataFailure);
        return node.Size;
    }

    /// <summary>Files this large are written by all workers at once: otherwise a restore of one database file (thousands
    /// of small blocks, each read, decrypted, decompressed and re-hashed) runs on one core.</summary>
    private const long ParallelFileBytes = 4 << 20;
    private const int ParallelFileBlocks = 16;
    private const int CoalescedWriteBytes = 1 << 20;

    /// <summary>Writes the blocks at their offsets, stepping over the holes. Returns the end offset reached. Only a
    /// sequence loader (the remote one) waits; local blocks are read and written on the calling thread.</summary>
    private async ValueTask<long> WriteContentAsync(SafeFileHandle handle, TreeNode node, string targetPath, int workers, CancellationToken cancellationToken)
    {
        var layout = new ContentLayout(node.Holes);
        if (loader is IBlockSequenceLoader sequence)
        {
            await sequence.LoadSequenceAsync(node.Content, block =>
            {
                RandomAccess.Write(handle, block, layout.Next(block.Length));
                observer.BytesWritten(block.Length);
            }, cancellationToken);
        }
        else if (workers > 1 && node.Size >= ParallelFileBytes && node.Content.Count >= ParallelFileBlocks)
        {
            // Written in pieces by several workers: reserved whole first (a file with holes keeps them instead).
            if (node.Holes.Count == 0) SparseFile.Reserve(handle, node.Size, targetPath);
            WriteContentInParallel(handle, node.Content, layout, workers);
        }
        else
        {
            WriteContentInOrder(handle, node.Content, layout);
        }
        return layout.End();
    }

    private void WriteContentInOrder(SafeFileHandle handle, IReadOnlyList<BlockId> content, ContentLayout layout)
    {
        var buffer = t_buffer ?? [];
        foreach (var id in content)
        {
            int length = loader.LoadBlock(id, ref buffer);
            RandomAccess.Write(handle, buffer.AsSpan(0, length), layout.Next(length));
            observer.BytesWritten(length);
        }
        t_buffer = buffer;
    }

    /// <summary>Every block's offset comes from the index (its raw length) first; then runs of consecutive blocks are
    /// loaded and written by the workers, each with positional writes, in any order. A block that loads with another
    /// length than the index said is damage, as in a sequential write.</summary>
    private void WriteContentInParallel(SafeFileHandle handle, IReadOnlyList<BlockId> content, ContentLayout layout, int workers)
    {
        var offsets = new long[content.Count];
        var locations = new BlockLocation[content.Count];
        int runs = Math.Min(content.Count / (ParallelFileBlocks / 2), workers * 4);
        (int First, int End) Run(int run) => (run * content.Count / runs, (run + 1) * content.Count / runs);
        try
        {
            // The lookups first, by all workers too: a database of 124,000 pages spent a quarter of its restore
            // locating its blocks on one core.
            Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = workers }, run =>
            {
                var (first, end) = Run(run);
                for (int i = first; i < end; i++)
                    if (!loader.TryLocate(content[i], out locations[i])) throw new CorruptDataException($"block {content[i].ToShortString()} is not in the index");
            });
            for (int i = 0; i < content.Count; i++) offsets[i] = layout.Next(locations[i].RawLength);
            Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = workers }, run =>
            {
                // Adjacent blocks are decoded side by side and written with one call: a database restored in 16 KiB
                // blocks made a system call per block.
                var (first, end) = Run(run);
                int largest = 0;
                for (int i = first; i < end; i++) largest = Math.Max(largest, locations[i].RawLength);
                var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(CoalescedWriteBytes, largest));
                try
                {
                    int filled = 0;
                    long at = offsets[first];
                    for (int i = first; i < end; i++)
                    {
                        int expected = locations[i].RawLength;
                        if (filled > 0 && (filled + expected > buffer.Length || offsets[i] != at + filled))
                        {
                            RandomAccess.Write(handle, buffer.AsSpan(0, filled), at);
                            observer.BytesWritten(filled);
                            (filled, at) = (0, offsets[i]);
                        }
                        int length = loader.LoadBlockInto(content[i], locations[i], buffer.AsSpan(filled, expected));
                        if (length != expected) throw new CorruptDataException($"block {content[i].ToShortString()} has {length} bytes, the index says {expected}");
                        filled += length;
                    }
                    if (filled > 0)
                    {
                        RandomAccess.Write(handle, buffer.AsSpan(0, filled), at);
                        observer.BytesWritten(filled);
                    }
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first failure, as the sequential path would have thrown it: the caller tells damage from a full disk.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Where each block of a file goes: consecutive, except that the holes are stepped over.</summary>
    private sealed class ContentLayout(IReadOnlyList<FileHole> holes)
    {
        private long _position;
        private int _hole;

        public long Next(int length)
        {
            SkipHoles();
            long at = _position;
            _position += length;
            return at;
        }

        public long End()
        {
            SkipHoles();
            return _hole == holes.Count ? _position : -1;
        }

        private void SkipHoles()
        {
            while (_hole < holes.Count && holes[_hole].Offset == _position) _position = holes[_hole++].End;
        }
    }

    private void VerifyFile(DirectoryHandle parent, string temp, TreeNode node, string storedPath)
    {
        using var handle = parent.OpenFile(temp);
        var layout = new ContentLayout(node.Holes);
        foreach (var id in node.Content)
        {
            if (!loader.TryLocate(id, out var location)) throw new CorruptDataException($"block {id.ToShortString()} is not in the index");
            var buffer = t_buffer is { } b && b.Length >= location.RawLength ? b : (t_buffer = new byte[location.RawLength]);
            long at = layout.Next(location.RawLength);
            if (RandomAccess.Read(handle, buffer.AsSpan(0, location.RawLength), at) != location.RawLength
                || trees.Hasher.Hash(buffer.AsSpan(0, location.RawLength)) != id)
                throw new CorruptDataException($"{storedPath}: restored content does not match the snapshot");
        }
        if (RandomAccess.GetLength(handle) != node.Size) throw new CorruptDataException($"{storedPath}: restored file has another length than the snapshot's");
    }

    /// <summary>A later member of a hard-link set: linked to the member written first, when that one was restored
    /// now; otherwise (its first member failed) the set cannot be joined and the entry is reported.</summary>
    private static void RestoreHardLink(TargetDirectories directories, DirectoryHandle parent, Item file, IReadOnlyDictionary<HardLinkKey, Item> firsts,
        IReadOnlySet<string> done)
    {
        var key = file.Node!.HardLink!.Value;
        if (!firsts.TryGetValue(key, out var first) || !done.Contains(first.StoredPath))
            throw new DedupException($"{FileName.Display(file.TargetPath)}: the file it is a hard link of was not restored");
        string name = AbsolutePath.Name(file.TargetPath);
        if (parent.TryStat(name) is { Type: FileStatus.Directory })
            throw new DedupException($"{FileName.Display(file.TargetPath)} is a directory where the snapshot has a file");
        using var firstParent = directories.Open(AbsolutePath.Parent(first.TargetPath));
        string temp = TempName();
        firstParent.Handle.Link(AbsolutePath.Name(first.TargetPath), parent, temp);
        try { parent.Rename(temp, name); }
        catch
        {
            try { parent.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    private static string TempName() => ".dedup-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    private static void RestoreSymlink(DirectoryHandle parent, Item link, RestoreOptions options, List<string> warnings)
    {
        string name = AbsolutePath.Name(link.TargetPath);
        ReplaceNonDirectory(parent, name, link.TargetPath, "a symlink");
        parent.CreateSymlink(name, link.Node!.LinkTarget!);
        ApplyMetadata(parent, name, link, options, warnings);
    }

    /// <summary>Fifos and sockets are made by anyone; devices need root (CAP_MKNOD), and fail with a reason otherwise.</summary>
    private static void RestoreSpecial(DirectoryHandle parent, Item item, RestoreOptions options, List<string> warnings)
    {
        var node = item.Node!;
        string name = AbsolutePath.Name(item.TargetPath);
        ReplaceNonDirectory(parent, name, item.TargetPath, "a special file");
        uint type = node.Type switch
        {
            NodeType.Fifo => FileStatus.Fifo,
            NodeType.Socket => FileStatus.Socket,
            NodeType.CharDevice => FileStatus.CharDevice,
            _ => FileStatus.BlockDevice,
        };
        parent.CreateNode(name, type | node.Mode, node.DeviceNumber);
        ApplyMetadata(parent, name, item, options, warnings);
    }

    private static void ReplaceNonDirectory(DirectoryHandle parent, string name, string targetPath, string what)
    {
        switch (parent.TryStat(name))
        {
            case null: return;
            case { Type: FileStatus.Directory }: throw new IOException($"{FileName.Display(targetPath)} is a directory where the snapshot has {what}");
            default: parent.Delete(name); return;
        }
    }

    /// <summary>Owner (as root: by name when the name exists here, unless --numeric-owner), extended attributes,
    /// mode, times; in that order, since chown clears set-id bits and a mode may forbid writing attributes.
    /// What cannot be set is a warning, never silence.</summary>
    private static void ApplyMetadata(DirectoryHandle parent, string name, Item item, RestoreOptions options, List<string> warnings)
    {
        var node = item.Node!;
        if (s_isRoot)
        {
            var (uid, gid) = Owner(node, options);
            parent.SetOwner(name, uid, gid);
        }
        foreach (var xattr in node.Xattrs)
        {
            try { parent.WriteXattr(name, xattr.Name, xattr.Value); }
            catch (IOException e) { XattrNotRestored(item, xattr, e, warnings); }
        }
        if (node.Type != NodeType.Symlink) parent.SetMode(name, node.Mode);
        parent.SetTimes(name, node.MtimeNs);
    }

    /// <summary>The same, in the same order, through a regular file's open descriptor (before its rename).</summary>
    private static void ApplyMetadata(SafeFileHandle file, Item item, RestoreOptions options, List<string> warnings)
    {
        var node = item.Node!;
        string display = FileName.Display(item.TargetPath);
        if (s_isRoot)
        {
            var (uid, gid) = Owner(node, options);
            OpenFileMetadata.SetOwner(file, uid, gid, display);
        }
        foreach (var xattr in node.Xattrs)
        {
            try { OpenFileMetadata.WriteXattr(file, xattr.Name, xattr.Value, display); }
            catch (IOException e) { XattrNotRestored(item, xattr, e, warnings); }
        }
        OpenFileMetadata.SetMode(file, node.Mode, display);
        OpenFileMetadata.SetTimes(file, node.MtimeNs, display);
    }

    // The effective user does not change while a restore runs: asked once, not once per file.
    private static readonly bool s_isRoot = Posix.IsRoot;

    /// <summary>As root: by name when the name exists here, unless --numeric-owner.</summary>
    private static (uint Uid, uint Gid) Owner(TreeNode node, RestoreOptions options) =>
        (options.NumericOwner || node.UserName is not { Length: > 0 } user ? node.Uid : Accounts.UserId(user) ?? node.Uid,
         options.NumericOwner || node.GroupName is not { Length: > 0 } group ? node.Gid : Accounts.GroupId(group) ?? node.Gid);

    private static void XattrNotRestored(Item item, ExtendedAttribute xattr, IOException e, List<string> warnings)
    {
        lock (warnings) warnings.Add($"{FileName.Display(item.StoredPath)}: extended attribute {FileName.Display(xattr.Name)} not restored ({e.Message})");
    }
}
