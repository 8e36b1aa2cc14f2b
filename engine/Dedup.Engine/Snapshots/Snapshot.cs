using Dedup.Core;

namespace Dedup.Snapshots;

public enum SnapshotKind
{
    Full,
    Incremental,
    Differential,
}

public sealed record SnapshotTotals
{
    public long Files { get; init; }
    public long Directories { get; init; }
    public long Bytes { get; init; }
    public long FilesNew { get; init; }
    public long FilesChanged { get; init; }
    public long FilesUnmodified { get; init; }
    public long BytesRead { get; init; }
    /// <summary>Bytes newly written to packs (after compression).</summary>
    public long BytesAdded { get; init; }
    public long Errors { get; init; }
}

/// <summary>A complete tree of the sources at one time. <see cref="Reference"/> only says which earlier snapshot
/// let the backup skip unchanged files: restoring never needs it.</summary>
public sealed record Snapshot(
    string Id,
    DateTimeOffset Time,
    string Host,
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Tags,
    SnapshotKind Kind,
    string? Reference,
    BlockId Root,
    SnapshotTotals Totals)
{
    public string ShortId => Id[..8];
}
