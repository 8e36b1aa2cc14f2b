using Dedup.Core;

namespace Dedup.Storage;

/// <summary>Immutable pack files named by the hash of their bytes.</summary>
public interface IPackStore
{
    /// <summary>Stores a pack durably; returns only when it is on stable storage under its final name.</summary>
    void Put(BlockId id, ReadOnlySpan<byte> pack);

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>.</summary>
    void ReadRange(BlockId id, long offset, Span<byte> buffer);

    byte[] ReadAll(BlockId id);

    List<PackEntry> ReadEntries(BlockId id);

    bool Exists(BlockId id);

    long Length(BlockId id);

    IEnumerable<BlockId> List();

    void Delete(BlockId id);
}
