using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Repository;

/// <summary>
/// Compresses new blocks on worker threads and streams them into a pack file in tmp/. A pack is sealed when it
/// reaches the target size: trailer written, fsynced, its trailer re-read from disk and checked against what
/// was written, renamed to its hash, and only then indexed, so the catalog never points at bytes not on disk.
/// The first failure of a worker (a full disk, tmp/ not writable) stops the whole pipeline: the producer's
/// waiting and later saves, and the flush, throw it as a <see cref="RepositoryWriteException"/>, and unfinished
/// packs are deleted. (A worker that died used to leave the producer waiting forever on a queue nobody read,
/// holding the repository lock.)
/// </summary>
public sealed class PackAssembler : IBlockSaver, IAsyncDisposable
{
    /// <summary>Buffers for blocks on their way to a worker: a private pool, so at most two of each power-of-two size
    /// stay cached (the shared pool keeps dozens of MiB-sized arrays per core). With four per size, data set b's
    /// first backup peaked at 181–204 MiB; with two at 174–180 MiB in the same time.</summary>
    public static readonly ArrayPool<byte> BlockBuffers = ArrayPool<byte>.Create(PackFormat.MaxBlockSize, 2);

    private readonly LocalRepository _repository;
    private readonly Channel<Queued> _queue;
    private readonly ConcurrentDictionary<BlockId, byte> _pending = new();
    private readonly Task[] _workers;
    private readonly object _packLock = new();
    private readonly object _indexLock = new();
    private readonly int _packSize;
    // Which zstd level pays is learned across the blobs this assembler packs (CompressionLearner): groups and lone
    // blocks apart, as a level's cost depends on the frame's size.
    private readonly CompressionLearner _groupLevels = new(CompressionLearner.GroupCosts), _blockLevels = new(CompressionLearner.BlockCosts);
    // Several packs fill at once and each block goes to one at random: the blocks of a file do not sit in
    // order in one pack, which blurs the chunk-size sequences an observer of pack sizes could match against
    // a known file (docs/security.md). In plaintext repositories there is nothing to hide: one pack. The last
    // slot is for trees alone (BlobKind).
    private readonly OpenPack?[] _packs;
    private readonly int _treeSlot;
    private long _bytesAdded, _packsWritten, _queuedBytes;
    // Set once, by the first failure; from then on the queue is only drained.
    private ExceptionDispatchInfo? _failure;

    /// <summary>A block, or with <paramref name="Members"/> a group of small blocks whose bytes follow each other in the buffer.</summary>
    private readonly record struct Queued(BlockId Id, byte[] Buffer, int Length, BlobKind Kind, List<(BlockId Id, int Length)>? Members = null);

