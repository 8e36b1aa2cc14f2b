namespace Dedup.Core;

/// <summary>What the backup pipeline needs of a repository: store a block once.</summary>
public interface IBlockSaver
{
    /// <summary>True when the block is already stored or on its way into a pack.</summary>
    bool Contains(BlockId id);

    /// <summary>Queues the first <paramref name="length"/> bytes of <paramref name="buffer"/> for packing unless the block is known;
    /// false for a duplicate. Takes ownership of the buffer (see the implementation for which pool it must come from).</summary>
    ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken);
}

/// <summary>What restore and check need: the verified plaintext of a block.</summary>
public interface IBlockLoader
{
    /// <summary>Loads, decompresses and re-hashes a block. Throws <see cref="CorruptDataException"/> on any mismatch.</summary>
    byte[] LoadBlock(BlockId id);

    /// <summary>Like <see cref="LoadBlock"/>, into <paramref name="buffer"/> (replaced by a larger one when too small);
    /// returns the block's length. Restore reuses one buffer per thread instead of allocating per block.</summary>
    int LoadBlock(BlockId id, ref byte[] buffer);

    bool TryLocate(BlockId id, out BlockLocation location);

    /// <summary>How this repository names content (plain or keyed), to verify what was restored.</summary>
    Crypto.ContentHasher Hasher { get; }
}
