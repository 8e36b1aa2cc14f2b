using System.CommandLine;
using Dedup.Core;
using Dedup.Maintenance;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

/// <summary>dedup forget: remove snapshots by id or by a retention policy (restic's --keep-* rules).</summary>
public static class ForgetCommand
{
    public static Command Create()
    {
        var ids = new Argument<string[]>("SNAPSHOT") { Description = "snapshots to forget (instead of a policy)", Arity = ArgumentArity.ZeroOrMore };
        Option<int> Keep(string name, string what) => new($"--keep-{name}") { Description = $"keep the newest snapshot of each of the last N {what}" };
        var last = new Option<int>("--keep-last") { Description = "keep the N newest snapshots" };
        var hourly = Keep("hourly", "hours");
        var daily = Keep("daily", "days");
        var weekly = Keep("weekly", "ISO weeks");
        var monthly = Keep("monthly", "months");
        var yearly = Keep("yearly", "years");
        var tags = new Option<string[]>("--keep-tag") { Description = "keep every snapshot with this tag (repeatable)" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "show what would be kept (and by which rule) and removed; change nothing" };
        var prune = new Option<bool>("--prune") { Description = "run prune afterwards" };
        var command = new Command("forget", "Forget snapshots, by id or by policy; their data goes with the next prune")
            { ids, last, hourly, daily, weekly, monthly, yearly, tags, dryRun, prune };
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            bool dry = parse.GetValue(dryRun);
            using var repository = context.Open("forget", forWriting: !dry);
            var all = repository.Catalog.Snapshots();
            // Snapshots outside --host/--path/--tag are neither kept nor removed: the policy does not see them.
            var snapshots = all.Where(filter.Read(parse).Matches).ToList();
            var policy = new RetentionPolicy
            {
                Last = parse.GetValue(last), Hourly = parse.GetValue(hourly), Daily = parse.GetValue(daily), Weekly = parse.GetValue(weekly),
                Monthly = parse.GetValue(monthly), Yearly = parse.GetValue(yearly), Tags = parse.GetValue(tags) ?? [],
            };
            var named = parse.GetValue(ids) ?? [];
            if (named.Length > 0 && !policy.IsEmpty) throw new DedupException("give snapshot ids or --keep-* rules, not both");
            IReadOnlyList<RetentionDecision> decisions;
            if (named.Length > 0)
            {
                var forget = named.Select(n => SnapshotResolver.Resolve(all, n, filter.Read(parse)).Id).ToHashSet(StringComparer.Ordinal);
                decisions = all.Select(s => new RetentionDecision(s, !forget.Contains(s.Id), forget.Contains(s.Id) ? [] : ["not named"])).ToList();
            }
            else decisions = Retention.Apply(snapshots, policy);
            var remove = decisions.Where(d => !d.Keep).Select(d => d.Snapshot.Id).ToList();

            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    dry_run = dry,
                    keep = decisions.Where(d => d.Keep).Select(d => new { id = d.Snapshot.Id, time = d.Snapshot.Time, kind = d.Snapshot.Kind.ToString().ToLowerInvariant(), reasons = d.Reasons }),
                    remove = decisions.Where(d => !d.Keep).Select(d => new { id = d.Snapshot.Id, time = d.Snapshot.Time, kind = d.Snapshot.Kind.ToString().ToLowerInvariant() }),
                }));
            }
            else if (!context.Quiet)
            {
                Console.Out.WriteLine($"keep {decisions.Count(d => d.Keep)} snapshots:");
                foreach (var d in decisions.Where(d => d.Keep))
                    Console.Out.WriteLine($"  {d.Snapshot.ShortId}  {Format.Time(d.Snapshot.Time)}  {d.Snapshot.Kind.ToString().ToLowerInvariant(),-12}  {string.Join(", ", d.Reasons)}");
                Console.Out.WriteLine($"{(dry ? "would remove" : "remove")} {remove.Count} snapshots:");
                foreach (var d in decisions.Where(d => !d.Keep))
                    Console.Out.WriteLine($"  {d.Snapshot.ShortId}  {Format.Time(d.Snapshot.Time)}  {d.Snapshot.Kind.ToString().ToLowerInvariant()}");
            }
            if (dry) return ExitCodes.Success;
            repository.ForgetSnapshots(remove);
            if (parse.GetValue(prune)) return await PruneCommand.RunAsync(context, repository, new PruneOptions(), null, ct);
            return ExitCodes.Success;
        }));
        return command;
    }
}
