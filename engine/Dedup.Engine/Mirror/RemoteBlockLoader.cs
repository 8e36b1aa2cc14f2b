using System.Collections.Concurrent;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>
/// Loads blocks from the local packs when they are there and intact, else from the bucket by fetching exactly the
/// blocks' byte ranges of their packs (range GETs, never whole packs). What comes from the bucket is verified like
/// a local read: authenticated, decoded and re-hashed.
/// </summary>
public sealed class RemoteBlockLoader(Repository.IMirrorRepository repository, IObjectStore store, CancellationToken cancellationToken) : IBlockSequenceLoader
{
    /// <summary>Bytes of stored blocks fetched per batch of a file, and requests in flight per batch.</summary>
    private const int WindowBytes = 16 * 1024 * 1024, WindowBlocks = 512, RequestsInFlight = 8;

    /// <summary>A restore that needs at least this fraction of a pack's bytes fetches the whole pack.</summary>
    private const double WholePackFraction = 0.25;

    private readonly ConcurrentDictionary<BlockId, bool> _local = new();
    // Whole-pack fetches under way: a block of one of these packs waits for its pack instead of reading a range.
    private readonly ConcurrentDictionary<BlockId, Task> _fetching = new();

    public int PacksFetched => _fetching.Count;


    public bool TryLocate(BlockId id, out BlockLocation location) => repository.TryLocate(id, out location);

    public int LoadBlock(BlockId id, ref byte[] buffer)
    {
        var location = Locate(id);
        if (TryLocal(id, ref buffer, out int length)) return length;
        var stored = store.GetRangeAsync(RemoteLayout.Pack(location.Pack), location.Offset, location.StoredLength, cancellationToken).GetAwaiter().GetResult();
        if (buffer.Length < location.RawLength) buffer = new byte[location.RawLength];
        repository.VerifyBlock(stored, id, location, buffer.AsSpan(0, location.RawLength));
        return location.RawLength;
    }

    /// <summary>
    /// Packs the restore needs a large part of are fetched whole, verified block by block, and kept in the local
    /// repository: one GET per pack instead of thousands of small ranges, and the local copy is completed on the
    /// way. They are fetched 4 at a time in the order the restore first needs them, while files whose packs are
    /// already here are written. The rest is read by range.
    /// </summary>
    public void Prepare(IReadOnlyList<BlockId> ids)
    {
        var needed = new Dictionary<BlockId, long>();
        var firstUse = new List<BlockId>();
        var groups = new HashSet<(BlockId, long)>(); // the members of a group share its bytes: counted once
        foreach (var id in ids)
        {
            var location = Locate(id);
            if (IsLocal(location.Pack)) continue;
            if (!needed.ContainsKey(location.Pack)) firstUse.Add(location.Pack);
            if (location.Codec == Codec.Grouped && !groups.Add((location.Pack, location.Offset))) continue;
            needed[location.Pack] = needed.GetValueOrDefault(location.Pack) + location.StoredLength;
        }
        var lengths = repository.PackLengths().ToDictionary(p => p.Pack, p => p.Length);
        var throttle = new SemaphoreSlim(4);
        foreach (var pack in firstUse.Where(p => lengths.TryGetValue(p, out long length) && needed[p] >= WholePackFraction * length))
        {
            _fetching[pack] = Task.Run(async () =>
            {
                await throttle.WaitAsync(cancellationToken);
                try { await RemoteRecovery.FetchPackAsync(repository, store, pack, verifyBlocks: false, cancellationToken); }
                finally { throttle.Release(); }
                _local[pack] = true;
            }, cancellationToken);
        }
    }

    /// <summary>Waits for a whole-pack fetch of this pack, if one was started; a failed fetch leaves range reads.</summary>
    private async ValueTask AwaitFetchAsync(BlockId pack)
    {
        if (!_fetching.TryGetValue(pack, out var fetch)) return;
        try { await fetch; }
        catch (Exception e) when (e is CorruptDataException or RemoteException or ObjectNotFoundException) { }
    }

