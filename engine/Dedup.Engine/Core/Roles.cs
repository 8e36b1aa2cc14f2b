namespace Dedup.Core;

/// <summary>What a blob in a pack holds. Trees go to packs of their own, so that losing a data pack leaves every
/// tree (and the names of the files it breaks) readable, as restic does.</summary>
public enum BlobKind { Data, Tree }

/// <summary>What the backup pipeline needs of a repository: store a block once.</summary>
public interface IBlockSaver
{
    /// <summary>True when the block is already stored or on its way into a pack.</summary>
    bool Contains(BlockId id);

    /// <summary>Queues the first <paramref name="length"/> bytes of <paramref name="buffer"/> for packing unless the block is known;
    /// false for a duplicate. Takes ownership of the buffer, also when it throws (see the implementation for which pool
    /// it must come from). Throws <see cref="RepositoryWriteException"/> when the repository cannot be written: the
    /// backup stops there, it does not go on to the next file.</summary>
    ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken, BlobKind kind = BlobKind.Data);

    /// <summary>Queues small data blocks of one file to be stored together as one group (ADR 0011): the buffer holds their
    /// bytes one after the other, in the order of <paramref name="members"/>. Members already known are left out; returns
    /// how many were queued. Takes ownership of the buffer like <see cref="SaveAsync"/>.</summary>
    ValueTask<int> SaveGroupAsync(IReadOnlyList<(BlockId Id, int Length)> members, byte[] buffer, CancellationToken cancellationToken);
}

/// <summary>Where a stored block is: the index lookup that backup, restore and check share.</summary>
public interface IBlockLocator
{
    bool TryLocate(BlockId id, out BlockLocation location);
}

/// <summary>What restore and check need: the verified plaintext of a block.</summary>
public interface IBlockLoader : IBlockLocator
{
    /// <summary>Loads, decompresses and re-hashes a block. Throws <see cref="CorruptDataException"/> on any mismatch.</summary>
    byte[] LoadBlock(BlockId id)
    {
        byte[] buffer = [];
        int length = LoadBlock(id, ref buffer);
        return buffer.Length == length ? buffer : buffer[..length];
    }

    /// <summary>Like <see cref="LoadBlock"/>, into <paramref name="buffer"/> (replaced by a larger one when too small);
    /// returns the block's length. Restore reuses one buffer per thread instead of allocating per block.</summary>
    int LoadBlock(BlockId id, ref byte[] buffer);

    /// <summary>Like <see cref="LoadBlock"/>, into <paramref name="destination"/>, which must hold the block's length as the
    /// index gives it (a block that decodes to another length is damage). Restore decodes runs of a file's blocks side
    /// by side into one buffer and writes them with one call.</summary>
    int LoadBlockInto(BlockId id, Span<byte> destination)
    {
        byte[] buffer = [];
        int length = LoadBlock(id, ref buffer);
        if (length > destination.Length) throw new CorruptDataException($"block {id.ToShortString()} has {length} bytes, more than the index says");
        buffer.AsSpan(0, length).CopyTo(destination);
        return length;
    }

    /// <summary>Like <see cref="LoadBlockInto(BlockId, Span{byte})"/> for a block the caller has just located: a
    /// restore locates every block of a file first (for its offset) and need not look each up again.</summary>
    int LoadBlockInto(BlockId id, in BlockLocation location, Span<byte> destination) => LoadBlockInto(id, destination);
}

/// <summary>A loader that serves a whole file's blocks faster than one at a time: the remote one batches, coalesces
/// and parallelizes its range reads. Restore uses it when the loader offers it.</summary>
public interface IBlockSequenceLoader : IBlockLoader
{
    /// <summary>Told every block the restore will read, in the order it will roughly read them, before any file is written.</summary>
    void Prepare(IReadOnlyList<BlockId> ids);

    /// <summary>Loads <paramref name="ids"/> in order, each verified, handing each block's bytes to <paramref name="consume"/>.
    /// Waits for the network without holding a thread: a restore keeps many files in flight.</summary>
    ValueTask LoadSequenceAsync(IReadOnlyList<BlockId> ids, Action<ReadOnlySpan<byte>> consume, CancellationToken cancellationToken);
}
