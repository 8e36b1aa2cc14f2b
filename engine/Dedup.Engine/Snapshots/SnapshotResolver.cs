using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>Turns what a user types (an id, a unique prefix of at least 4 characters, or "latest") into one snapshot.</summary>
public static class SnapshotResolver
{
    public const int MinimumPrefix = 4;

    public static Snapshot Resolve(IReadOnlyList<Snapshot> snapshots, string name)
    {
        if (name == "latest")
            return snapshots.Count > 0 ? snapshots[^1] : throw new SnapshotNotFoundException("the repository has no snapshots");
        if (name.Length < MinimumPrefix)
            throw new SnapshotNotFoundException($"snapshot '{name}': give at least {MinimumPrefix} characters of the id, or 'latest'");
        var matches = snapshots.Where(s => s.Id.StartsWith(name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SnapshotNotFoundException($"no snapshot matches '{name}' (see 'dedup snapshots')"),
            _ => throw new SnapshotNotFoundException($"'{name}' matches {matches.Count} snapshots; give more characters"),
        };
    }

    /// <summary>The snapshot an incremental (latest of the same host and paths) or differential (latest full one) backup compares with.</summary>
    public static Snapshot? FindReference(IReadOnlyList<Snapshot> snapshots, string host, IReadOnlyList<string> paths, SnapshotKind kind)
    {
        if (kind == SnapshotKind.Full) return null;
        var wanted = paths.Order(StringComparer.Ordinal).ToArray();
        return snapshots
            .Where(s => s.Host == host && s.Paths.Order(StringComparer.Ordinal).SequenceEqual(wanted))
            .Where(s => kind == SnapshotKind.Incremental || s.Kind == SnapshotKind.Full)
            .MaxBy(s => s.Time);
    }
}