    /// <summary>
    /// A file's blocks in windows of up to 16 MiB: the remote ones of a window are grouped by pack, adjacent blocks
    /// merged into one range, and the ranges fetched 8 at a time; then the window is verified and handed over in
    /// order. One block at a time, a 350 MB database of 16 KiB blocks took 22,000 sequential round trips.
    /// </summary>
    public async ValueTask LoadSequenceAsync(IReadOnlyList<BlockId> ids, Action<ReadOnlySpan<byte>> consume, CancellationToken cancellationToken)
    {
        byte[] buffer = [];
        for (int start = 0; start < ids.Count;)
        {
            int end = start;
            long bytes = 0;
            BlockLocation previous = default;
            while (end < ids.Count && end - start < WindowBlocks)
            {
                var location = Locate(ids[end]);
                // The members of a group that follow each other share its bytes: counted once.
                int stored = location.Codec == Codec.Grouped && location.Pack == previous.Pack && location.Offset == previous.Offset ? 0 : location.StoredLength;
                previous = location;
                if (end > start && bytes + stored > WindowBytes) break;
                bytes += stored;
                end++;
            }
            var fetched = await FetchRemoteAsync(ids, start, end, cancellationToken);
            for (int i = start; i < end; i++)
            {
                var id = ids[i];
                var location = Locate(id);
                if (buffer.Length < location.RawLength) buffer = new byte[location.RawLength];
                if (fetched.TryGetValue(id, out var stored)) repository.VerifyBlock(stored.Span, id, location, buffer.AsSpan(0, location.RawLength));
                else if (!TryLocal(id, ref buffer, out _))
                {
                    // A damaged local copy: the bucket's may be intact.
                    var range = await store.GetRangeAsync(RemoteLayout.Pack(location.Pack), location.Offset, location.StoredLength, cancellationToken);
                    repository.VerifyBlock(range, id, location, buffer.AsSpan(0, location.RawLength));
                }
                consume(buffer.AsSpan(0, location.RawLength));
            }
            start = end;
        }
    }

    /// <summary>The stored bytes of every block in ids[start..end) whose pack is not local, by as few range GETs as adjacency allows.</summary>
    private async Task<Dictionary<BlockId, ReadOnlyMemory<byte>>> FetchRemoteAsync(IReadOnlyList<BlockId> ids, int start, int end, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<BlockId, BlockLocation>();
        for (int i = start; i < end; i++)
        {
            var location = Locate(ids[i]);
            await AwaitFetchAsync(location.Pack);
            if (!IsLocal(location.Pack)) wanted.TryAdd(ids[i], location);
        }
        var result = new Dictionary<BlockId, ReadOnlyMemory<byte>>();
        if (wanted.Count == 0) return result;

        var ranges = new List<(BlockId Pack, long Offset, long End, List<(BlockId Id, BlockLocation Location)> Blocks)>();
        foreach (var group in wanted.GroupBy(w => w.Value.Pack))
        {
            foreach (var (id, location) in group.OrderBy(w => w.Value.Offset).Select(w => (w.Key, w.Value)))
            {
                long blockEnd = location.Offset + location.StoredLength;
                // Adjacent blobs merge into one range; members of one group (ADR 0011) name the same bytes.
                if (ranges.Count > 0 && ranges[^1].Pack == location.Pack && ranges[^1].End >= location.Offset)
                {
                    var last = ranges[^1];
                    last.Blocks.Add((id, location));
                    ranges[^1] = (last.Pack, last.Offset, Math.Max(last.End, blockEnd), last.Blocks);
                }
                else ranges.Add((location.Pack, location.Offset, blockEnd, [(id, location)]));
            }
        }

        var throttle = new SemaphoreSlim(RequestsInFlight);
        var tasks = ranges.Select(async range =>
        {
            await throttle.WaitAsync(cancellationToken);
            try
            {
                var bytes = await store.GetRangeAsync(RemoteLayout.Pack(range.Pack), range.Offset, checked((int)(range.End - range.Offset)), cancellationToken);
                return range.Blocks.Select(b => (b.Id, (ReadOnlyMemory<byte>)bytes.AsMemory((int)(b.Location.Offset - range.Offset), b.Location.StoredLength)));
            }
            finally { throttle.Release(); }
        }).ToList();
        foreach (var blocks in await Task.WhenAll(tasks))
            foreach (var (id, stored) in blocks) result[id] = stored;
        return result;
    }

    private BlockLocation Locate(BlockId id) =>
        repository.TryLocate(id, out var location) ? location : throw new CorruptDataException($"block {id.ToShortString()} is not in the index");

    /// <summary>Whether the pack is here; a whole-pack fetch of it under way is waited for first (by
    /// <see cref="AwaitFetchAsync"/> on the restore's path, by blocking on <see cref="LoadBlock"/>'s).</summary>
    private bool IsLocal(BlockId pack)
    {
        if (_fetching.TryGetValue(pack, out var fetch) && !fetch.IsCompleted) AwaitFetchAsync(pack).AsTask().GetAwaiter().GetResult();
        return _local.GetOrAdd(pack, repository.PackExists);
    }

    private bool TryLocal(BlockId id, ref byte[] buffer, out int length)
    {
        length = 0;
        if (!IsLocal(Locate(id).Pack)) return false;
        try
        {
            length = repository.LoadBlock(id, ref buffer);
            return true;
        }
        catch (CorruptDataException) { return false; } // a damaged local copy: the bucket's may be intact
    }
}
