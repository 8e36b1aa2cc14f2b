using System.Globalization;
using Dedup.Snapshots;

namespace Dedup.Maintenance;

/// <summary>Which snapshots to keep, with restic's rules: keep the last N; for each of the last N hours, days,
/// ISO weeks, months and years that have snapshots, keep the newest of each; keep every snapshot with a given tag.
/// Times are taken in local time, as restic does.</summary>
public sealed record RetentionPolicy
{
    public int Last { get; init; }
    public int Hourly { get; init; }
    public int Daily { get; init; }
    public int Weekly { get; init; }
    public int Monthly { get; init; }
    public int Yearly { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool IsEmpty => Last + Hourly + Daily + Weekly + Monthly + Yearly == 0 && Tags.Count == 0;
}

/// <summary>A snapshot with what the policy decided and why (the rules that keep it, or none).</summary>
public sealed record RetentionDecision(Snapshot Snapshot, bool Keep, IReadOnlyList<string> Reasons);

public static class Retention
{
    private sealed record Rule(string Name, int Count, Func<DateTime, string>? Bucket);

    /// <summary>Applies the policy to each group of snapshots (same host and paths, as restic groups them), newest
    /// first. A full snapshot that a kept differential names as its reference is kept too, so the plan's
    /// full → differential pairs stay readable (no kept snapshot needs it for its data: every snapshot is a
    /// complete tree; an incremental's reference is not kept for it, or every chain would be).</summary>
    public static IReadOnlyList<RetentionDecision> Apply(IReadOnlyList<Snapshot> snapshots, RetentionPolicy policy)
    {
        if (policy.IsEmpty) throw new Core.DedupException("no policy given: pass at least one --keep-* option (forgetting every snapshot is never implied)");
        var reasons = snapshots.ToDictionary(s => s.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var group in snapshots.GroupBy(s => s.Host + "\0" + string.Join('\0', s.Paths)))
        {
            var newestFirst = group.OrderByDescending(s => s.Time).ThenByDescending(s => s.Id, StringComparer.Ordinal).ToList();
            var rules = new[]
            {
                new Rule("last", policy.Last, null),
                new Rule("hourly", policy.Hourly, t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture)),
                new Rule("daily", policy.Daily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                new Rule("weekly", policy.Weekly, t => $"{ISOWeek.GetYear(t)}-W{ISOWeek.GetWeekOfYear(t):00}"),
                new Rule("monthly", policy.Monthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture)),
                new Rule("yearly", policy.Yearly, t => t.ToString("yyyy", CultureInfo.InvariantCulture)),
            };
            foreach (var rule in rules.Where(r => r.Count > 0))
            {
                int left = rule.Count;
                string? lastBucket = null;
                foreach (var s in newestFirst)
                {
                    if (left == 0) break;
                    string bucket = rule.Bucket?.Invoke(s.Time.LocalDateTime) ?? s.Id;
                    if (bucket == lastBucket) continue;
                    lastBucket = bucket;
                    reasons[s.Id].Add(rule.Bucket is null ? "last snapshot" : $"{rule.Name} snapshot ({bucket})");
                    left--;
                }
            }
            foreach (var s in newestFirst)
                foreach (var tag in policy.Tags.Where(s.Tags.Contains))
                    reasons[s.Id].Add($"tag {tag}");
        }
        var byId = snapshots.ToDictionary(s => s.Id, StringComparer.Ordinal);
        foreach (var s in snapshots.Where(s => reasons[s.Id].Count > 0 && s.Kind == SnapshotKind.Differential && s.Reference is not null).ToList())
        {
            if (byId.TryGetValue(s.Reference!, out var reference) && reference.Kind == SnapshotKind.Full && reasons[reference.Id].Count == 0)
                reasons[reference.Id].Add($"full reference of kept differential {s.ShortId}");
        }
        return snapshots.OrderBy(s => s.Time).Select(s => new RetentionDecision(s, reasons[s.Id].Count > 0, reasons[s.Id])).ToList();
    }
}
