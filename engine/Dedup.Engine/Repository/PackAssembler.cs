using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Repository;

/// <summary>
/// Compresses new blocks on worker threads and streams them into a pack file in tmp/. A pack is sealed when it
/// reaches the target size: trailer written, fsynced, its trailer re-read from disk and checked against what
/// was written, renamed to its hash, and only then indexed, so the catalog never points at bytes not on disk.
/// </summary>
public sealed class PackAssembler : IBlockSaver, IAsyncDisposable
{
    /// <summary>Buffers for blocks on their way to a worker: a private pool, so at most a few stay cached
    /// (the shared pool keeps dozens of MiB-sized arrays per core).</summary>
    public static readonly ArrayPool<byte> BlockBuffers = ArrayPool<byte>.Create(PackFormat.MaxBlockSize, 4);

    private readonly Repository _repository;
    private readonly Channel<(BlockId Id, byte[] Buffer, int Length)> _queue;
    private readonly ConcurrentDictionary<BlockId, byte> _pending = new();
    private readonly Task[] _workers;
    private readonly object _packLock = new();
    private readonly object _indexLock = new();
    private readonly int _packSize;
    // Several packs fill at once and each block goes to one at random: the blocks of a file do not sit in
    // order in one pack, which blurs the chunk-size sequences an observer of pack sizes could match against
    // a known file (docs/security.md). In plaintext repositories there is nothing to hide: one pack.
    private readonly OpenPack?[] _packs;
    private long _bytesAdded, _packsWritten, _queuedBytes;

    private sealed record OpenPack(PackWriter Writer, FileStream File, string Path);

    private const int OpenPacksWhenEncrypted = 4;

    private readonly bool _repacking;

    internal PackAssembler(Repository repository, int workers, bool repacking)
    {
        _repository = repository;
        _repacking = repacking;
        _packSize = repository.Config.PackSize;
        _packs = new OpenPack?[repository.Config.Encrypted ? OpenPacksWhenEncrypted : 1];
        _queue = Channel.CreateBounded<(BlockId, byte[], int)>(new BoundedChannelOptions(workers) { SingleWriter = true });
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <summary>Bytes written to packs so far (headers and trailers included).</summary>
    public long BytesAdded => Interlocked.Read(ref _bytesAdded);
    public long PacksWritten => Interlocked.Read(ref _packsWritten);

    public bool Contains(BlockId id) => (!_repacking && _repository.TryLocate(id, out _)) || _pending.ContainsKey(id);

    /// <summary>Takes ownership of <paramref name="buffer"/>, which must come from <see cref="BlockBuffers"/>.</summary>
    public async ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        if ((!_repacking && _repository.TryLocate(id, out _)) || !_pending.TryAdd(id, 0))
        {
            BlockBuffers.Return(buffer);
            return false;
        }
        await _queue.Writer.WriteAsync((id, buffer, length), cancellationToken);
        return true;
    }

    private async Task WorkAsync()
    {
        byte[] encoded = [], sealedBlob = [];
        var sealer = _repository.Protection.Sealer;
        var aad = new byte[BlockId.Size];
        await foreach (var (id, buffer, length) in _queue.Reader.ReadAllAsync())
        {
            if (encoded.Length < length) encoded = new byte[Math.Max(length, 1024 * 1024)];
            if (sealedBlob.Length < length + sealer.Overhead) sealedBlob = new byte[encoded.Length + sealer.Overhead];
            var (codec, encodedLength) = BlockCodec.Encode(buffer.AsSpan(0, length), encoded);
            BlockBuffers.Return(buffer);
            // Sealed bound to the block id: a blob moved under another id fails authentication.
            id.WriteTo(aad);
            int storedLength = sealer.Seal(aad, encoded.AsSpan(0, encodedLength), sealedBlob);
            OpenPack? full = null;
            lock (_packLock)
            {
                // A small backup fills one pack; more open as data arrives, so it does not leave four small ones.
                _queuedBytes += storedLength;
                int open = (int)Math.Min(_packs.Length, 1 + _queuedBytes / (_packSize / 2));
                int slot = open == 1 ? 0 : System.Security.Cryptography.RandomNumberGenerator.GetInt32(open);
                var pack = _packs[slot] ??= OpenNew();
                pack.Writer.Add(id, codec, sealedBlob.AsSpan(0, storedLength), length);
                if (pack.Writer.Length >= _packSize)
                {
                    full = pack;
                    _packs[slot] = null;
                }
            }
            if (full is not null) Seal(full);
        }
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
        using (pack.Writer)
        using (pack.File)
        {
            id = pack.Writer.Finish();
            pack.File.Flush(flushToDisk: true);
            length = pack.File.Length;
        }
        // Check what we wrote: the trailer on disk must list exactly the blocks we put in.
        var entries = PackReader.ReadEntries(pack.Path, _repository.Protection.Sealer);
        if (!entries.SequenceEqual(pack.Writer.Entries)) throw new IOException($"pack {pack.Path} did not read back as written");
        _repository.Packs.Commit(id, pack.Path);
        // Its own lock: indexing takes a while, and the other workers keep filling the next pack meanwhile.
        lock (_indexLock) _repository.IndexPack(id, length, entries);
        foreach (var entry in entries) _pending.TryRemove(entry.Block, out _);
        Interlocked.Add(ref _bytesAdded, length);
        Interlocked.Increment(ref _packsWritten);
    }

    /// <summary>Waits for every queued block to be packed, durable and indexed.</summary>
    public async Task FlushAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
        for (int i = 0; i < _packs.Length; i++)
        {
            if (_packs[i] is not { } last) continue;
            _packs[i] = null;
            Seal(last);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try { await Task.WhenAll(_workers); }
        catch (Exception) { /* reported by FlushAsync; blocks not sealed are simply not indexed */ }
        foreach (var open in _packs.OfType<OpenPack>())
        {
            // A backup that failed midway: its unfinished packs are garbage in tmp/ for the next writer to delete.
            open.Writer.Dispose();
            open.File.Dispose();
        }
    }
}
