namespace Dedup.Snapshots;

/// <summary>
/// Which snapshots a command considers, as restic's --host, --path and --tag say it: a snapshot matches when its
/// host is one of <see cref="Hosts"/>, it holds every one of <see cref="Paths"/>, and it carries every tag of at
/// least one entry of <see cref="Tags"/> (an entry "a,b" needs both). An empty list does not filter.
/// </summary>
public sealed record SnapshotFilter
{
    public static readonly SnapshotFilter None = new();

    public IReadOnlyList<string> Hosts { get; init; } = [];
    public IReadOnlyList<string> Paths { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool IsEmpty => Hosts.Count == 0 && Paths.Count == 0 && Tags.Count == 0;

    /// <summary>True when the filter itself asks for <paramref name="tag"/> (then "latest" may be such a snapshot).</summary>
    public bool Names(string tag) => Tags.Any(entry => SplitTags(entry).Contains(tag));

    public bool Matches(Snapshot snapshot) =>
        (Hosts.Count == 0 || Hosts.Contains(snapshot.Host))
        && Paths.All(path => snapshot.Paths.Contains(NormalizePath(path)))
        && (Tags.Count == 0 || Tags.Any(entry => SplitTags(entry).All(snapshot.Tags.Contains)));

    private static string[] SplitTags(string entry) => entry.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string NormalizePath(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
