using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Repository;

/// <summary>
/// Compresses new blocks on worker threads and packs them. A pack is sealed when it reaches the target size:
/// re-parsed (we check what we write), named by its hash, made durable, and only then indexed, so the
/// catalog never points at bytes that are not on disk.
/// </summary>
public sealed class PackAssembler : IBlockSaver, IAsyncDisposable
{
    private readonly Repository _repository;
    private readonly Channel<(BlockId Id, byte[] Buffer, int Length)> _queue;
    private readonly ConcurrentDictionary<BlockId, byte> _pending = new();
    private readonly Task[] _workers;
    private readonly object _builderLock = new();
    private readonly object _sealLock = new();
    private readonly int _packSize;
    private PackBuilder _builder;
    private long _bytesAdded, _packsWritten;

    internal PackAssembler(Repository repository, int workers)
    {
        _repository = repository;
        _packSize = repository.Config.PackSize;
        _builder = NewBuilder();
        _queue = Channel.CreateBounded<(BlockId, byte[], int)>(new BoundedChannelOptions(workers * 2) { SingleWriter = true });
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <summary>Bytes written to packs so far (headers and trailers included).</summary>
    public long BytesAdded => Interlocked.Read(ref _bytesAdded);
    public long PacksWritten => Interlocked.Read(ref _packsWritten);

    public bool Contains(BlockId id) => _repository.TryLocate(id, out _) || _pending.ContainsKey(id);

    /// <summary>Takes ownership of <paramref name="buffer"/> (rented from <see cref="ArrayPool{T}.Shared"/>) and returns it to the pool.</summary>
    public async ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        if (_repository.TryLocate(id, out _) || !_pending.TryAdd(id, 0))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return false;
        }
        await _queue.Writer.WriteAsync((id, buffer, length), cancellationToken);
        return true;
    }

    private async Task WorkAsync()
    {
        byte[] encoded = [];
        await foreach (var (id, buffer, length) in _queue.Reader.ReadAllAsync())
        {
            if (encoded.Length < length) encoded = new byte[Math.Max(length, 1024 * 1024)];
            var (codec, storedLength) = BlockCodec.Encode(buffer.AsSpan(0, length), encoded);
            ArrayPool<byte>.Shared.Return(buffer);
            PackBuilder? full = null;
            lock (_builderLock)
            {
                _builder.Add(id, codec, encoded.AsSpan(0, storedLength), length);
                if (_builder.Length >= _packSize)
                {
                    full = _builder;
                    _builder = NewBuilder();
                }
            }
            if (full is not null) Seal(full);
        }
    }

    private PackBuilder NewBuilder() => new(_packSize + _packSize / 4);

    private void Seal(PackBuilder builder)
    {
        var bytes = builder.Finish().Span;
        var entries = PackReader.Parse(bytes);
        if (entries.Count != builder.Count) throw new InvalidOperationException("a pack did not re-parse to what was written");
        var id = BlockId.Hash(bytes);
        _repository.Packs.Put(id, bytes);
        lock (_sealLock) _repository.IndexPack(id, bytes.Length, entries);
        foreach (var entry in entries) _pending.TryRemove(entry.Block, out _);
        Interlocked.Add(ref _bytesAdded, bytes.Length);
        Interlocked.Increment(ref _packsWritten);
    }

    /// <summary>Waits for every queued block to be packed, durable and indexed.</summary>
    public async Task FlushAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
        if (_builder.Count > 0)
        {
            Seal(_builder);
            _builder = NewBuilder();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try { await Task.WhenAll(_workers); }
        catch (Exception) { /* already reported by FlushAsync; unsealed blocks are simply not indexed */ }
    }
}
