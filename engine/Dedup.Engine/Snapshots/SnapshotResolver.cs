using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>Turns what a user types (an id, a unique prefix of at least 4 characters, or "latest") into one snapshot.</summary>
public static class SnapshotResolver
{
    public const int MinimumPrefix = 4;

    /// <summary>The tag of the snapshot a <c>restore --overwrite</c> takes of what it replaces.</summary>
    public const string PreRestoreTag = "pre-restore";

    /// <summary>
    /// "latest" is the newest snapshot that <paramref name="filter"/> matches, never a pre-restore one unless the
    /// filter asks for that tag: after an in-place restore, "latest" must still be the data, not the damage the
    /// restore replaced. An id or prefix names one snapshot whatever the filter.
    /// </summary>
    public static Snapshot Resolve(IReadOnlyList<Snapshot> snapshots, string name, SnapshotFilter? filter = null)
    {
        filter ??= SnapshotFilter.None;
        if (name == "latest")
        {
            bool preRestoreWanted = filter.Names(PreRestoreTag);
            return snapshots
                .Where(s => filter.Matches(s) && (preRestoreWanted || !s.Tags.Contains(PreRestoreTag)))
                .MaxBy(s => s.Time)
                ?? throw new SnapshotNotFoundException(
                    snapshots.Count == 0 ? "the repository has no snapshots"
                    : !filter.IsEmpty ? "no snapshot matches the given --host/--path/--tag (see 'dedup snapshots')"
                    : "the repository has only pre-restore snapshots (name one by its id)");
        }
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
            .Where(s => s.Host == host && !s.Tags.Contains(PreRestoreTag) && s.Paths.Order(StringComparer.Ordinal).SequenceEqual(wanted))
            .Where(s => kind == SnapshotKind.Incremental || s.Kind == SnapshotKind.Full)
            .MaxBy(s => s.Time);
    }
}
