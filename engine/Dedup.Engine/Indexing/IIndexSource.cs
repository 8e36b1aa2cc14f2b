using Dedup.Core;

namespace Dedup.Indexing;

/// <summary>What the block index is a cache of: the catalog's packs and their block lists.</summary>
public interface IIndexSource
{
    /// <summary>Changes whenever a pack is added or removed; null when unknown (then the packs are compared).</summary>
    PackState? PackState();

    IReadOnlyList<BlockId> PackIds();

    /// <summary>The entries of <paramref name="packs"/> (all packs when null), in any order.</summary>
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks(IEnumerable<BlockId>? packs);
}

/// <summary>Which catalog (<paramref name="Instance"/>, new for a rebuilt one) and how many pack additions and removals
/// it has seen: each adds one to <paramref name="Generation"/>.</summary>
public sealed record PackState(string Instance, long Generation)
{
    public PackState After(long changes) => this with { Generation = Generation + changes };
}