    private sealed record OpenPack(PackWriter Writer, FileStream File, string Path)
    {
        /// <summary>Closes and deletes a pack that will not be sealed: nothing refers to it, and on a full disk its
        /// space is what the user needs back. Best effort: the next writer empties tmp/ anyway.</summary>
        public void Discard()
        {
            Writer.Dispose();
            try { File.Dispose(); }
            catch (IOException) { } // flushing what the disk refused fails again
            try { System.IO.File.Delete(Path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private const int OpenPacksWhenEncrypted = 4;
    private const int QueuedPerWorker = 8;

    private readonly bool _repacking;

    internal PackAssembler(LocalRepository repository, int workers, bool repacking)
    {
        _repository = repository;
        _repacking = repacking;
        _packSize = repository.Config.PackSize;
        _packs = new OpenPack?[(repository.Config.Encrypted ? OpenPacksWhenEncrypted : 1) + 1];
        _treeSlot = _packs.Length - 1;
        // Several writers: a backup's walk saves from each of its lanes. Room for a few blocks per worker: with one
        // each, the walk and the workers took turns, a thread switch per small file.
        _queue = Channel.CreateBounded<Queued>(new BoundedChannelOptions(workers * QueuedPerWorker));
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <summary>Bytes written to packs so far (headers and trailers included).</summary>
    public long BytesAdded => Interlocked.Read(ref _bytesAdded);
    public long PacksWritten => Interlocked.Read(ref _packsWritten);

    public bool Contains(BlockId id) => (!_repacking && _repository.TryLocate(id, out _)) || _pending.ContainsKey(id);

    /// <summary>Takes ownership of <paramref name="buffer"/>, which must come from <see cref="BlockBuffers"/>, also
    /// when it throws. Throws the pipeline's failure once a worker has failed.</summary>
    public async ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken, BlobKind kind = BlobKind.Data)
    {
        if ((!_repacking && _repository.TryLocate(id, out _)) || !_pending.TryAdd(id, 0))
        {
            BlockBuffers.Return(buffer);
            return false;
        }
        await EnqueueAsync(new Queued(id, buffer, length, kind), cancellationToken);
        return true;
    }

    /// <summary>Takes ownership of <paramref name="buffer"/> (from <see cref="BlockBuffers"/>), which holds the members'
    /// bytes one after the other. Members already stored or on their way (another lane's file had them) are left out;
    /// returns how many were queued.</summary>
    public async ValueTask<int> SaveGroupAsync(IReadOnlyList<(BlockId Id, int Length)> members, byte[] buffer, CancellationToken cancellationToken)
    {
        var kept = new List<(BlockId Id, int Length)>(members.Count);
        int read = 0, written = 0;
        foreach (var (id, length) in members)
        {
            if ((_repacking || !_repository.TryLocate(id, out _)) && _pending.TryAdd(id, 0))
            {
                if (written != read) Buffer.BlockCopy(buffer, read, buffer, written, length);
                kept.Add((id, length));
                written += length;
            }
            read += length;
        }
        if (kept.Count == 0) BlockBuffers.Return(buffer);
        else if (kept.Count == 1) await EnqueueAsync(new Queued(kept[0].Id, buffer, written, BlobKind.Data), cancellationToken);
        else await EnqueueAsync(new Queued(kept[0].Id, buffer, written, BlobKind.Data, kept), cancellationToken);
        return kept.Count;
    }

    private async ValueTask EnqueueAsync(Queued item, CancellationToken cancellationToken)
    {
        try
        {
            ThrowIfFailed();
            await _queue.Writer.WriteAsync(item, cancellationToken);
        }
        catch
        {
            BlockBuffers.Return(item.Buffer); // not queued: still ours
            ThrowIfFailed(); // a failed worker closed the queue: its error is the one to report
            throw;
        }
    }

    /// <summary>Saves a copy of <paramref name="data"/> (a tree, or a block read back for repacking): the caller keeps its array.</summary>
    public ValueTask<bool> SaveCopyAsync(BlockId id, ReadOnlySpan<byte> data, CancellationToken cancellationToken, BlobKind kind)
    {
        var buffer = BlockBuffers.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        return SaveAsync(id, buffer, data.Length, cancellationToken, kind);
    }

    private async Task WorkAsync()
    {
        var encoder = new BlockEncoder(_repository.Protection.Sealer);
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync())
            {
                // After a failure the command is stopping: what is still queued would only fail the same way.
                if (Volatile.Read(ref _failure) is null) Pack(item, encoder);
                else BlockBuffers.Return(item.Buffer);
            }
        }
        catch (Exception e) { Fail(e); }
    }

    private void Pack(Queued item, BlockEncoder encoder)
    {
        var codec = Codec.Grouped;
        ReadOnlyMemory<byte> stored;
        try
        {
            if (item.Members is null) (codec, stored) = encoder.Encode(item.Id, item.Buffer.AsSpan(0, item.Length),
                item.Kind == BlobKind.Data ? _blockLevels : null); // trees: small, and unlike data
            else stored = encoder.EncodeGroup(item.Members, item.Buffer.AsSpan(0, item.Length), _groupLevels);
        }
        finally { BlockBuffers.Return(item.Buffer); }
        OpenPack? full = null;
        lock (_packLock)
        {
            int slot = _treeSlot;
            if (item.Kind == BlobKind.Data)
            {
                // A small backup fills one pack; more open as data arrives, so it does not leave four small ones.
                _queuedBytes += stored.Length;
                int open = (int)Math.Min(_treeSlot, 1 + _queuedBytes / (_packSize / 2));
                slot = open == 1 ? 0 : System.Security.Cryptography.RandomNumberGenerator.GetInt32(open);
            }
            var pack = _packs[slot] ??= OpenNew();
            try
            {
                if (item.Members is null) pack.Writer.Add(item.Id, codec, stored.Span, item.Length);
                else pack.Writer.AddGroup(item.Members, stored.Span);
            }
            catch
            {
                // Its trailer would list a blob the disk refused: such a pack must never be sealed.
                _packs[slot] = null;
                pack.Discard();
                throw;
            }
            if (pack.Writer.Length >= _packSize)
            {
                full = pack;
                _packs[slot] = null;
            }
        }
        if (full is not null) Seal(full);
    }

    /// <summary>Records the first failure, closes the queue (which wakes a producer waiting to write into it)
    /// and returns the buffers of the blocks still queued.</summary>
    private void Fail(Exception e)
    {
        var failure = e is IOException or UnauthorizedAccessException ? new RepositoryWriteException($"the repository at {_repository.Layout.Root}", e) : e;
        Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(failure), null);
        _queue.Writer.TryComplete();
        DropQueued();
    }

