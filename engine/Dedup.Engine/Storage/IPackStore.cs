using Dedup.Core;

namespace Dedup.Storage;

/// <summary>Immutable pack files named by the hash of their bytes.</summary>
public interface IPackStore
{
    /// <summary>Stores a pack durably; returns only when it is on stable storage under its final name.</summary>
    void Put(BlockId id, ReadOnlySpan<byte> pack);

    /// <summary>Moves a complete, fsynced pack file (written under <see cref="CreateTemp"/>) to its final name, durably.</summary>
    void Commit(BlockId id, string tempPath);

    /// <summary>A new file for a pack being written; deleted by the next writer if never committed.</summary>
    FileStream CreateTemp(out string path);

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>.</summary>
    void ReadRange(BlockId id, long offset, Span<byte> buffer);

    byte[] ReadAll(BlockId id);

    List<PackEntry> ReadEntries(BlockId id, Crypto.IBlobSealer sealer);

    bool Exists(BlockId id);

    long Length(BlockId id);

    IEnumerable<BlockId> List();

    void Delete(BlockId id);
}
