namespace Dedup.Cli;

/// <summary>The repository's size on disk and how much deduplication saves (what `dedup stats` shows).</summary>
public sealed record RepositorySize(long PackBytes, long UniqueBytes, long SnapshotBytes, int Snapshots)
{
    /// <summary>Bytes the snapshots hold per unique byte stored; 0 for an empty repository.</summary>
    public double DedupRatio => UniqueBytes == 0 ? 0 : (double)SnapshotBytes / UniqueBytes;
}
