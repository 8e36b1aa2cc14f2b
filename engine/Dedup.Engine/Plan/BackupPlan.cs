using Dedup.Maintenance;

namespace Dedup.Plan;

public enum Tier { Critical, Standard, Secondary }

/// <summary>Recovery point and recovery time objectives: how much data a set may lose, how long restoring it may take.</summary>
public sealed record Objectives(TimeSpan Rpo, TimeSpan Rto)
{
    /// <summary>The disaster-recovery plan's defaults: critical 1 h / 1 h, standard (its "overall") 24 h / 4 h, secondary 7 d / 24 h.</summary>
    public static Objectives DefaultFor(Tier tier) => tier switch
    {
        Tier.Critical => new(TimeSpan.FromHours(1), TimeSpan.FromHours(1)),
        Tier.Standard => new(TimeSpan.FromHours(24), TimeSpan.FromHours(4)),
        _ => new(TimeSpan.FromDays(7), TimeSpan.FromHours(24)),
    };
}

/// <summary>A named group of paths backed up together, as its own snapshots (tagged set:NAME). <paramref name="PreBackup"/>
/// is the set's <c>before</c> command: the default of <see cref="Hooks"/>, which the policy file sets whole.</summary>
public sealed record BackupSet(string Name, IReadOnlyList<string> Paths, IReadOnlyList<string> Excludes, Tier Tier, string? PreBackup)
{
    public Hooks Hooks { get; init; } = new() { Before = PreBackup };
    public string Tag => "set:" + Name;
}

/// <summary>When each kind of work is due. Full: the first run of each month; differential: the first run of each week
/// (weeks start on <see cref="DifferentialDay"/>); incremental otherwise. Weekly work (data sample check, sample
/// drill) runs on <see cref="WeeklyDay"/>, monthly work (read-all check, full drill, retention and prune) on
/// <see cref="MonthlyDay"/>.</summary>
public sealed record Schedule
{
    public DayOfWeek DifferentialDay { get; init; } = DayOfWeek.Sunday;
    public DayOfWeek WeeklyDay { get; init; } = DayOfWeek.Sunday;
    public int MonthlyDay { get; init; } = 1;
    /// <summary>Percent of packs read by the weekly check and of files restored by the weekly drill.</summary>
    public double SamplePercent { get; init; } = 10;
}

public sealed record BackupPlan
{
    public required IReadOnlyList<BackupSet> Sets { get; init; }
    public Schedule Schedule { get; init; } = new();
    public RetentionPolicy Retention { get; init; } = new() { Daily = 7, Weekly = 5, Monthly = 12, Yearly = 3 };
    public IReadOnlyDictionary<Tier, Objectives> Objectives { get; init; } =
        Enum.GetValues<Tier>().ToDictionary(t => t, Plan.Objectives.DefaultFor);
    /// <summary>The mirror's remote name; null means no offsite copy (status reports the 3-2-1 rule unmet).</summary>
    public string? Remote { get; init; }
    /// <summary>Host recorded in snapshots (and used to find references); default: this machine's name.</summary>
    public string Host { get; init; } = Environment.MachineName;
    /// <summary>Commands and pings around the whole run.</summary>
    public Hooks Hooks { get; init; } = Hooks.None;
}
