using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dedup.Cli.Policy;
using Dedup.Mirror;
using Dedup.Plan;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

/// <summary>dedup run | status | audit | verify: the disaster-recovery plan as code (docs/plan.md).</summary>
public static class PlanCommands
{
    private static Option<string> PolicyOption() => new("--policy")
    {
        Description = "the plan (default: ./dedup.toml, else $XDG_CONFIG_HOME/dedup/dedup.toml)",
        DefaultValueFactory = _ => DefaultPolicy(),
    };

    private static Option<string?> NowOption() => new("--now") { Description = "act as if it were this time (ISO 8601): makes the calendar testable" };

    private static string DefaultPolicy()
    {
        if (File.Exists("dedup.toml")) return Path.GetFullPath("dedup.toml");
        string config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "dedup", "dedup.toml");
    }

    private static DateTimeOffset Now(ParseResult parse, Option<string?> now) =>
        parse.GetValue(now) is { } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var t) ? t : throw new Core.DedupException($"--now '{text}' is not a time (e.g. 2026-03-01T02:00)")
            : DateTimeOffset.Now;

    private static BackupPlan LoadPlan(CliContext context, ParseResult parse, Option<string> policy)
    {
        var (plan, repository) = PolicyFile.Load(parse.GetValue(policy)!);
        context.PolicyRepository = repository;
        return plan;
    }

    public static Command Run()
    {
        var policy = PolicyOption();
        var now = NowOption();
        var command = new Command("run", "Do what the plan says is due now: backups, push, check, drills, retention") { policy, now };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            var plan = LoadPlan(context, parse, policy);
            using var repository = context.Open("run", forWriting: true);
            using var connection = plan.Remote is { } remote ? Remotes.ConnectCached(context, Remotes.Resolve(context, remote)) : null;
            var runner = new PlanRunner(repository, plan, connection?.Store, RunShell, Ping);
            var records = await ProgressDisplay.RunAsync(context, "run", "steps", _ => runner.RunAsync(Now(parse, now), ct));
            if (context.Json) Console.Out.WriteLine(Format.ToJson(records));
            else if (!context.Quiet)
                foreach (var r in records)
                    Console.Out.WriteLine($"{(r.Ok ? "ok  " : "FAIL")}  {r.Action,-10} {r.Set ?? "-",-12} {r.Detail} ({r.Seconds:0.##} s)");
            foreach (var warning in runner.Warnings) context.Error($"warning: {warning}");
            // On stderr whatever the output mode: cron (--quiet) mails only this, and it must say what failed and why.
            var failed = records.Where(r => !r.Ok).ToList();
            foreach (var r in failed) context.Error($"{r.Action}{(r.Set is null ? "" : " " + r.Set)} failed: {r.Detail}");
            if (failed.Count > 0) context.Error($"{failed.Count} {(failed.Count == 1 ? "step" : "steps")} failed ('dedup audit' lists the whole run)");
            return failed.Count == 0 ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }

    /// <summary>A hook command, through /bin/sh as borgmatic does, with a timeout; what it said on stderr comes back.</summary>
    private static (int, string) RunShell(string commandLine, TimeSpan timeout, IReadOnlyDictionary<string, string> environment)
    {
        var info = Shell.Command(commandLine, redirectStderr: true);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout)) { process.Kill(entireProcessTree: true); return (-1, "timed out"); }
        return (process.ExitCode, output.Result);
    }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A monitoring ping: GET, 10 s at most; what went wrong comes back as text (a ping never fails a run).</summary>
    private static async Task<string?> Ping(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e) { return e.Message; }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { return $"no answer in {Http.Timeout.TotalSeconds:0} s"; }
    }

    public static Command Status()
    {
        var policy = PolicyOption();
        var now = NowOption();
        var prometheus = new Option<bool>("--prometheus") { Description = "write the Prometheus text format (for node_exporter's textfile collector)" };
        var output = new Option<string?>("--output", "-o") { Description = "write to this file instead of stdout, atomically (a temp file renamed into place)" };
        var command = new Command("status", "Per backup set: RPO, RTO (from the last drill) and 3-2-1 against the plan; exit 0 only if all hold") { policy, now, prometheus, output };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            var plan = LoadPlan(context, parse, policy);
            var at = Now(parse, now);
            using var repository = context.Open("status");
            MirrorStatusReport? mirror = null;
            if (plan.Remote is { } remote)
            {
                using var connection = Remotes.ConnectCached(context, Remotes.Resolve(context, remote));
                mirror = await MirrorStatus.ComputeAsync(repository, connection.Store, ct);
            }
            var report = PlanStatus.Compute(repository, plan, at, mirror);
            var text = new StringWriter { NewLine = "\n" };
            if (parse.GetValue(prometheus))
            {
                var packs = repository.Catalog.Packs();
                var snapshots = repository.Catalog.Snapshots();
                var size = new RepositorySize(packs.Sum(p => p.Length), repository.IndexEntries().Sum(e => (long)e.Value.RawLength), snapshots.Sum(s => s.Totals.Bytes), snapshots.Count);
                text.Write(PrometheusText.Write(report, plan.Remote, size));
            }
            else if (context.Json)
            {
                text.WriteLine(Format.ToJson(new
                {
                    ok = report.Ok,
                    now = at,
                    last_check = report.LastCheck,
                    sets = report.Sets.Select(s => new
                    {
                        name = s.Set.Name,
                        tier = s.Set.Tier.ToString().ToLowerInvariant(),
                        ok = s.Ok,
                        rpo_seconds = s.Objectives.Rpo.TotalSeconds,
                        rto_seconds = s.Objectives.Rto.TotalSeconds,
                        last_snapshot = s.LastSnapshot?.Id,
                        age_seconds = s.Age?.TotalSeconds,
                        rpo_met = s.RpoMet,
                        last_drill = s.LastDrill?.Time,
                        estimated_restore_seconds = s.EstimatedRestore?.TotalSeconds,
                        rto_met = s.RtoMet,
                        local = s.Local,
                        remote = s.Remote,
                        copies_met = s.CopiesMet,
                        problems = s.Problems,
                    }),
                }));
            }
            else
            {
                text.WriteLine($"{"Set",-14} {"Tier",-9} {"Age / RPO",-16} {"Restore / RTO",-18} {"3-2-1",-6} Problems");
                foreach (var s in report.Sets)
                {
                    string age = s.Age is { } a ? $"{PlanStatus.Describe(a)} / {PlanStatus.Describe(s.Objectives.Rpo)}" : $"- / {PlanStatus.Describe(s.Objectives.Rpo)}";
                    string rto = s.EstimatedRestore is { } e ? $"{PlanStatus.Describe(e)} / {PlanStatus.Describe(s.Objectives.Rto)}" : $"- / {PlanStatus.Describe(s.Objectives.Rto)}";
                    text.WriteLine($"{s.Set.Name,-14} {s.Set.Tier.ToString().ToLowerInvariant(),-9} {age,-16} {rto,-18} {(s.CopiesMet ? "yes" : "NO"),-6} {(s.Ok ? "-" : string.Join("; ", s.Problems))}");
                }
                text.WriteLine(report.LastCheck is { } c ? $"last check: {Format.Time(c.Time)} {(c.Ok ? "ok" : "FAILED: " + c.Detail)}" : "last check: none in the last 48 h");
            }
            // A monitoring file is replaced whole or not at all: a scrape never reads half of it, and a run that
            // holds the lock (exit 11, thrown above) leaves the previous answer in place.
            if (parse.GetValue(output) is { Length: > 0 } file)
            {
                string path = Path.GetFullPath(file);
                Core.DurableFile.Write(path, System.Text.Encoding.UTF8.GetBytes(text.ToString()), Path.GetDirectoryName(path)!);
            }
            else Console.Out.Write(text.ToString());
            if (!report.Ok) context.Error("objectives not met");
            return report.Ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }

    public static Command Audit()
    {
        var since = new Option<string?>("--since") { Description = "only records at or after this time (ISO 8601) or this long ago (e.g. 7d)" };
        var policy = PolicyOption();
        var command = new Command("audit", "The audit log: every step the plan (and verify) took, with outcome, duration and bytes") { since, policy };
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            // The policy file, when there is one, names the repository.
            if (File.Exists(parse.GetValue(policy))) LoadPlan(context, parse, policy);
            using var repository = context.Open("audit");
            DateTimeOffset from = DateTimeOffset.MinValue;
            if (parse.GetValue(since) is { } text)
                from = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var t) ? t : DateTimeOffset.Now - Durations.Parse(text);
            var records = repository.Catalog.Audit().Where(r => r.Time >= from).ToList();
            if (context.Json) Console.Out.WriteLine(Format.ToJson(records));
            else
                foreach (var r in records)
                    Console.Out.WriteLine($"{Format.Time(r.Time)}  {(r.Ok ? "ok  " : "FAIL")}  {r.Action,-10} {r.Set ?? "-",-12} {r.Kind ?? "",-12} {r.Seconds,8:0.###} s {Format.Bytes(r.Bytes),11}  {r.Detail}");
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Verify()
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "snapshot id, prefix, or 'latest'" };
        var sample = new Option<double>("--sample") { Description = "restore only this percent of the files (default: all)", DefaultValueFactory = _ => 100 };
        var remote = new Option<string?>("--remote") { Description = "drill from this remote (blocks missing locally come from the bucket; without it, the repository's remote when packs are not here)" };
        var set = new Option<string?>("--set") { Description = "record the drill for this backup set (default: from the snapshot's set: tag)" };
        var command = new Command("verify", "Restore drill: restore to a temporary directory, compare every file with the catalog, record the result") { snapshot, sample, remote, set };
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            using var repository = OpenForDrill(context);
            var snap = SnapshotResolver.Resolve(repository.Catalog.Snapshots(), parse.GetValue(snapshot)!, filter.Read(parse));
            using var connection = Remotes.ForReading(context, repository, parse.GetValue(remote));
            Core.IBlockLoader loader = connection is null ? repository : new RemoteBlockLoader(repository, connection.Store, ct);
            string? setName = parse.GetValue(set) ?? snap.Tags.FirstOrDefault(t => t.StartsWith("set:", StringComparison.Ordinal))?[4..];
            var record = await ProgressDisplay.RunAsync(context, "verify", "files", _ =>
                Drill.RunAsync(repository, loader, snap, Math.Clamp(parse.GetValue(sample), 0.1, 100), DateTimeOffset.Now, setName, ct));
            if (context.Json) Console.Out.WriteLine(Format.ToJson(record));
            else context.Info($"{(record.Ok ? "ok" : "FAILED")}: snapshot {snap.ShortId}: {record.Detail} ({Format.Bytes(record.Bytes)} in {record.Seconds:0.##} s)");
            if (repository.ReadOnly) context.Info("the repository is read-only: the drill is not recorded in its audit log");
            if (!record.Ok) context.Error($"drill failed: {record.Detail}");
            return record.Ok ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }

    /// <summary>A drill records itself, so it opens for writing; from read-only media (a backup disk mounted
    /// read-only during a recovery) it still runs, unrecorded.</summary>
    private static Repository.LocalRepository OpenForDrill(CliContext context)
    {
        try { return context.Open("verify", forWriting: true); }
        catch (Core.RepositoryReadOnlyException) { return context.Open("verify", forWriting: false); }
    }
}
