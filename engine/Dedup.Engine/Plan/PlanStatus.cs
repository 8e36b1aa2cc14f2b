using Dedup.Mirror;
using Dedup.Snapshots;

namespace Dedup.Plan;

/// <summary>How one set stands against its objectives at a moment.</summary>
public sealed record SetStatus
{
    public required BackupSet Set { get; init; }
    public required Objectives Objectives { get; init; }
    public Snapshot? LastSnapshot { get; init; }
    public TimeSpan? Age { get; init; }
    public bool RpoMet { get; init; }
    public AuditRecord? LastDrill { get; init; }
    /// <summary>The set's size restored at the last drill's throughput.</summary>
    public TimeSpan? EstimatedRestore { get; init; }
    public bool RtoMet { get; init; }
    /// <summary>Null without a remote; else whether the latest snapshot is complete both locally and on the remote.</summary>
    public bool? Local { get; init; }
    public bool? Remote { get; init; }
    public bool CopiesMet { get; init; }
    public List<string> Problems { get; init; } = [];
    public bool Ok => Problems.Count == 0;
}

public sealed record PlanStatusReport(IReadOnlyList<SetStatus> Sets, AuditRecord? LastCheck, DateTimeOffset Now)
{
    public bool Ok => Sets.All(s => s.Ok) && LastCheck is { Ok: true };
    /// <summary>The last check however old (<see cref="LastCheck"/> only counts one of the last 48 hours).</summary>
    public AuditRecord? LatestCheck { get; init; }
}

/// <summary>
/// The plan's objectives as facts: per set, the age of the last snapshot against the RPO; the restore time the last
/// drill's throughput implies for the set's current size against the RTO (a drill older than 8 days counts as
/// missing: drills are weekly); and the 3-2-1 rule (the latest snapshot complete here and on the remote).
/// </summary>
public static class PlanStatus
{
    public static readonly TimeSpan DrillMaxAge = TimeSpan.FromDays(8), CheckMaxAge = TimeSpan.FromHours(48);

    public static PlanStatusReport Compute(Repository.IAuditedRepository repository, BackupPlan plan, DateTimeOffset now, MirrorStatusReport? mirror)
    {
        var snapshots = repository.Snapshots();
        var audit = repository.Audit();
        var sets = plan.Sets.Select(set =>
        {
            var objectives = plan.Objectives[set.Tier];
            var problems = new List<string>();
            var last = snapshots.Where(s => s.Tags.Contains(set.Tag) && s.Totals.Errors == 0 && s.Time <= now).MaxBy(s => s.Time);
            TimeSpan? age = last is null ? null : now - last.Time;
            bool rpo = age is { } a && a <= objectives.Rpo;
            if (last is null) problems.Add("no snapshot yet");
            else if (!rpo) problems.Add($"last snapshot is {Describe(age!.Value)} old, RPO is {Describe(objectives.Rpo)}");

            var drill = audit.Where(r => r.Action == "drill" && r.Set == set.Name && r.Time <= now).MaxBy(r => r.Time);
            TimeSpan? estimate = null;
            bool rto = false;
            if (drill is null || now - drill.Time > DrillMaxAge) problems.Add(drill is null ? "no restore drill yet" : $"last drill is {Describe(now - drill.Time)} old");
            else if (!drill.Ok) problems.Add($"last drill failed: {drill.Detail}");
            else
            {
                double bytesPerSecond = drill.Bytes / Math.Max(drill.Seconds, 1e-3);
                estimate = TimeSpan.FromSeconds((last?.Totals.Bytes ?? 0) / Math.Max(bytesPerSecond, 1));
                rto = estimate <= objectives.Rto;
                if (!rto) problems.Add($"restoring it would take ~{Describe(estimate.Value)} at the last drill's speed, RTO is {Describe(objectives.Rto)}");
            }

            bool? local = null, remote = null;
            if (mirror is null) problems.Add("no remote: the 3-2-1 rule needs an offsite copy");
            else if (last is not null && mirror.Snapshots.FirstOrDefault(c => c.Snapshot.Id == last.Id) is { } copies)
            {
                (local, remote) = (copies.Local, copies.Remote);
                if (!copies.Local) problems.Add($"latest snapshot is not complete in the local repository ('dedup recover --remote {plan.Remote} --all' fetches what is missing from the remote)");
                if (!copies.Remote) problems.Add($"latest snapshot is not complete on the remote ({copies.PacksPending} packs to push)");
            }
            return new SetStatus
            {
                Set = set, Objectives = objectives, LastSnapshot = last, Age = age, RpoMet = rpo, LastDrill = drill, EstimatedRestore = estimate,
                RtoMet = rto, Local = local, Remote = remote, CopiesMet = local == true && remote == true, Problems = problems,
            };
        }).ToList();
        var latest = audit.Where(r => r.Action == "check" && r.Time <= now).MaxBy(r => r.Time);
        var check = latest is not null && now - latest.Time <= CheckMaxAge ? latest : null;
        return new PlanStatusReport(sets, check, now) { LatestCheck = latest };
    }

    public static string Describe(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{span.TotalDays:0.#} d" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0.#} s";
}
