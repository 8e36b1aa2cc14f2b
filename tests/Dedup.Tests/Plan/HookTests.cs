using Dedup.Tests.Support;

namespace Dedup.Tests.Plan;

/// <summary>dedup.toml's before / after / on_error commands and start / success / failure pings, as cron runs them.</summary>
public class HookTests
{
    [Fact]
    public void Hooks_run_in_order_with_what_failed_and_pings_say_start_then_success_or_failure()
    {
        using var sandbox = new Sandbox();
        using var pings = new PingServer();
        string good = sandbox.Path("good"), broken = sandbox.Path("broken"), log = sandbox.Path("hooks.log"), fixedFlag = sandbox.Path("fixed");
        Directory.CreateDirectory(good);
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(good, "a.txt"), "a");
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string Append(string what) => $"'echo \"{what}\" >> {log}'";
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy,
            $"before = {Append("run before $DEDUP_HOOK set=$DEDUP_SET")}\n" +
            $"after = {Append("run after")}\n" +
            $"on_error = {Append("run on_error $DEDUP_SET $DEDUP_STEP: $DEDUP_ERROR")}\n" +
            $"ping_start = \"{pings.Url}/run/start\"\nping_success = \"{pings.Url}/run\"\nping_failure = \"{pings.Url}/run/fail\"\n" +
            $"[[set]]\nname = \"good\"\npaths = [\"{good}\"]\ntier = \"standard\"\n" +
            $"before = {Append("good before $DEDUP_SET")}\nafter = {Append("good after $DEDUP_HOOK")}\n" +
            $"ping_success = \"{PingServer.DeadUrl()}\"\n" +
            $"[[set]]\nname = \"broken\"\npaths = [\"{broken}\"]\ntier = \"critical\"\n" +
            $"before = 'test -e {fixedFlag} || {{ echo dump failed >&2; exit 3; }}'\n" +
            $"after = {Append("broken after")}\n" +
            $"on_error = {Append("broken on_error $DEDUP_HOOK $DEDUP_SET $DEDUP_STEP")}\n" +
            $"ping_start = \"{pings.Url}/broken/start\"\nping_failure = \"{pings.Url}/broken/fail\"\n");

        // A Tuesday: backups and the daily check, no drills.
        var failing = cli.Run("run", "--policy", policy, "--now", "2026-03-03T02:00", "--quiet");
        Assert.True(failing.ExitCode == 1, failing.ToString());
        Assert.Equal([
            "run before before set=",
            "good before good",
            "good after after",
            "broken on_error on_error broken pre-backup",
            $"run on_error broken pre-backup: test -e {fixedFlag} || {{ echo dump failed >&2; exit 3; }}: exit 3: dump failed",
        ], File.ReadAllLines(log));
        Assert.Equal(["GET /run/start", "GET /broken/start", "GET /broken/fail", "GET /run/fail"], pings.Requests);
        // The dead URL is a warning; the run failed for the broken set alone.
        Assert.Contains(failing.StderrLines, l => l.StartsWith("dedup: warning: ping http://127.0.0.1:", StringComparison.Ordinal));

        File.Delete(log);
        File.WriteAllText(fixedFlag, "");
        var passing = cli.Run("run", "--policy", policy, "--now", "2026-03-03T03:00", "--quiet");
        Assert.True(passing.ExitCode == 0, passing.ToString());
        Assert.Equal(["run before before set=", "good before good", "good after after", "broken after", "run after"], File.ReadAllLines(log));
        Assert.Equal(["GET /run/start", "GET /broken/start", "GET /broken/fail", "GET /run/fail", "GET /run/start", "GET /broken/start", "GET /run"], pings.Requests);
        Assert.Contains(passing.StderrLines, l => l.Contains("ping") && l.Contains("/dead"));
    }

    [Fact]
    public void A_failing_before_hook_of_the_plan_skips_the_run_and_counts_as_a_failure()
    {
        using var sandbox = new Sandbox();
        var (cli, policy) = OneSetPlan(sandbox, "a", before: "before = 'exit 4'\n");
        var run = cli.Run("run", "--policy", policy, "--now", "2026-03-03T02:00", "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["pre-backup"], run.LastJson.EnumerateArray().Select(r => r.GetProperty("action").GetString()));
        Assert.Equal("[]", cli.Run("snapshots", "--json").Stdout.Trim());
    }

    [Fact]
    public void A_quiet_run_that_fails_says_on_stderr_which_step_failed_and_why()
    {
        using var sandbox = new Sandbox();
        var (cli, policy) = OneSetPlan(sandbox, "contacts", setLines: "pre_backup = \"echo database is locked >&2; exit 5\"\n");
        var run = cli.Run("run", "--policy", policy, "--now", "2026-03-03T02:00", "--quiet");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains(run.StderrLines, l => l.Contains("pre-backup contacts failed") && l.Contains("exit 5") && l.Contains("database is locked"));
        Assert.Equal("dedup: 1 step failed ('dedup audit' lists the whole run)", run.StderrLines[^1]);
    }

    /// <summary>A repository and a dedup.toml with one critical set of an empty directory, plus the given lines
    /// (top-level ones before the set, the set's own after it).</summary>
    private static (DedupCli Cli, string Policy) OneSetPlan(Sandbox sandbox, string set, string before = "", string setLines = "")
    {
        string data = sandbox.Path("data");
        Directory.CreateDirectory(data);
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"{before}[[set]]\nname = \"{set}\"\npaths = [\"{data}\"]\ntier = \"critical\"\n{setLines}");
        return (cli, policy);
    }
}
