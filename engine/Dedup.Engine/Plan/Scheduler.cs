using Dedup.Snapshots;

namespace Dedup.Plan;

/// <summary>Decides from the calendar and the set's snapshots what a run at <c>now</c> does. Catching up is built
/// in: a month whose 1st was missed gets its full at the next run.</summary>
public static class Scheduler
{
    public static SnapshotKind KindFor(IEnumerable<Snapshot> setSnapshots, DateTimeOffset now, Schedule schedule)
    {
        var local = now.ToLocalTime();
        var monthStart = new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, local.Offset);
        int back = ((int)local.DayOfWeek - (int)schedule.DifferentialDay + 7) % 7;
        var weekStart = new DateTimeOffset(local.Date.AddDays(-back), local.Offset);
        var list = setSnapshots.Where(s => s.Time <= now).ToList();
        if (!list.Any(s => s.Kind == SnapshotKind.Full && s.Time >= monthStart)) return SnapshotKind.Full;
        if (!list.Any(s => s.Kind is SnapshotKind.Full or SnapshotKind.Differential && s.Time >= weekStart)) return SnapshotKind.Differential;
        return SnapshotKind.Incremental;
    }

    public static bool IsWeekly(DateTimeOffset now, Schedule schedule) => now.ToLocalTime().DayOfWeek == schedule.WeeklyDay;

    public static bool IsMonthly(DateTimeOffset now, Schedule schedule) => now.ToLocalTime().Day == schedule.MonthlyDay;
}
