using Dedup.Backup.Selection;
using Dedup.Snapshots;

namespace Dedup.Backup;

/// <summary>What to back up. <see cref="Kind"/> null means: incremental when a reference exists, else full.</summary>
public sealed record BackupRequest
{
    public IReadOnlyList<string> Paths { get; init; } = [];
    public SnapshotKind? Kind { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public Exclusions Exclusions { get; init; } = Exclusions.None;
    /// <summary>Stay on each source's file system: a directory where another is mounted is saved empty.</summary>
    public bool OneFileSystem { get; init; }
    public string Host { get; init; } = Environment.MachineName;
    /// <summary>When set, the backup is of this stream, stored as the file /<see cref="StdinName"/>.</summary>
    public Stream? Stdin { get; init; }
    public string StdinName { get; init; } = "stdin";
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>What the snapshot says it holds, when that is not <see cref="Paths"/> themselves (a safety snapshot
    /// saves single files under a restore target and names the target).</summary>
    public IReadOnlyList<string>? RecordedPaths { get; init; }
    /// <summary>Save nothing unless every path was read: a file that could not be read fails the whole backup with
    /// <see cref="IncompleteBackupException"/> instead of being left out.</summary>
    public bool RequireComplete { get; init; }
    /// <summary>Read and chunk everything, count what would be added, write nothing (restic's --dry-run).</summary>
    public bool DryRun { get; init; }
}

/// <summary>A backup that had to hold every path could not read these; nothing was saved.</summary>
public sealed class IncompleteBackupException(IReadOnlyList<string> unreadable)
    : Core.DedupException($"could not read {unreadable.Count} paths: {string.Join(", ", unreadable.Take(10))}{(unreadable.Count > 10 ? ", …" : "")}")
{
    public IReadOnlyList<string> Unreadable { get; } = unreadable;
}

/// <summary>The snapshot saved, or with <see cref="BackupRequest.DryRun"/> the one that would have been (not in the
/// repository; its BytesAdded counts block bytes before compression).</summary>
public sealed record BackupResult(Snapshot Snapshot, IReadOnlyList<string> Warnings, long PacksWritten, bool DryRun = false);
