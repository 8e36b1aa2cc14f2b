using Dedup.Snapshots;

namespace Dedup.Backup;

/// <summary>What to back up. <see cref="Kind"/> null means: incremental when a reference exists, else full.</summary>
public sealed record BackupRequest
{
    public IReadOnlyList<string> Paths { get; init; } = [];
    public SnapshotKind? Kind { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> Excludes { get; init; } = [];
    public string Host { get; init; } = Environment.MachineName;
    /// <summary>When set, the backup is of this stream, stored as the file /<see cref="StdinName"/>.</summary>
    public Stream? Stdin { get; init; }
    public string StdinName { get; init; } = "stdin";
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);
}

public sealed record BackupResult(Snapshot Snapshot, IReadOnlyList<string> Warnings, long PacksWritten);
