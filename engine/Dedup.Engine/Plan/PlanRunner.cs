using System.Diagnostics;
using Dedup.Backup;
using Dedup.Check;
using Dedup.Core;
using Dedup.Maintenance;
using Dedup.Mirror;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Plan;

/// <summary>Runs a hook command (through /bin/sh -c) with extra environment variables; a seam so tests can see what ran.</summary>
public delegate (int ExitCode, string Output) CommandRunner(string command, TimeSpan timeout, IReadOnlyDictionary<string, string> environment);

/// <summary>Pings a monitoring URL (an HTTP GET); returns what went wrong, or null. Never throws: a ping is a courtesy.</summary>
public delegate Task<string?> Pinger(string url, CancellationToken cancellationToken);

/// <summary>
/// One `dedup run`: what the calendar says is due at <c>now</c>, set by set, each step recorded in the audit log.
/// Every run backs up every set; the check, drills and cleanup happen at the first run of the day that succeeds.
/// Per set: the before command, a backup of the kind the schedule picks, the after command. Then once: push to the
/// mirror; check (structure daily, a sample of the data weekly, all of it monthly); drills per set (a sample weekly,
/// a full restore monthly); and monthly, forget by the retention policy and prune (the mirror too). A failing set
/// does not stop the others; the result says whether anything failed. The plan's and each set's <see cref="Hooks"/>
/// wrap the whole run and the set's part of it.
/// </summary>
public sealed class PlanRunner(Repository.IPlanRepository repository, BackupPlan plan, IObjectStore? remote, CommandRunner commands, Pinger? ping = null)
{
    private static readonly TimeSpan HookTimeout = TimeSpan.FromMinutes(30);
    private readonly List<AuditRecord> _records = [];
    private readonly List<string> _warnings = [];
    private readonly Stopwatch _elapsed = new();
    private DateTimeOffset _start, _lastStep;
    private bool _pushed;

