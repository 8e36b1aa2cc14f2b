namespace Dedup.Repository;

/// <summary>The snapshot records, one file each under <c>snapshots/</c>: the truth about which snapshots exist (the
/// catalog follows them).</summary>
public sealed class SnapshotFiles(RepositoryLayout layout) : RecordFiles(layout.SnapshotsDirectory, layout.TempDirectory, "a snapshot id")
{
    protected override bool IsId(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);
}
