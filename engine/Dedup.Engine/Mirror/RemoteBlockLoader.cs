using System.Collections.Concurrent;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>
/// Loads blocks from the local packs when they are there and intact, else from the bucket by fetching exactly the
/// block's byte range of its pack (one range GET, not the pack). What comes from the bucket is verified like a
/// local read: authenticated, decoded and re-hashed.
/// </summary>
public sealed class RemoteBlockLoader(Repository.Repository repository, IObjectStore store, CancellationToken cancellationToken) : IBlockLoader
{
    private readonly ConcurrentDictionary<BlockId, bool> _local = new();
    private long _remoteBlocks;

    public long RemoteBlocks => Interlocked.Read(ref _remoteBlocks);

    public Crypto.ContentHasher Hasher => repository.Hasher;

    public bool TryLocate(BlockId id, out BlockLocation location) => repository.TryLocate(id, out location);

    public byte[] LoadBlock(BlockId id)
    {
        byte[] buffer = [];
        int length = LoadBlock(id, ref buffer);
        return buffer.Length == length ? buffer : buffer[..length];
    }

    public int LoadBlock(BlockId id, ref byte[] buffer)
    {
        if (!repository.TryLocate(id, out var location))
            throw new CorruptDataException($"block {id.ToShortString()} is not in the index");
        if (_local.GetOrAdd(location.Pack, repository.Packs.Exists))
        {
            try { return repository.LoadBlock(id, ref buffer); }
            catch (CorruptDataException) { } // a damaged local copy: the bucket's may be intact
        }
        var stored = store.GetRangeAsync(RemoteLayout.Pack(location.Pack), location.Offset, location.StoredLength, cancellationToken).GetAwaiter().GetResult();
        Interlocked.Increment(ref _remoteBlocks);
        if (buffer.Length < location.RawLength) buffer = new byte[location.RawLength];
        repository.VerifyBlock(stored, id, location.Codec, location.Pack, buffer.AsSpan(0, location.RawLength));
        return location.RawLength;
    }
}