    /// <summary>What went wrong without failing the run (pings that did not get through).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public async Task<IReadOnlyList<AuditRecord>> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        (_start, _lastStep) = (now, DateTimeOffset.MinValue);
        _elapsed.Restart();
        await PingAsync(plan.Hooks.PingStart, cancellationToken);
        if (await BeforeAsync(plan.Hooks, null))
        {
            await RunStepsAsync(now, cancellationToken);
            if (_pushed) await PushAuditAsync(cancellationToken); // after a failed push the next run's push carries them
        }
        await FinishAsync(plan.Hooks, null, 0, cancellationToken);
        return _records;
    }

    private async Task RunStepsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var clock = new FixedClock(now);
        foreach (var set in plan.Sets) await BackupSetAsync(set, now, clock, cancellationToken);
        bool weekly = Scheduler.IsWeekly(now, plan.Schedule), monthly = Scheduler.IsMonthly(now, plan.Schedule);

        if (remote is not null)
            _pushed = await StepAsync("push", null, async () =>
            {
                var report = await new MirrorPusher(repository, remote, new PushOptions()).PushAsync(cancellationToken);
                return new StepOutcome(report.Problems.Count == 0, $"{report.PacksUploaded} packs uploaded, {report.SnapshotsOnRemote} snapshots on the remote", report.BytesUploaded);
            });

        // Backups run at every run (hourly from cron, for a 1 h RPO); the day's check, drills and cleanup run once a day.
        if (DoneToday("check", null, now)) return;
        await StepAsync("check", null, async () =>
        {
            double sample = monthly ? 100 : weekly ? plan.Schedule.SamplePercent : 0;
            // Packs only on the remote (after a catalog-only recover) are where they should be, and read from there.
            var copies = remote is not null && MirroredPacks.Needed(repository)
                ? await MirroredPacks.LoadAsync(plan.Remote ?? "remote", remote, repository, cancellationToken) : null;
            var report = Checker.Run(repository, readData: sample > 0, samplePercent: sample, copies: copies, cancellationToken: cancellationToken);
            string scope = monthly ? "all data read" : weekly ? $"{plan.Schedule.SamplePercent:0.#}% of packs read" : "structure";
            if (report.PacksElsewhere.Count > 0) scope += $"; {report.PacksElsewhere.Count} packs only on {plan.Remote}";
            return new StepOutcome(report.Ok, report.Ok ? scope : $"{scope}: {string.Join("; ", report.Errors.Take(3))}", 0);
        });

        if (weekly || monthly)
        {
            IBlockLoader loader = remote is null ? repository : new RemoteBlockLoader(repository, remote, cancellationToken);
            foreach (var set in plan.Sets)
            {
                var latest = SetSnapshots(set).LastOrDefault();
                if (latest is null) continue;
                _records.Add(await Drill.RunAsync(repository, loader, latest, monthly ? 100 : plan.Schedule.SamplePercent, StepTime(), set.Name, cancellationToken));
            }
        }

        if (monthly)
        {
            await StepAsync("forget", null, () =>
            {
                var setTags = plan.Sets.Select(s => s.Tag).ToHashSet(StringComparer.Ordinal);
                // Only the plan's snapshots: a pre-restore safety snapshot or a hand-made one is the user's to forget.
                var planned = repository.Snapshots().Where(s => s.Tags.Any(setTags.Contains)).ToList();
                var drop = planned.Count == 0 ? [] : Retention.Apply(planned, plan.Retention).Where(d => !d.Keep).Select(d => d.Snapshot.Id).ToList();
                repository.ForgetSnapshots(drop);
                return Task.FromResult(new StepOutcome(true, $"{drop.Count} snapshots forgotten", 0));
            });
            await StepAsync("prune", null, async () =>
            {
                var report = await Pruner.RunAsync(repository, new PruneOptions(), cancellationToken);
                if (remote is not null) await MirrorPruner.RunAsync(repository, remote, new PushOptions(), cancellationToken);
                return new StepOutcome(true, $"{report.PacksDeleted} packs deleted, {report.PacksRepacked} repacked", report.BytesFreed);
            });
        }
    }

    /// <summary>The run's own records (check, drills, prune came after the push) go to the bucket too, so a repository
    /// recovered from it knows them. Not a step of its own: only a failure is recorded.</summary>
    private async Task PushAuditAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        try
        {
            await AuditMirror.PushAsync(repository, remote!, problems, null, cancellationToken);
            return;
        }
        catch (Exception e) when (e is DedupException or IOException) { problems.Add(e.Message); }
        await StepAsync("push", null, () => Task.FromResult(new StepOutcome(false, $"audit log not pushed: {string.Join("; ", problems)}", 0)));
    }

    /// <summary>When a step starts: the run's time (which --now may set) plus the time the run has taken so far, and
    /// always after the previous step, so the audit log lists a run's steps in the order they ran.</summary>
    private DateTimeOffset StepTime()
    {
        var at = _start + _elapsed.Elapsed;
        if (at <= _lastStep) at = _lastStep.AddTicks(1);
        return _lastStep = at;
    }

    private bool DoneToday(string action, string? set, DateTimeOffset now)
    {
        // The whole local day: a step's time is the run's time plus what the run took so far.
        var midnight = new DateTimeOffset(now.ToLocalTime().Date, now.ToLocalTime().Offset);
        return repository.Audit().Any(r => r.Action == action && r.Set == set && r.Ok && r.Time >= midnight && r.Time < midnight.AddDays(1));
    }

    private IReadOnlyList<Snapshot> SetSnapshots(BackupSet set) =>
        repository.Snapshots().Where(s => s.Tags.Contains(set.Tag)).ToList();

    private async Task BackupSetAsync(BackupSet set, DateTimeOffset now, TimeProvider clock, CancellationToken cancellationToken)
    {
        int first = _records.Count;
        await PingAsync(set.Hooks.PingStart, cancellationToken);
        // A failed before command skips the backup: a half-made dump would record a snapshot that looks good and is not.
        if (await BeforeAsync(set.Hooks, set.Name))
        {
            var kind = Scheduler.KindFor(SetSnapshots(set), now, plan.Schedule);
            await StepAsync("backup", set.Name, async () =>
            {
                var request = new BackupRequest { Paths = set.Paths, Exclusions = Backup.Selection.Exclusions.FromPatterns(set.Excludes), Kind = kind, Tags = [set.Tag], Host = plan.Host };
                var result = await BackupRunner.RunAsync(repository, request, NullBackupObserver.Instance, clock, cancellationToken);
                var t = result.Snapshot.Totals;
                return new StepOutcome(t.Errors == 0, $"{result.Snapshot.Kind.ToString().ToLowerInvariant()} {result.Snapshot.ShortId}: {t.Files} files, {t.Errors} unreadable",
                    t.BytesAdded, result.Snapshot.Id);
            }, kind.ToString().ToLowerInvariant());
        }
        await FinishAsync(set.Hooks, set.Name, first, cancellationToken);
    }

    private async Task<bool> BeforeAsync(Hooks hooks, string? set) =>
        hooks.Before is not { Length: > 0 } command || await HookAsync("pre-backup", set, command, "before", null);

    /// <summary>The end of a scope (the run, or a set's part of it, whose records start at <paramref name="first"/>):
    /// the after command if nothing failed, the on_error command if something did (told the first failure), then
    /// the ping that says which.</summary>
    private async Task FinishAsync(Hooks hooks, string? set, int first, CancellationToken cancellationToken)
    {
        if (FirstFailure(first) is null && hooks.After is { Length: > 0 } after) await HookAsync("post-backup", set, after, "after", null);
        var failed = FirstFailure(first);
        if (failed is not null && hooks.OnError is { Length: > 0 } onError) await HookAsync("on-error", set, onError, "on_error", failed);
        await PingAsync(failed is null ? hooks.PingSuccess : hooks.PingFailure, cancellationToken);
    }

    private AuditRecord? FirstFailure(int first) => _records.Skip(first).FirstOrDefault(r => !r.Ok);

    /// <summary>A hook command as a step of its own (recorded like any other); it learns what it is for from
    /// DEDUP_HOOK, DEDUP_SET, DEDUP_STEP, DEDUP_ERROR (on_error: the failed step and why) and DEDUP_REPOSITORY.</summary>
    private Task<bool> HookAsync(string action, string? set, string command, string hook, AuditRecord? failed) =>
        StepAsync(action, set, () =>
        {
            var environment = new Dictionary<string, string>
            {
                ["DEDUP_HOOK"] = hook,
                ["DEDUP_SET"] = failed?.Set ?? set ?? "",
                ["DEDUP_STEP"] = failed?.Action ?? action,
                ["DEDUP_ERROR"] = failed?.Detail ?? "",
                ["DEDUP_REPOSITORY"] = repository.Root,
            };
            var (exit, output) = commands(command, HookTimeout, environment);
            return Task.FromResult(new StepOutcome(exit == 0, exit == 0 ? command : $"{command}: exit {exit}: {output.Trim()}", 0));
        });

    private async Task PingAsync(string? url, CancellationToken cancellationToken)
    {
        if (url is not { Length: > 0 } || ping is null) return;
        if (await ping(url, cancellationToken) is { } problem) _warnings.Add($"ping {url} failed: {problem}");
    }

    private sealed record StepOutcome(bool Ok, string Detail, long Bytes, string? Snapshot = null);

    /// <summary>Runs one step and records it, at the time it started; a failure is recorded, not thrown.</summary>
    private async Task<bool> StepAsync(string action, string? set, Func<Task<StepOutcome>> step, string? kind = null)
    {
        var time = StepTime();
        var clock = Stopwatch.StartNew();
        StepOutcome outcome;
        try { outcome = await step(); }
        catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException)
        {
            outcome = new StepOutcome(false, e.Message, 0);
        }
        var record = new AuditRecord
        {
            Time = time, Action = action, Set = set, Kind = kind, Snapshot = outcome.Snapshot, Ok = outcome.Ok, Detail = outcome.Detail,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3), Bytes = outcome.Bytes,
        };
        repository.AppendAudit(record);
        _records.Add(record);
        return outcome.Ok;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
