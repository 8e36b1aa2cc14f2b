using Dedup.Maintenance;
using Dedup.Plan;
using Dedup.Snapshots;
using Dedup.Tests.Support;

namespace Dedup.Tests.Plan;

/// <summary>A year of daily runs with a moving clock: the schedule, the checks, the drills and retention happen on
/// the days the plan says, and nothing else.</summary>
public class SimulatedYearTests
{
    [Fact]
    public void A_year_of_daily_runs_follows_the_calendar()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string db = sandbox.Path("data", "contacts.db"), templates = sandbox.Path("data", "templates");
        Directory.CreateDirectory(templates);
        var plan = new BackupPlan
        {
            Sets =
            [
                new BackupSet("contacts", [db], [], Tier.Critical, "dump contacts"),
                new BackupSet("templates", [templates], [], Tier.Standard, null),
            ],
            Host = "test-host",
        };
        var commands = new List<string>();
        (int, string) Dump(string command, TimeSpan _, IReadOnlyDictionary<string, string> __)
        {
            commands.Add(command);
            File.WriteAllBytes(db, RandomTree.Content(40_000, commands.Count)); // a new dump every day
            return (0, "");
        }

        var start = new DateTimeOffset(new DateTime(2026, 1, 1, 2, 0, 0, DateTimeKind.Local));
        var days = Enumerable.Range(0, 365).Select(d => start.AddDays(d)).ToList();
        var records = new List<AuditRecord>();
        foreach (var now in days)
        {
            if (now.Day % 9 == 0) File.WriteAllText(Path.Combine(templates, $"t{now.DayOfYear}.html"), $"<p>{now:O}</p>");
            using var repository = TestRepository.Open(repo);
            records.AddRange(new PlanRunner(repository, plan, remote: null, Dump).RunAsync(now, CancellationToken.None).GetAwaiter().GetResult());
        }

        Assert.All(records, r => Assert.True(r.Ok, $"{r.Time} {r.Action} {r.Set}: {r.Detail}"));
        Assert.Equal(365, commands.Count);
        var backups = records.Where(r => r.Action == "backup" && r.Set == "contacts").ToList();
        Assert.Equal(12, backups.Count(r => r.Kind == "full"));
        Assert.All(backups.Where(r => r.Kind == "full"), r => Assert.Equal(1, r.Time.Day));
        int sundaysNotFirst = days.Count(d => d.DayOfWeek == DayOfWeek.Sunday && d.Day != 1);
        Assert.Equal(sundaysNotFirst, backups.Count(r => r.Kind == "differential"));
        Assert.All(backups.Where(r => r.Kind == "differential"), r => Assert.Equal(DayOfWeek.Sunday, r.Time.DayOfWeek));
        Assert.Equal(365 - 12 - sundaysNotFirst, backups.Count(r => r.Kind == "incremental"));

        var checks = records.Where(r => r.Action == "check").ToList();
        Assert.Equal(365, checks.Count);
        Assert.Equal(12, checks.Count(r => r.Detail == "all data read"));
        Assert.Equal(sundaysNotFirst, checks.Count(r => r.Detail!.Contains("of packs read")));
        var drills = records.Where(r => r.Action == "drill" && r.Set == "contacts").ToList();
        Assert.Equal(days.Count(d => d.DayOfWeek == DayOfWeek.Sunday || d.Day == 1), drills.Count);
        Assert.Equal(12, drills.Count(r => r.Detail!.StartsWith("full restore", StringComparison.Ordinal)));
        Assert.Equal(12, records.Count(r => r.Action == "prune"));

        // A second run the same day backs up again but does not check, drill or clean up again.
        using (var repository = TestRepository.Open(repo))
        {
            var again = new PlanRunner(repository, plan, null, Dump).RunAsync(days[^1].AddHours(1), CancellationToken.None).GetAwaiter().GetResult();
            Assert.Equal(["pre-backup", "backup", "backup"], again.Select(r => r.Action));
        }

        // Retention on the next 1st keeps exactly what the rules say of the snapshots that existed then.
        List<Snapshot> before;
        using (var repository = TestRepository.Open(repo)) before = repository.Catalog.Snapshots().ToList();
        var newYear = start.AddYears(1);
        using (var repository = TestRepository.Open(repo))
            new PlanRunner(repository, plan, null, Dump).RunAsync(newYear, CancellationToken.None).GetAwaiter().GetResult();
        using (var repository = TestRepository.Open(repo))
        {
            var after = repository.Catalog.Snapshots();
            var all = before.Concat(after.Where(s => s.Time == newYear)).ToList();
            var expected = Retention.Apply(all, plan.Retention).Where(d => d.Keep).Select(d => d.Snapshot.Id).Order();
            Assert.Equal(expected, after.Select(s => s.Id).Order());
            var contacts = after.Where(s => s.Tags.Contains("set:contacts")).ToList();
            // 7 daily + older weekly + monthly + yearly: every one of the last 12 months still has a snapshot.
            Assert.Equal(12, contacts.Select(s => s.Time.ToLocalTime().ToString("yyyy-MM")).Distinct().Count(m => string.CompareOrdinal(m, "2026-02") >= 0));
            Assert.InRange(contacts.Count, 20, 26);
        }
    }
}
