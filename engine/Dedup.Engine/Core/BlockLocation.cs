namespace Dedup.Core;

public enum Codec : byte
{
    /// <summary>Stored as is: compression did not pay.</summary>
    Raw = 0,
    Zstd = 1,
    /// <summary>One member of a group: the blob holds several small blocks (docs/format.md, ADR 0011).</summary>
    Grouped = 2,
}

/// <summary>Where a block's stored bytes are: a byte range of one pack.</summary>
public readonly record struct BlockLocation(BlockId Pack, long Offset, int StoredLength, int RawLength, Codec Codec);

/// <summary>One entry of a pack trailer: the block and where it sits in that pack.</summary>
public readonly record struct PackEntry(BlockId Block, long Offset, int StoredLength, int RawLength, Codec Codec);
