using Dedup.Core;
using Dedup.Maintenance;
using Dedup.Snapshots;

namespace Dedup.Tests.Maintenance;

/// <summary>restic's --keep-* semantics on hand-made calendars.</summary>
public class RetentionTests
{
    private static Snapshot At(string time, SnapshotKind kind = SnapshotKind.Incremental, string? reference = null, string[]? tags = null, string host = "h") =>
        new(Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), DateTimeOffset.Parse(time + "+00:00").ToLocalTime(), host, ["/srv"], tags ?? [], kind, reference, default, new SnapshotTotals());

    private static HashSet<Snapshot> Kept(IReadOnlyList<Snapshot> snapshots, RetentionPolicy policy) =>
        Retention.Apply(snapshots, policy).Where(d => d.Keep).Select(d => d.Snapshot).ToHashSet();

    [Fact]
    public void Daily_keeps_the_newest_of_each_of_the_last_n_days_that_have_snapshots()
    {
        // Local-time buckets: build the times in local time so the test holds in any zone.
        Snapshot Local(int day, int hour) => At(new DateTime(2026, 3, day, hour, 0, 0, DateTimeKind.Local).ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss"));
        var s = new[] { Local(1, 9), Local(1, 18), Local(2, 9), Local(4, 9), Local(4, 20), Local(5, 7) };
        var kept = Kept(s, new RetentionPolicy { Daily = 3 });
        Assert.Equal(new[] { s[5], s[4], s[2] }.ToHashSet(), kept); // days 5, 4 and 2 (3 is empty: not counted)
        Assert.Equal(new[] { s[5], s[4] }.ToHashSet(), Kept(s, new RetentionPolicy { Last = 2 }));
    }

    [Fact]
    public void Rules_combine_and_each_kept_snapshot_names_its_reasons()
    {
        var s = Enumerable.Range(0, 400).Select(d => At(new DateTime(2025, 1, 1, 12, 0, 0).AddDays(d).ToString("yyyy-MM-ddTHH:mm:ss"))).ToList();
        var decisions = Retention.Apply(s, new RetentionPolicy { Daily = 7, Weekly = 4, Monthly = 12, Yearly = 3 });
        int kept = decisions.Count(d => d.Keep);
        // 7 days + the older weeks (4 weeks overlap the 7 days by one or two) + older months + years: restic gives 21-23 here.
        Assert.InRange(kept, 18, 24);
        Assert.All(decisions.Where(d => d.Keep), d => Assert.NotEmpty(d.Reasons));
        Assert.Contains(decisions, d => d.Reasons.Any(r => r.StartsWith("yearly", StringComparison.Ordinal)));
        Assert.True(decisions[^1].Keep); // the newest always falls under daily
    }

    [Fact]
    public void Tags_and_the_full_a_kept_differential_names_are_kept()
    {
        var full = At("2026-01-01T00:00:00", SnapshotKind.Full);
        var differential = At("2026-01-07T00:00:00", SnapshotKind.Differential, full.Id);
        var tagged = At("2025-06-01T00:00:00", tags: ["pre-restore"]);
        var old = At("2025-05-01T00:00:00");
        var decisions = Retention.Apply([old, tagged, full, differential], new RetentionPolicy { Last = 1, Tags = ["pre-restore"] });
        var byId = decisions.ToDictionary(d => d.Snapshot.Id);
        Assert.True(byId[differential.Id].Keep);
        Assert.True(byId[full.Id].Keep);
        Assert.Contains("full reference of kept differential", byId[full.Id].Reasons[0]);
        Assert.True(byId[tagged.Id].Keep);
        Assert.False(byId[old.Id].Keep);
    }

    [Fact]
    public void Groups_by_host_and_paths_and_an_empty_policy_is_refused()
    {
        var a = At("2026-01-01T00:00:00", host: "a");
        var b = At("2026-01-02T00:00:00", host: "b");
        Assert.Equal(2, Kept([a, b], new RetentionPolicy { Last = 1 }).Count);
        Assert.Throws<DedupException>(() => Retention.Apply([a], new RetentionPolicy()));
    }
}