    private void ThrowIfFailed() => Volatile.Read(ref _failure)?.Throw();

    private void DropQueued()
    {
        while (_queue.Reader.TryRead(out var item)) BlockBuffers.Return(item.Buffer);
    }

    private OpenPack OpenNew()
    {
        var file = _repository.Packs.CreateTemp(out string path);
        return new OpenPack(new PackWriter(file, _repository.Protection.Sealer), file, path);
    }

    private void Seal(OpenPack pack)
    {
        BlockId id;
        long length;
        List<PackEntry> entries;
        try
        {
            id = pack.Writer.Finish();
            pack.File.Flush(flushToDisk: true);
            length = pack.File.Length;
            pack.File.Dispose();
            pack.Writer.Dispose();
            // Check what we wrote: the trailer on disk must list exactly the blocks we put in.
            entries = PackReader.ReadEntries(pack.Path, _repository.Protection.Sealer);
            if (!entries.SequenceEqual(pack.Writer.Entries)) throw new IOException($"pack {pack.Path} did not read back as written");
            _repository.Packs.Commit(id, pack.Path);
        }
        catch
        {
            // Not committed, so nothing refers to it. (A commit that failed after its rename leaves a complete pack
            // in packs/ that the next writer indexes.)
            pack.Discard();
            throw;
        }
        // Its own lock: indexing takes a while, and the other workers keep filling the next pack meanwhile.
        lock (_indexLock) _repository.IndexPack(id, length, entries);
        foreach (var entry in entries) _pending.TryRemove(entry.Block, out _);
        Interlocked.Add(ref _bytesAdded, length);
        Interlocked.Increment(ref _packsWritten);
    }

    /// <summary>Waits for every queued block to be packed, durable and indexed. Throws the pipeline's failure.</summary>
    public async Task FlushAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers); // they record a failure rather than throw it
        ThrowIfFailed();
        for (int i = 0; i < _packs.Length; i++)
        {
            if (_packs[i] is not { } last) continue;
            _packs[i] = null;
            try { Seal(last); }
            catch (Exception e)
            {
                Fail(e);
                ThrowIfFailed();
                throw;
            }
        }
    }

    /// <summary>Never throws: it runs while the command's own error propagates. Blocks still queued (the command
    /// stopped midway) are dropped, not packed; unfinished packs are deleted.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        DropQueued();
        await Task.WhenAll(_workers);
        for (int i = 0; i < _packs.Length; i++)
        {
            _packs[i]?.Discard();
            _packs[i] = null;
        }
    }
}
