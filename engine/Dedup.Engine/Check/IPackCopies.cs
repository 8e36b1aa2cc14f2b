using Dedup.Core;

namespace Dedup.Check;

/// <summary>
/// Another place that holds copies of this repository's packs (the mirror), as check sees it: where a pack the
/// local store lacks may be, and where to read it from with read-data. A pack found there is a state, not damage:
/// after a catalog-only recover every pack is only in the bucket.
/// </summary>
public interface IPackCopies
{
    /// <summary>The place's name as reports print it (the remote's name).</summary>
    string Name { get; }

    /// <summary>True when a copy of the pack, of this length, is there.</summary>
    bool Holds(BlockId pack, long length);

    /// <summary>The copy's bytes, not yet verified (the caller checks them). Throws <see cref="DedupException"/> when it
    /// cannot be read (gone since, or the place unreachable). Several reads may be in flight at once.</summary>
    Task<byte[]> ReadAsync(BlockId pack, CancellationToken cancellationToken);
}
